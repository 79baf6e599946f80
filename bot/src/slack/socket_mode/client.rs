//! Keeps one Socket Mode connection up: opens it through `apps.connections.open`, replaces it
//! when Slack asks (`disconnect`, e.g. `refresh_requested`: the old connection is still read —
//! its envelopes handled and acknowledged — until the new one says hello, then closed),
//! reconnects with a jittered backoff when it breaks, and closes it cleanly on shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::connection::{stopped, Ended, Keepalive, Link, Shared};
use super::open::{host_of, Opener};
use super::recent::Recent;
use super::route::EnvelopeHandler;
use crate::config::Secret;

/// Why Socket Mode cannot be set up (the app token itself is never part of the message).
#[derive(Debug, thiserror::Error)]
pub enum SocketModeError {
    #[error("cannot build the Slack client for Socket Mode: {0:#}")]
    Client(#[source] anyhow::Error),
}

/// Timings of the connection; the defaults suit Slack, tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct SocketModeOptions {
    pub keepalive: Keepalive,
    /// The cap on the wait before the first reconnection attempt; it doubles per failure up to
    /// `max_backoff`, and each wait is drawn at random below its cap (full jitter), so that
    /// replicas cut off together do not reconnect together.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for SocketModeOptions {
    fn default() -> Self {
        Self {
            keepalive: Keepalive { ping_every: Duration::from_secs(10), silence_limit: Duration::from_secs(35) },
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// A Socket Mode client, ready to run.
#[derive(Debug)]
pub struct SocketMode {
    opener: Opener,
    options: SocketModeOptions,
}

impl SocketMode {
    /// A client that asks `api_url` for connections with the app-level token `app_token`.
    pub fn new(api_url: &str, app_token: &Secret) -> Result<Self, SocketModeError> {
        let opener = Opener::new(api_url, app_token).map_err(SocketModeError::Client)?;
        Ok(Self { opener, options: SocketModeOptions::default() })
    }

    pub fn with_options(self, options: SocketModeOptions) -> Self {
        Self { options, ..self }
    }

    /// Runs in the background until `stop` turns true (or its sender is dropped); the task
    /// ends once the connection is closed.
    pub fn spawn(self, handler: Arc<dyn EnvelopeHandler>, stop: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(self.run(handler, stop))
    }

    async fn run(self, handler: Arc<dyn EnvelopeHandler>, mut stop: watch::Receiver<bool>) {
        let shared = Shared { handler, recent: Arc::new(Recent::default()) };
        let mut failures: u32 = 0;
        // Told when a replacement connection says hello: the retiring one then stops being read.
        let mut handover: Option<oneshot::Sender<()>> = None;
        let mut retiring: Vec<JoinHandle<()>> = Vec::new();
        loop {
            if failures > 0 {
                let wait = self.backoff(failures);
                tracing::info!(wait_ms = wait.as_millis() as u64, failures, "Socket Mode reconnecting");
                tokio::select! {
                    () = stopped(&mut stop) => break,
                    () = tokio::time::sleep(wait) => {}
                }
            }
            let connected = tokio::select! {
                () = stopped(&mut stop) => break,
                connected = self.connect() => connected,
            };
            let mut link = match connected {
                Ok(link) => link,
                Err(error) => {
                    failures += 1;
                    tracing::warn!(error = format!("{error:#}"), failures, "Socket Mode could not connect");
                    continue;
                }
            };
            if let Some(greeted) = handover.take() {
                link.on_hello(greeted);
            }
            retiring.retain(|task| !task.is_finished());
            let ended = link.serve(&shared, self.options.keepalive, &mut stop).await;
            failures = if link.said_hello() { 0 } else { failures };
            match ended {
                Ended::Disconnect(reason) => {
                    tracing::info!(%reason, "Slack asked Firebreak to reconnect");
                    let (greeted, hello) = oneshot::channel();
                    handover = Some(greeted);
                    retiring.push(tokio::spawn(retire(link, shared.clone(), self.options.keepalive, hello, stop.clone())));
                }
                Ended::Lost(reason) => {
                    failures += 1;
                    tracing::warn!(%reason, "Socket Mode connection lost");
                    tokio::spawn(link.close());
                }
                Ended::Stopped => {
                    link.close().await;
                    break;
                }
            }
        }
        for task in retiring {
            let _ = task.await;
        }
        tracing::info!("Socket Mode stopped");
    }

    async fn connect(&self) -> anyhow::Result<Link> {
        let url = self.opener.open().await?;
        tracing::debug!(host = %host_of(&url), "Socket Mode connecting");
        Link::connect(&url).await
    }

    /// The longest wait after `failures` failures in a row.
    fn backoff_cap(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        self.options.first_backoff.saturating_mul(factor).min(self.options.max_backoff)
    }

    /// The wait after `failures` failures in a row: uniformly drawn up to its cap.
    fn backoff(&self, failures: u32) -> Duration {
        // A v4 UUID is 122 random bits from the OS; the low 62 of its second half are all
        // random (the top two hold the variant) and make the draw.
        const RANDOM_BITS: u64 = (1 << 62) - 1;
        let draw = uuid::Uuid::new_v4().as_u64_pair().1 & RANDOM_BITS;
        self.backoff_cap(failures).mul_f64(draw as f64 / RANDOM_BITS as f64)
    }
}

/// Keeps reading a connection Slack is about to close — envelopes still arriving on it are
/// handled and acknowledged — until its replacement says hello (`hello` resolves), it ends by
/// itself, or Firebreak stops; then closes it.
async fn retire(mut link: Link, shared: Shared, keepalive: Keepalive, hello: oneshot::Receiver<()>, mut stop: watch::Receiver<bool>) {
    tokio::select! {
        ended = link.serve(&shared, keepalive, &mut stop) => tracing::debug!(?ended, "the retiring Socket Mode connection ended"),
        // A replacement that fails before its hello drops the sender: keep reading until one does.
        Ok(()) = hello => tracing::debug!("the new Socket Mode connection said hello; closing the old one"),
    }
    link.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_cap_doubles_up_to_the_limit() {
        let client = SocketMode::new("http://127.0.0.1:9/api", &Secret::new("xapp-test")).unwrap();
        let caps: Vec<u64> = [1, 2, 3, 7, 8, 100].iter().map(|f| client.backoff_cap(*f).as_millis() as u64).collect();
        assert_eq!(caps, [500, 1000, 2000, 30_000, 30_000, 30_000]);
    }

    #[test]
    fn each_wait_is_drawn_below_its_cap_and_spread_over_it() {
        let client = SocketMode::new("http://127.0.0.1:9/api", &Secret::new("xapp-test")).unwrap();
        for failures in [1, 4, 100] {
            let cap = client.backoff_cap(failures);
            let waits: Vec<Duration> = (0..200).map(|_| client.backoff(failures)).collect();
            assert!(waits.iter().all(|w| *w <= cap), "{failures} failures: a wait above {cap:?}");
            // 200 uniform draws all in one half of the range would be a 2^-199 event.
            assert!(waits.iter().any(|w| *w < cap / 2) && waits.iter().any(|w| *w > cap / 2), "{failures} failures: {waits:?}");
        }
    }

    #[test]
    fn the_client_never_shows_the_token() {
        let client = SocketMode::new("http://127.0.0.1:9/api", &Secret::new("xapp-1-very-secret"));
        assert!(!format!("{client:?}").contains("very-secret"));
    }
}
