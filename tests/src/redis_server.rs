//! Redis for the end-to-end tests: the test script's server (`FIREBREAK_TEST_REDIS_URL`), and
//! throwaway `redis-server` processes that a test owns, stops and starts again. Under `CI=true`
//! a missing Redis fails the test instead of skipping it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where the test script's Redis is.
pub const REDIS_URL_VAR: &str = "FIREBREAK_TEST_REDIS_URL";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The test script's Redis; `None` means "skip" (only outside CI).
pub fn shared_redis_url() -> Option<String> {
    match std::env::var(REDIS_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(!in_ci(), "{REDIS_URL_VAR} is not set but CI=true: Redis tests must run in CI (use scripts/test.sh)");
            eprintln!("note: {REDIS_URL_VAR} not set; skipping a Redis test");
            None
        }
    }
}

/// A `redis-server` of the test's own on a free port, without persistence; killed on drop.
#[derive(Debug)]
pub struct ThrowawayRedis {
    port: u16,
    process: Option<Child>,
}

impl ThrowawayRedis {
    /// Starts one and waits until it answers; `None` when `redis-server` is missing (only
    /// outside CI).
    pub async fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap_or_else(|e| panic!("no free port for redis-server: {e}"))
            .port();
        let mut redis = Self { port, process: None };
        if !redis.spawn() {
            assert!(!in_ci(), "redis-server is not installed but CI=true (scripts/test.sh installs it)");
            eprintln!("note: redis-server not installed; skipping a Redis test");
            return None;
        }
        redis.wait_until_answering().await;
        Some(redis)
    }

    /// `redis://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: a crash, not a goodbye) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the server again on the same port, empty, and waits until it answers.
    pub async fn restart(&mut self) {
        self.stop();
        assert!(self.spawn(), "redis-server could not be started again");
        self.wait_until_answering().await;
    }

    /// Whether the process could be started.
    fn spawn(&mut self) -> bool {
        let started = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match started {
            Ok(process) => {
                self.process = Some(process);
                true
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => false,
            Err(error) => panic!("cannot start redis-server: {error}"),
        }
    }

    async fn wait_until_answering(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !self.answers_ping().await {
            assert!(tokio::time::Instant::now() < deadline, "redis-server on port {} did not answer PING within 10 s", self.port);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn answers_ping(&self) -> bool {
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await else { return false };
        if stream.write_all(b"PING\r\n").await.is_err() {
            return false;
        }
        let mut reply = [0u8; 7];
        matches!(tokio::time::timeout(Duration::from_secs(1), stream.read_exact(&mut reply)).await, Ok(Ok(_)) if &reply == b"+PONG\r\n")
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
