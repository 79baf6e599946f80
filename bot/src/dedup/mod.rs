//! De-duplication of Slack redeliveries: "is this the first time we see delivery K?".
//!
//! Slack retries an Events API delivery for about an hour when its ack is late or lost, and
//! redelivers a Socket Mode envelope whose ack went down with its connection — possibly to
//! another replica. With `REDIS_URL` set the answer is shared by every replica
//! ([`RedisDeliveries`]: `SET NX EX`); without it, one process keeps it ([`MemoryDeliveries`]).
//! Keys are kept for [`KEEP_FOR`]. When Redis fails, the answer comes from this process's memory
//! (fail open: Slack is still acknowledged, and the timeline's cause ids still keep a change
//! from being recorded twice) and readiness reports Redis unreachable.

mod connection;
mod memory;
mod outage;
mod redis_backed;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use connection::RedisSetupError;
pub use memory::MemoryDeliveries;
pub use redis_backed::RedisDeliveries;

use crate::config::Secret;

/// How long a delivery key is remembered: Slack retries for about an hour.
pub const KEEP_FOR: Duration = Duration::from_secs(2 * 60 * 60);

/// How Redis is doing, as readiness reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisHealth {
    /// `REDIS_URL` is not set: de-duplication is in-process by design.
    NotConfigured,
    Ok,
    /// Configured but not answering: de-duplication falls back to this process.
    Unreachable,
}

impl RedisHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotConfigured => "not configured",
            Self::Ok => "ok",
            Self::Unreachable => "unreachable",
        }
    }
}

/// A memory of the deliveries seen lately.
#[async_trait]
pub trait Deliveries: Send + Sync + fmt::Debug + 'static {
    /// Records `key` and says whether it was new (not seen within [`KEEP_FOR`]). Never fails:
    /// when the shared memory cannot answer, this process's memory does.
    async fn first_time(&self, key: &str) -> bool;

    /// Whether the shared memory (Redis) answers, for readiness.
    async fn redis_health(&self) -> RedisHealth;
}

/// Redis-backed deliveries when `redis_url` is set, else in-process ones. The connection is
/// made lazily: Firebreak starts while Redis is still down, and works in-process until it is up.
pub fn from_config(redis_url: Option<&Secret>) -> Result<Arc<dyn Deliveries>, RedisSetupError> {
    Ok(match redis_url {
        Some(url) => Arc::new(RedisDeliveries::new(url)?),
        None => Arc::new(MemoryDeliveries::default()),
    })
}
