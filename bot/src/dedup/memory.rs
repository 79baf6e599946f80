//! [`MemoryDeliveries`]: delivery keys remembered in this process, each for a fixed time, at
//! most a fixed number of them (the oldest go first).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Deliveries, RedisHealth, KEEP_FOR};

/// How many keys are kept at most: two hours of a busy workspace's relevant deliveries.
pub const CAPACITY: usize = 100_000;

/// A bounded, time-expiring set of delivery keys.
#[derive(Debug)]
pub struct MemoryDeliveries {
    ttl: Duration,
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Key → when it was first seen.
    seen: HashMap<String, Instant>,
    /// The same keys in the order they were seen (oldest first).
    order: VecDeque<(Instant, String)>,
}

impl Default for MemoryDeliveries {
    fn default() -> Self {
        Self::with_limits(KEEP_FOR, CAPACITY)
    }
}

impl MemoryDeliveries {
    /// Keys kept for `ttl`, at most `capacity` of them (at least one).
    pub fn with_limits(ttl: Duration, capacity: usize) -> Self {
        Self { ttl, capacity: capacity.max(1), inner: Mutex::new(Inner::default()) }
    }

    /// Records `key` now; whether it was new.
    pub fn first_time_now(&self, key: &str) -> bool {
        // A poisoned lock only means another caller panicked; the sets are still consistent.
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        inner.record(key, now, self.ttl, self.capacity)
    }

    /// Records `key` as seen at `now` (tests pass their own clock); whether it was new.
    pub fn first_time_at(&self, key: &str, now: Instant) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.record(key, now, self.ttl, self.capacity)
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Inner {
    fn record(&mut self, key: &str, now: Instant, ttl: Duration, capacity: usize) -> bool {
        self.forget_expired(now, ttl);
        if self.seen.get(key).is_some_and(|at| now.saturating_duration_since(*at) < ttl) {
            return false;
        }
        while self.seen.len() >= capacity && self.forget_oldest() {}
        self.seen.insert(key.to_owned(), now);
        self.order.push_back((now, key.to_owned()));
        true
    }

    /// Forgets the keys seen `ttl` or longer before `now`.
    fn forget_expired(&mut self, now: Instant, ttl: Duration) {
        while self.order.front().is_some_and(|(at, _)| now.saturating_duration_since(*at) >= ttl) {
            self.pop_front();
        }
    }

    /// Forgets the oldest key; false when there is none.
    fn forget_oldest(&mut self) -> bool {
        while !self.order.is_empty() {
            if self.pop_front() {
                return true;
            }
        }
        false
    }

    /// Takes the oldest queue entry off; whether it removed its key. An entry left behind by a
    /// key seen again since (callers' clocks may interleave) removes nothing.
    fn pop_front(&mut self) -> bool {
        match self.order.pop_front() {
            Some((at, key)) if self.seen.get(&key) == Some(&at) => self.seen.remove(&key).is_some(),
            _ => false,
        }
    }
}

#[async_trait]
impl Deliveries for MemoryDeliveries {
    async fn first_time(&self, key: &str) -> bool {
        self.first_time_now(key)
    }

    async fn redis_health(&self) -> RedisHealth {
        RedisHealth::NotConfigured
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn a_key_is_new_once_then_a_duplicate() {
        let memory = MemoryDeliveries::with_limits(TTL, 10);
        let t0 = Instant::now();
        assert!(memory.first_time_at("event:Ev1", t0));
        assert!(!memory.first_time_at("event:Ev1", t0 + Duration::from_secs(1)));
        assert!(!memory.first_time_at("event:Ev1", t0 + Duration::from_secs(59)));
        assert!(memory.first_time_at("event:Ev2", t0 + Duration::from_secs(2)));
        assert_eq!(memory.len(), 2);
    }

    #[test]
    fn a_key_is_new_again_once_it_expired() {
        let memory = MemoryDeliveries::with_limits(TTL, 10);
        let t0 = Instant::now();
        assert!(memory.first_time_at("event:Ev1", t0));
        assert!(memory.first_time_at("event:Ev2", t0 + Duration::from_secs(30)));
        assert!(memory.first_time_at("event:Ev1", t0 + TTL), "forgotten after the TTL");
        assert!(!memory.first_time_at("event:Ev1", t0 + TTL + Duration::from_secs(1)), "and remembered again");
        assert!(!memory.first_time_at("event:Ev2", t0 + Duration::from_secs(89)));
        assert!(memory.first_time_at("event:Ev2", t0 + Duration::from_secs(90)));
    }

    #[test]
    fn expired_keys_are_dropped_not_kept_forever() {
        let memory = MemoryDeliveries::with_limits(TTL, 1000);
        let t0 = Instant::now();
        for i in 0..100 {
            memory.first_time_at(&format!("k{i}"), t0);
        }
        assert_eq!(memory.len(), 100);
        memory.first_time_at("late", t0 + TTL);
        assert_eq!(memory.len(), 1, "only the fresh key is left");
    }

    #[test]
    fn the_oldest_keys_go_past_capacity() {
        let memory = MemoryDeliveries::with_limits(TTL, 3);
        let t0 = Instant::now();
        for (i, key) in ["a", "b", "c", "d"].iter().enumerate() {
            assert!(memory.first_time_at(key, t0 + Duration::from_millis(i as u64)));
        }
        assert_eq!(memory.len(), 3);
        let t1 = t0 + Duration::from_secs(1);
        assert!(!memory.first_time_at("d", t1) && !memory.first_time_at("c", t1) && !memory.first_time_at("b", t1));
        assert!(memory.first_time_at("a", t1), "the oldest was forgotten to make room");
    }

    #[test]
    fn a_stale_queue_entry_never_forgets_a_renewed_key() {
        // Times out of order (two callers' clocks interleaving) leave "a" renewed behind an
        // older queue entry of its own; dropping that entry must not forget the renewed key.
        let memory = MemoryDeliveries::with_limits(TTL, 2);
        let t0 = Instant::now();
        assert!(memory.first_time_at("x", t0 + Duration::from_secs(10)));
        assert!(memory.first_time_at("a", t0));
        assert!(memory.first_time_at("a", t0 + TTL), "expired, so new again (and x made room)");
        assert!(memory.first_time_at("b", t0 + TTL + Duration::from_secs(1)));
        assert!(!memory.first_time_at("a", t0 + TTL + Duration::from_secs(2)));
        assert!(!memory.first_time_at("b", t0 + TTL + Duration::from_secs(2)));
    }

    #[tokio::test]
    async fn the_port_answers_like_the_memory_and_reports_no_redis() {
        let memory = MemoryDeliveries::default();
        assert!(memory.first_time("envelope:1").await);
        assert!(!memory.first_time("envelope:1").await);
        assert_eq!(memory.redis_health().await, RedisHealth::NotConfigured);
    }
}
