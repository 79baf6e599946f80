//! The Redis connection behind `REDIS_URL`: one auto-reconnecting [`ConnectionManager`], made
//! lazily so that Firebreak starts (and works in-process) while Redis is still down, with short
//! timeouts so that a Redis outage never eats Slack's 3-second ack budget.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::Secret;

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long one command may wait for its answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);

/// Why `REDIS_URL` cannot be used. Never quotes the URL: it may carry a password.
#[derive(Debug, thiserror::Error)]
pub enum RedisSetupError {
    #[error("REDIS_URL is not a Redis URL Firebreak can use (redis://[:password@]host[:port][/db]); the Redis client says: {0:?}")]
    InvalidUrl(redis::ErrorKind),
    #[error("cannot set up the Redis connection: {0:?}")]
    Client(redis::ErrorKind),
}

/// A connection manager for `url`; it connects on first use and reconnects after failures.
pub(super) fn manager(url: &Secret) -> Result<ConnectionManager, RedisSetupError> {
    // The client's parse errors may quote the URL, so only their kind is kept.
    let client = redis::Client::open(url.expose()).map_err(|error| RedisSetupError::InvalidUrl(error.kind()))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        // One quick retry per (re)connection; the next command tries again anyway.
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(200));
    ConnectionManager::new_lazy_with_config(client, config).map_err(|error| RedisSetupError::Client(error.kind()))
}

/// What went wrong with one Redis call, said without the URL.
pub(super) fn describe(error: &redis::RedisError) -> String {
    if error.is_connection_refusal() {
        "connection refused".to_owned()
    } else if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connection_dropped() {
        "connection dropped".to_owned()
    } else if let Some(code) = error.code() {
        format!("server error {code}")
    } else {
        format!("{:?} error", error.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bad_url_is_refused_without_being_quoted() {
        let error = manager(&Secret::new("postgres://user:hunter2@db/x")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.starts_with("REDIS_URL is not a Redis URL"), "{error}");
        assert!(!error.contains("hunter2") && !error.contains("db/x"), "{error}");
    }

    #[tokio::test]
    async fn a_good_url_needs_no_running_server() {
        // Port 9 (discard) is closed here; the manager connects only when first used.
        assert!(manager(&Secret::new("redis://:hunter2@127.0.0.1:9/0")).is_ok());
    }
}
