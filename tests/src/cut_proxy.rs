//! A loopback proxy in front of a real endpoint (a TCP address or a Unix socket) that a test can
//! `cut()` — live connections dropped, new ones refused — and `restore()`: a dependency becomes
//! unreachable for the app under test without stopping it (the shared dockerd, the fake
//! Kubernetes API, whose recorded requests the test still reads).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where the proxy forwards to.
#[derive(Debug, Clone)]
enum Upstream {
    Tcp(String),
    Unix(PathBuf),
}

/// Where the proxy listens: a fixed loopback port, or a socket file in its own directory.
#[derive(Debug, Clone)]
enum Listen {
    Tcp(std::net::SocketAddr),
    Unix(PathBuf),
}

/// A running proxy; its listener stops (and its socket directory goes) when dropped.
#[derive(Debug)]
pub struct CutProxy {
    listen: Listen,
    upstream: Upstream,
    /// The accept loop while the proxy is up; `None` while cut.
    accepting: Mutex<Option<JoinHandle<()>>>,
    /// Bumped by `cut()`: every live connection watches it and closes when it changes.
    generation: watch::Sender<u64>,
    accepted: Arc<AtomicUsize>,
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        if let Some(task) = self.accepting.lock().unwrap_or_else(PoisonError::into_inner).take() {
            task.abort();
        }
        self.generation.send_modify(|g| *g += 1);
        if let Listen::Unix(path) = &self.listen
            && let Some(dir) = path.parent()
        {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl CutProxy {
    /// A proxy on `127.0.0.1:<free port>` in front of the TCP address `upstream` (`host:port`).
    pub async fn tcp(upstream: &str) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind the proxy: {e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("the proxy's address: {e}"));
        let proxy = Self::new(Listen::Tcp(address), Upstream::Tcp(upstream.to_owned()));
        proxy.serve_tcp(listener);
        proxy
    }

    /// A proxy on a fresh Unix socket in front of the socket at `upstream`.
    pub async fn unix(upstream: &Path) -> CutProxy {
        let dir = std::env::temp_dir().join(format!("firebreak-proxy-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("the proxy's directory: {e}"));
        let path = dir.join("proxy.sock");
        let listener = UnixListener::bind(&path).unwrap_or_else(|e| panic!("bind {}: {e}", path.display()));
        let proxy = Self::new(Listen::Unix(path), Upstream::Unix(upstream.to_owned()));
        proxy.serve_unix(listener);
        proxy
    }

    /// A proxy in front of the Docker engine this process would use (`DOCKER_HOST`, else the
    /// local socket), listening the same way (Unix socket or TCP).
    pub async fn docker_engine() -> CutProxy {
        let host = std::env::var("DOCKER_HOST").ok().filter(|h| !h.trim().is_empty());
        match host.as_deref().map(|h| h.split_once("://").unwrap_or(("tcp", h))) {
            None => Self::unix(Path::new("/var/run/docker.sock")).await,
            Some(("unix", path)) => Self::unix(Path::new(path)).await,
            Some((_, address)) => Self::tcp(address.trim_end_matches('/')).await,
        }
    }

    fn new(listen: Listen, upstream: Upstream) -> CutProxy {
        let (generation, _) = watch::channel(0);
        CutProxy { listen, upstream, accepting: Mutex::new(None), generation, accepted: Arc::new(AtomicUsize::new(0)) }
    }

    /// `http://127.0.0.1:PORT` for a TCP proxy (e.g. a kubeconfig's server).
    pub fn url(&self) -> String {
        match &self.listen {
            Listen::Tcp(address) => format!("http://{address}"),
            Listen::Unix(path) => format!("unix://{}", path.display()),
        }
    }

    /// A `DOCKER_HOST` value naming the proxy (`unix:///…/proxy.sock` or `tcp://127.0.0.1:PORT`).
    pub fn docker_host(&self) -> String {
        match &self.listen {
            Listen::Tcp(address) => format!("tcp://{address}"),
            Listen::Unix(path) => format!("unix://{}", path.display()),
        }
    }

    /// How many connections the proxy accepted so far (proof that a client goes through it).
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Drops every live connection and stops listening: new connections are refused
    /// (`ECONNREFUSED`) until [`CutProxy::restore`]. Done when it returns.
    pub async fn cut(&self) {
        let task = self.accepting.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(task) = task {
            task.abort();
            // The listener is dropped with the aborted task; wait for that before returning.
            let _ = task.await;
        }
        self.generation.send_modify(|g| *g += 1);
    }

    /// Listens again at the same address and forwards as before.
    pub async fn restore(&self) {
        if self.accepting.lock().unwrap_or_else(PoisonError::into_inner).is_some() {
            return;
        }
        match &self.listen {
            Listen::Tcp(address) => {
                let listener = TcpListener::bind(address).await.unwrap_or_else(|e| panic!("bind the proxy again at {address}: {e}"));
                self.serve_tcp(listener);
            }
            Listen::Unix(path) => {
                // A closed Unix listener leaves its file behind; binding needs it gone.
                let _ = std::fs::remove_file(path);
                let listener = UnixListener::bind(path).unwrap_or_else(|e| panic!("bind {} again: {e}", path.display()));
                self.serve_unix(listener);
            }
        }
    }

    fn serve_tcp(&self, listener: TcpListener) {
        let (upstream, generation, accepted) = (self.upstream.clone(), self.generation.clone(), self.accepted.clone());
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(pipe(inbound, upstream.clone(), generation.subscribe()));
            }
        });
        *self.accepting.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
    }

