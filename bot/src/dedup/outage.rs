//! Whether Redis is down, so that an outage is logged once when it starts and once when it
//! ends, not once per delivery.

use std::sync::atomic::{AtomicBool, Ordering};

/// Redis's state as the last call found it.
#[derive(Debug, Default)]
pub(super) struct Outage {
    down: AtomicBool,
}

impl Outage {
    /// A call failed for `reason` (which never holds the URL); logs when this starts an outage.
    pub(super) fn failed(&self, reason: &str) {
        if !self.down.swap(true, Ordering::SeqCst) {
            metrics::gauge!("firebreak_redis_up").set(0.0);
            tracing::warn!(reason, "Redis unreachable: Slack redeliveries are de-duplicated by this process alone until it is back");
        }
    }

    /// A call succeeded; logs when this ends an outage.
    pub(super) fn succeeded(&self) {
        if self.down.swap(false, Ordering::SeqCst) {
            tracing::info!("Redis reachable again: Slack redeliveries are de-duplicated across replicas");
        }
        metrics::gauge!("firebreak_redis_up").set(1.0);
    }

    pub(super) fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_starts_once_and_ends_once() {
        let outage = Outage::default();
        assert!(!outage.is_down());
        outage.failed("connection refused");
        outage.failed("connection refused");
        assert!(outage.is_down());
        outage.succeeded();
        assert!(!outage.is_down());
    }
}
