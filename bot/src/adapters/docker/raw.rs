//! A minimal HTTP/1.0 exchange with the engine for the streaming endpoints (logs, image import):
//! their answers are short and end when the engine closes the connection, so reading to the end
//! is all we need, without stream combinators.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use tokio::net::{TcpStream, UnixStream};

/// Where the engine listens, from `DOCKER_HOST` (`unix://…`, `tcp://…`) or the local socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

/// The local socket Docker listens on by default.
pub(super) const DEFAULT_SOCKET: &str = "/var/run/docker.sock";
/// The most an answer may hold; `--tail` keeps logs far below this.
const MAX_ANSWER_BYTES: usize = 256 * 1024 * 1024;

impl Endpoint {
    pub(super) fn parse(host: Option<&str>) -> Self {
        match host.map(str::trim).filter(|h| !h.is_empty()) {
            None => Self::Unix(PathBuf::from(DEFAULT_SOCKET)),
            Some(host) => match host.split_once("://") {
                Some(("unix", path)) => Self::Unix(PathBuf::from(path)),
                Some((_, address)) => Self::Tcp(address.trim_end_matches('/').to_owned()),
                None => Self::Tcp(host.to_owned()),
            },
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

/// An HTTP answer, read to the end.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

enum Connection {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Connection {
    async fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let written = match self {
                Self::Unix(s) => s.writable().await.and_then(|()| s.try_write(bytes)),
                Self::Tcp(s) => s.writable().await.and_then(|()| s.try_write(bytes)),
            };
            match written {
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn read_to_end(&self) -> io::Result<Vec<u8>> {
        let (mut all, mut buffer) = (Vec::new(), vec![0_u8; 64 * 1024]);
        loop {
            let read = match self {
                Self::Unix(s) => s.readable().await.and_then(|()| s.try_read(&mut buffer)),
                Self::Tcp(s) => s.readable().await.and_then(|()| s.try_read(&mut buffer)),
            };
            match read {
                Ok(0) => return Ok(all),
                Ok(n) if all.len() + n > MAX_ANSWER_BYTES => return Err(io::Error::other("answer too large")),
                Ok(n) => all.extend_from_slice(&buffer[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Sends one request (`path` with its query) and reads the whole answer.
pub(super) async fn exchange(endpoint: &Endpoint, method: &str, path: &str, body: Option<(&str, &[u8])>, timeout: Duration) -> io::Result<Answer> {
    let work = async {
        let connection = match endpoint {
            Endpoint::Unix(socket) => Connection::Unix(UnixStream::connect(socket).await?),
            Endpoint::Tcp(address) => Connection::Tcp(TcpStream::connect(address).await?),
        };
        let mut request = format!("{method} {path} HTTP/1.0\r\nHost: docker\r\n");
        if let Some((content_type, bytes)) = body {
            request.push_str(&format!("Content-Type: {content_type}\r\nContent-Length: {}\r\n", bytes.len()));
        }
        request.push_str("\r\n");
        connection.write_all(request.as_bytes()).await?;
        if let Some((_, bytes)) = body {
            connection.write_all(bytes).await?;
        }
        parse(&connection.read_to_end().await?)
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
}

fn parse(raw: &[u8]) -> io::Result<Answer> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "malformed HTTP answer from the Docker engine");
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(bad)?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = &raw[end + 4..];
    let body = if chunked { dechunk(body).ok_or_else(bad)? } else { body.to_vec() };
    Ok(Answer { status, body })
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        let chunk = body.get(line_end + 2..line_end + 2 + size)?;
        out.extend_from_slice(chunk);
        body = body.get(line_end + 4 + size..)?;
    }
}

/// Splits Docker's multiplexed stream (8-byte frame headers) into its payloads, in order.
pub(super) fn demultiplex(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    while body.len() >= 8 {
        let size = u32::from_be_bytes([body[4], body[5], body[6], body[7]]) as usize;
        let end = (8 + size).min(body.len());
        out.extend_from_slice(&body[8..end]);
        body = &body[end..];
    }
    out
}

/// Percent-encodes a path segment or query value.
pub(super) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_come_from_docker_host() {
        assert_eq!(Endpoint::parse(None), Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET)));
        assert_eq!(Endpoint::parse(Some("unix:///run/d.sock")), Endpoint::Unix(PathBuf::from("/run/d.sock")));
        assert_eq!(Endpoint::parse(Some("tcp://10.0.0.2:2375")).to_string(), "tcp://10.0.0.2:2375");
    }

    #[test]
    fn answers_are_parsed_dechunked_and_demultiplexed() {
        let answer = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        assert_eq!(answer.map(|a| (a.status, a.body)).ok(), Some((200, b"abcde".to_vec())));
        let frames = [&[1, 0, 0, 0, 0, 0, 0, 3][..], b"hi\n", &[2, 0, 0, 0, 0, 0, 0, 4], b"err\n"].concat();
        assert_eq!(demultiplex(&frames), b"hi\nerr\n");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }
}