    fn serve_unix(&self, listener: UnixListener) {
        let (upstream, generation, accepted) = (self.upstream.clone(), self.generation.clone(), self.accepted.clone());
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(pipe(inbound, upstream.clone(), generation.subscribe()));
            }
        });
        *self.accepting.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
    }
}

/// Copies both ways between `inbound` and a new connection to `upstream` until either side
/// closes or the proxy is cut; then both are dropped (closed).
async fn pipe<S>(mut inbound: S, upstream: Upstream, mut cut: watch::Receiver<u64>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let copy = async {
        match upstream {
            Upstream::Tcp(address) => {
                if let Ok(mut outbound) = TcpStream::connect(&address).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            }
            Upstream::Unix(path) => {
                if let Ok(mut outbound) = UnixStream::connect(&path).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            }
        }
    };
    tokio::select! {
        () = copy => {}
        _ = cut.changed() => {}
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// An echo server on loopback; its address.
    async fn echo() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}")).to_string();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = stream.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        address
    }

    async fn round_trip(stream: &mut TcpStream) -> std::io::Result<[u8; 4]> {
        stream.write_all(b"ping").await?;
        let mut answer = [0_u8; 4];
        stream.read_exact(&mut answer).await?;
        Ok(answer)
    }

    #[tokio::test]
    async fn cut_drops_live_connections_refuses_new_ones_and_restore_forwards_again() {
        let proxy = CutProxy::tcp(&echo().await).await;
        let address = proxy.url().trim_start_matches("http://").to_owned();
        let mut live = TcpStream::connect(&address).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(round_trip(&mut live).await.ok(), Some(*b"ping"));

        proxy.cut().await;
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(std::time::Duration::from_secs(10), live.read_to_end(&mut rest)).await;
        assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "the live connection was not dropped: {closed:?}");
        let refused = TcpStream::connect(&address).await;
        assert_eq!(refused.err().map(|e| e.kind()), Some(std::io::ErrorKind::ConnectionRefused));

        proxy.restore().await;
        let mut again = TcpStream::connect(&address).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(round_trip(&mut again).await.ok(), Some(*b"ping"));
        assert_eq!(proxy.accepted(), 2);
    }
}
