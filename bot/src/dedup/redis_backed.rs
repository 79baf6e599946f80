//! [`RedisDeliveries`]: claims on deliveries shared by every replica through Redis — the key
//! holds `processing:<replica>` (expiring after the processing lease) while one replica handles
//! the delivery, then `done` — with this process's memory as the fallback while Redis does not
//! answer.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;

use super::connection::{self, describe, RedisSetupError};
use super::memory::MemoryDeliveries;
use super::outage::Outage;
use super::{Claim, Deliveries, RedisHealth, KEEP_FOR, PROCESSING_LEASE};
use crate::config::Secret;

/// Where the keys live in Redis.
pub const KEY_PREFIX: &str = "firebreak:delivery:";
/// The bound on one de-duplication call, well inside Slack's ack budget.
const CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// The bound on readiness's `PING`.
const PING_TIMEOUT: Duration = Duration::from_millis(500);

/// Sets KEYS[1] to ARGV[1] for ARGV[2] seconds unless it is set; answers `claimed` or the value
/// found. One script, so that reading and claiming are one atomic step (any Redis version).
const CLAIM: &str = "local found = redis.call('GET', KEYS[1]) \
    if found then return found end \
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 'claimed'";
/// Deletes KEYS[1] only while it still holds this replica's claim ARGV[1].
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/// Claims on deliveries in Redis, and in this process for when Redis is down.
pub struct RedisDeliveries {
    connection: ConnectionManager,
    /// This replica's claim value, `processing:<uuid>` (a fresh id per process).
    processing: String,
    /// Also records every claim, so that a redelivery seen by this process during an outage is
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
        Ok(Self {
            connection: connection::manager(url)?,
            processing: format!("processing:{}", uuid::Uuid::new_v4().simple()),
            local: MemoryDeliveries::default(),
            outage: Outage::default(),
        })
    }

    /// Runs `command` within [`CALL_TIMEOUT`], keeping track of the outage.
    async fn query<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Option<T> {
        let mut connection = self.connection.clone();
        let answer = match tokio::time::timeout(CALL_TIMEOUT, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => Err(describe(&error)),
            Err(_elapsed) => Err(format!("no answer within {CALL_TIMEOUT:?}")),
        };
        match answer {
            Ok(answer) => {
                self.outage.succeeded();
                Some(answer)
            }
            Err(reason) => {
                self.outage.failed(&reason);
                None
            }
        }
    }

    /// The shared claim: `None` when Redis did not answer.
    async fn claim_shared(&self, key: &str) -> Option<Claim> {
        let claim = redis::cmd("EVAL").arg(CLAIM).arg(1).arg(format!("{KEY_PREFIX}{key}")).arg(&self.processing).arg(PROCESSING_LEASE.as_secs()).clone();
        let found: String = self.query(claim).await?;
        Some(match found.as_str() {
            "claimed" => Claim::Handle,
            // This process's own claim (its memory lost it, e.g. past capacity): in hand here.
            mine if mine == self.processing => Claim::Duplicate,
            other if other.starts_with("processing:") => Claim::Elsewhere,
            // `done` (or `1`, as keys were written before claims had a lease).
            _ => Claim::Duplicate,
        })
    }
}

#[async_trait]
impl Deliveries for RedisDeliveries {
    async fn claim(&self, key: &str) -> Claim {
        // Seen by this process (in hand or done, maybe during an outage): Redis is not asked.
        if self.local.claim(key).await == Claim::Duplicate {
            return Claim::Duplicate;
        }
        match self.claim_shared(key).await {
            Some(Claim::Handle) => Claim::Handle,
            Some(Claim::Duplicate) => {
                self.local.done(key).await;
                Claim::Duplicate
            }
            Some(Claim::Elsewhere) => {
                // Not ours: a redelivery must ask Redis again.
                self.local.release(key).await;
                Claim::Elsewhere
            }
            // Fail open: this process's claim stands for this call.
            None => Claim::Handle,
        }
    }

    async fn done(&self, key: &str) {
        self.local.done(key).await;
        let done = redis::cmd("SET").arg(format!("{KEY_PREFIX}{key}")).arg("done").arg("EX").arg(KEEP_FOR.as_secs()).clone();
        let _: Option<()> = self.query(done).await;
    }

