//! Shared by the load-generator examples: the signed `/incident help` request and a minimal
//! HTTP/1.1 response reader (keep-alive, Content-Length or chunked).

use anyhow::{bail, Context as _};
use hmac::{Hmac, Mac};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The slash-command form every benchmark posts (the same bytes as `bench/ack-path.sh`).
pub const BODY: &str = "token=bench&team_id=T0BENCH&team_domain=bench&channel_id=C0BENCH&channel_name=bench\
&user_id=U0BENCH&user_name=bench&command=%2Fincident&text=help\
&api_app_id=A0BENCH&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fresponse&trigger_id=1.2.3";

/// Splits `http://host:port/path` into the address to connect to and the path.
pub fn split_url(url: &str) -> anyhow::Result<(String, String)> {
    let rest = url.strip_prefix("http://").context("only http:// URLs")?;
    let (addr, path) = rest.split_once('/').context("the URL needs a path")?;
    Ok((addr.to_owned(), format!("/{path}")))
}

/// One signed POST of [`BODY`], signed now, as Slack signs each delivery.
pub fn request(addr: &str, path: &str, secret: &str) -> anyhow::Result<Vec<u8>> {
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs().to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())?;
    mac.update(format!("v0:{timestamp}:{BODY}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    Ok(format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: v0={signature}\r\n\r\n{BODY}",
        BODY.len()
    )
    .into_bytes())
}

/// Reads one HTTP/1.1 response (Content-Length or chunked); returns its status.
pub async fn response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end])?.to_ascii_lowercase();
    let status: u16 = head.get(9..12).context("status line")?.parse()?;
    let length = head.lines().find_map(|l| l.strip_prefix("content-length:")).map(|v| v.trim().parse::<usize>());
    let done = |buf: &[u8]| match &length {
        Some(Ok(n)) => buf.len() >= head_end + n,
        _ => buf[head_end..].ends_with(b"0\r\n\r\n"),
    };
    while !done(buf) {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed mid-body");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(status)
}
