//! De-duplication of Slack redeliveries by claim-then-complete: a delivery is claimed before it
//! is handled and marked done after, so that a replica dying mid-handling loses nothing.
//!
//! Slack retries an Events API delivery for about an hour when its ack is late, lost or not a
//! 2xx, and redelivers a Socket Mode envelope that was not acknowledged — possibly to another
//! replica. A claim answers [`Claim`]: handle it (new, or the replica that claimed it died and
//! its [`PROCESSING_LEASE`] ran out), a duplicate (done already, or in hand in this very
//! process: acknowledged and dropped), or in hand elsewhere (another live replica is handling
//! it: not acknowledged, so Slack delivers it again later, when it is done — or its handler's
//! lease ran out and the redelivery is handled). With `REDIS_URL` set the claims are shared by
//! every replica ([`RedisDeliveries`]: `processing:<replica>` with a short expiry, then `done`
//! kept for [`KEEP_FOR`]); without it, one process keeps them ([`MemoryDeliveries`]). When Redis
//! fails, this process's memory answers (fail open: Slack is still acknowledged) and readiness
//! reports Redis unreachable.
//!
//! A delivery is rarely handled twice — its handler outlived the lease, or Redis was down — and
//! that is harmless: every handler is idempotent through the timeline's cause ids (the Slack
//! event or action that caused a change), so the timeline records each change once.

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

/// How long a handled delivery is remembered: Slack retries for about an hour.
pub const KEEP_FOR: Duration = Duration::from_secs(2 * 60 * 60);
/// How long a claim holds while its delivery is handled; past it, the handler counts as dead
/// and a redelivery is handled. Handling takes well under Slack's 3-second ack budget.
pub const PROCESSING_LEASE: Duration = Duration::from_secs(30);

/// What claiming a delivery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Handle it, then call [`Deliveries::done`] (or [`Deliveries::release`] if handling failed).
    Handle,
    /// Handled already, or being handled by this process: acknowledge it and do nothing.
    Duplicate,
    /// Another replica is handling it right now: do not acknowledge, so that Slack delivers it
    /// again later.
    Elsewhere,
}

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

/// The claims on the deliveries seen lately. No call fails: when the shared memory cannot
/// answer, this process's memory does.
#[async_trait]
pub trait Deliveries: Send + Sync + fmt::Debug + 'static {
    /// Claims `key` for this process (for [`PROCESSING_LEASE`]) unless it is done or in hand.
    async fn claim(&self, key: &str) -> Claim;

    /// `key` was handled (its ack may go out): redeliveries are duplicates for [`KEEP_FOR`].
    async fn done(&self, key: &str);

    /// Handling `key` failed: drops this process's claim, so that a redelivery is handled.
    async fn release(&self, key: &str);

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