    async fn release(&self, key: &str) {
        self.local.release(key).await;
        let release = redis::cmd("EVAL").arg(RELEASE).arg(1).arg(format!("{KEY_PREFIX}{key}")).arg(&self.processing).clone();
        let _: Option<i64> = self.query(release).await;
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

    async fn ttl_of(url: &str, key: &str) -> i64 {
        let client = redis::Client::open(url).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("TTL").arg(format!("{KEY_PREFIX}{key}")).query_async(&mut connection).await.unwrap()
    }

    #[tokio::test]
    async fn a_claim_is_in_hand_elsewhere_until_done_then_a_duplicate_kept_two_hours() {
        let Some(url) = test_redis_url() else { return };
        let key = format!("test:{}", uuid::Uuid::new_v4());
        // Two replicas: each has its own memory, Redis is what they share.
        let (one, two) = (RedisDeliveries::new(&Secret::new(url.clone())).unwrap(), RedisDeliveries::new(&Secret::new(url.clone())).unwrap());
        assert_eq!(one.claim(&key).await, Claim::Handle);
        assert_eq!(one.claim(&key).await, Claim::Duplicate, "in hand in this process");
        assert_eq!(two.claim(&key).await, Claim::Elsewhere, "in hand on the other replica");
        assert!((1..=30).contains(&ttl_of(&url, &key).await), "a claim expires with its lease");
        assert_eq!(two.claim(&key).await, Claim::Elsewhere, "asked again, still elsewhere");
        one.done(&key).await;
        assert_eq!(two.claim(&key).await, Claim::Duplicate, "done: the other replica drops it");
        assert_eq!(one.claim(&key).await, Claim::Duplicate);
        assert_eq!(one.redis_health().await, RedisHealth::Ok);
        let ttl = ttl_of(&url, &key).await;
        assert!((7100..=7200).contains(&ttl), "kept for two hours, not forever: TTL {ttl}");
    }

    #[tokio::test]
    async fn a_claim_whose_replica_died_or_gave_up_is_handled_by_another() {
        let Some(url) = test_redis_url() else { return };
        let (dead, failed, two) = (
            RedisDeliveries::new(&Secret::new(url.clone())).unwrap(),
            RedisDeliveries::new(&Secret::new(url.clone())).unwrap(),
            RedisDeliveries::new(&Secret::new(url.clone())).unwrap(),
        );
        // The replica died mid-handling: its claim expires (here: at once) and the other handles it.
        let key = format!("test:{}", uuid::Uuid::new_v4());
        assert_eq!(dead.claim(&key).await, Claim::Handle);
        assert_eq!(two.claim(&key).await, Claim::Elsewhere);
        let client = redis::Client::open(url.as_str()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("PEXPIRE").arg(format!("{KEY_PREFIX}{key}")).arg(1).query_async(&mut connection).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(two.claim(&key).await, Claim::Handle, "the lease ran out");
        // A handler that failed releases its own claim only.
        let key = format!("test:{}", uuid::Uuid::new_v4());
        assert_eq!(failed.claim(&key).await, Claim::Handle);
        two.release(&key).await;
        assert_eq!(two.claim(&key).await, Claim::Elsewhere, "another replica's release does not drop the claim");
        failed.release(&key).await;
        assert_eq!(two.claim(&key).await, Claim::Handle, "released: handled by the next delivery");
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
        assert_eq!(deliveries.claim("event:Ev1").await, Claim::Handle, "fails open");
        assert_eq!(deliveries.claim("event:Ev1").await, Claim::Duplicate, "still de-duplicated in-process");
        deliveries.done("event:Ev1").await;
        assert_eq!(deliveries.claim("event:Ev1").await, Claim::Duplicate);
        assert_eq!(deliveries.claim("event:Ev2").await, Claim::Handle);
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        assert_eq!(deliveries.redis_health().await, RedisHealth::Unreachable);
        assert!(deliveries.outage.is_down());
        assert!(!format!("{deliveries:?}").contains("hunter2"));

        let logged = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
        assert_eq!(logged.matches("Redis unreachable").count(), 1, "once per outage:\n{logged}");
        assert!(!logged.contains("hunter2") && !logged.contains(&port.to_string()), "no URL in the logs:\n{logged}");
    }
}
