//! [`RedisDeliveries`]: delivery keys shared by every replica through Redis (`SET key 1 NX EX`),
//! with this process's memory as the fallback while Redis does not answer.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;

use super::connection::{self, describe, RedisSetupError};
use super::memory::MemoryDeliveries;
use super::outage::Outage;
use super::{Deliveries, RedisHealth, KEEP_FOR};
use crate::config::Secret;

/// Where the keys live in Redis.
pub const KEY_PREFIX: &str = "firebreak:delivery:";
/// The bound on one de-duplication call, well inside Slack's ack budget.
const CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// The bound on readiness's `PING`.
const PING_TIMEOUT: Duration = Duration::from_millis(500);

/// Deliveries remembered in Redis, and in this process for when Redis is down.
pub struct RedisDeliveries {
    connection: ConnectionManager,
    /// Also records every key, so that a redelivery seen by this process during an outage is
    /// still known as one after Redis comes back.
    local: MemoryDeliveries,
    outage: Outage,
}

impl fmt::Debug for RedisDeliveries {
    // The connection's own `Debug` shows the server address and client settings: left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDeliveries").field("redis_down", &self.outage.is_down()).finish_non_exhaustive()
    }
}

impl RedisDeliveries {
    /// Deliveries in the Redis at `url`; connects on first use.
    pub fn new(url: &Secret) -> Result<Self, RedisSetupError> {
        Ok(Self { connection: connection::manager(url)?, local: MemoryDeliveries::default(), outage: Outage::default() })
    }

    /// `SET firebreak:delivery:<key> 1 NX EX <KEEP_FOR>`: whether Redis had not seen `key`.
    async fn claim(&self, key: &str) -> Result<bool, String> {
        let mut connection = self.connection.clone();
        let set = redis::cmd("SET").arg(format!("{KEY_PREFIX}{key}")).arg(1).arg("NX").arg("EX").arg(KEEP_FOR.as_secs()).clone();
        match tokio::time::timeout(CALL_TIMEOUT, set.query_async::<Option<String>>(&mut connection)).await {
            Ok(Ok(set)) => Ok(set.is_some()),
            Ok(Err(error)) => Err(describe(&error)),
            Err(_elapsed) => Err(format!("no answer within {CALL_TIMEOUT:?}")),
        }
    }
}

#[async_trait]
impl Deliveries for RedisDeliveries {
    async fn first_time(&self, key: &str) -> bool {
        let here = self.local.first_time_now(key);
        match self.claim(key).await {
            Ok(everywhere) => {
                self.outage.succeeded();
                everywhere && here
            }
            Err(reason) => {
                // Fail open: this process's memory answers for this call.
                self.outage.failed(&reason);
                here
            }
        }
    }

    async fn redis_health(&self) -> RedisHealth {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(PING_TIMEOUT, redis::cmd("PING").query_async::<String>(&mut connection)).await {
            Ok(Ok(_pong)) => {
                self.outage.succeeded();
                RedisHealth::Ok
            }
            Ok(Err(error)) => {
                self.outage.failed(&describe(&error));
                RedisHealth::Unreachable
            }
            Err(_elapsed) => {
                self.outage.failed(&format!("no answer to PING within {PING_TIMEOUT:?}"));
                RedisHealth::Unreachable
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// A port nothing listens on (bound, then released).
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    /// The test script's Redis; under `CI=true` its absence fails the test.
    fn test_redis_url() -> Option<String> {
        match std::env::var("FIREBREAK_TEST_REDIS_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                assert!(std::env::var("CI").as_deref() != Ok("true"), "FIREBREAK_TEST_REDIS_URL is not set but CI=true (use scripts/test.sh)");
                eprintln!("skipping: FIREBREAK_TEST_REDIS_URL is not set");
                None
            }
        }
    }

    #[tokio::test]
    async fn redis_answers_first_then_duplicate_and_keeps_keys_two_hours() {
        let Some(url) = test_redis_url() else { return };
        let key = format!("test:{}", uuid::Uuid::new_v4());
        // Two replicas: each has its own memory, Redis is what they share.
        let (one, two) = (RedisDeliveries::new(&Secret::new(url.clone())).unwrap(), RedisDeliveries::new(&Secret::new(url.clone())).unwrap());
        assert!(one.first_time(&key).await);
        assert!(!two.first_time(&key).await, "the other replica sees the duplicate");
        assert!(!one.first_time(&key).await);
        assert_eq!(one.redis_health().await, RedisHealth::Ok);

        let client = redis::Client::open(url.as_str()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let ttl: i64 = redis::cmd("TTL").arg(format!("{KEY_PREFIX}{key}")).query_async(&mut connection).await.unwrap();
        assert!((7100..=7200).contains(&ttl), "kept for two hours, not forever: TTL {ttl}");
    }

    /// Log output of the current thread's scoped subscriber.
    #[derive(Clone, Default)]
    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    // On one thread, so that the scoped subscriber sees every log line of the test.
    #[tokio::test(flavor = "current_thread")]
    async fn without_redis_the_process_memory_answers_quickly_and_the_outage_is_logged_once() {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
        // A second, silent dispatcher makes tracing ask every subscriber about each call site,
        // not only the one of the thread that reaches it first.
        let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
        let _scope = tracing::subscriber::set_default(subscriber);

        let port = closed_port();
        let deliveries = RedisDeliveries::new(&Secret::new(format!("redis://:hunter2@127.0.0.1:{port}"))).unwrap();
        let started = Instant::now();
        assert!(deliveries.first_time("event:Ev1").await, "fails open");
        assert!(!deliveries.first_time("event:Ev1").await, "still de-duplicated in-process");
        assert!(deliveries.first_time("event:Ev2").await);
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        assert_eq!(deliveries.redis_health().await, RedisHealth::Unreachable);
        assert!(deliveries.outage.is_down());
        assert!(!format!("{deliveries:?}").contains("hunter2"));

        let logged = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
        assert_eq!(logged.matches("Redis unreachable").count(), 1, "once per outage:\n{logged}");
        assert!(!logged.contains("hunter2") && !logged.contains(&port.to_string()), "no URL in the logs:\n{logged}");
    }
}
