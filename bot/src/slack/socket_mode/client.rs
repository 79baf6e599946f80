//! Keeps one Socket Mode connection up: opens it through `apps.connections.open`, replaces it
//! when Slack asks (`disconnect`: the new one is opened before the old one is closed),
//! reconnects with backoff when it breaks, and closes it cleanly on shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
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
    /// The wait before the first reconnection attempt; it doubles per failure up to `max_backoff`.
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
        // A connection Slack is about to close, kept until its replacement is up.
        let mut retiring: Option<Link> = None;
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
            if let Some(old) = retiring.take() {
                tokio::spawn(old.close());
            }
            let ended = link.serve(&shared, self.options.keepalive, &mut stop).await;
            failures = if link.said_hello() { 0 } else { failures };
            match ended {
                Ended::Disconnect(reason) => {
                    tracing::info!(%reason, "Slack asked Firebreak to reconnect");
                    retiring = Some(link);
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
        if let Some(old) = retiring {
            old.close().await;
        }
        tracing::info!("Socket Mode stopped");
    }

    async fn connect(&self) -> anyhow::Result<Link> {
        let url = self.opener.open().await?;
        tracing::debug!(host = %host_of(&url), "Socket Mode connecting");
        Link::connect(&url).await
    }

    fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        self.options.first_backoff.saturating_mul(factor).min(self.options.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_limit() {
        let client = SocketMode::new("http://127.0.0.1:9/api", &Secret::new("xapp-test")).unwrap();
        let waits: Vec<u64> = [1, 2, 3, 7, 8, 100].iter().map(|f| client.backoff(*f).as_millis() as u64).collect();
        assert_eq!(waits, [500, 1000, 2000, 30_000, 30_000, 30_000]);
    }

    #[test]
    fn the_client_never_shows_the_token() {
        let client = SocketMode::new("http://127.0.0.1:9/api", &Secret::new("xapp-1-very-secret"));
        assert!(!format!("{client:?}").contains("very-secret"));
    }
}
