//! [`MemoryDeliveries`]: the claims on deliveries kept in this process — `processing` for a
//! short lease, then `done` for a fixed time — at most a fixed number of keys (the oldest go
//! first). Everything in it was claimed by this process, so it never answers "elsewhere".

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Claim, Deliveries, RedisHealth, KEEP_FOR, PROCESSING_LEASE};

/// How many keys are kept at most: two hours of a busy workspace's relevant deliveries.
pub const CAPACITY: usize = 100_000;

/// A bounded, time-expiring map of delivery keys to their claim.
#[derive(Debug)]
pub struct MemoryDeliveries {
    /// How long a `done` key is kept.
    ttl: Duration,
    /// How long a `processing` claim holds.
    lease: Duration,
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Processing,
    Done,
}

#[derive(Debug, Default)]
struct Inner {
    /// Key → its state and when it was set.
    seen: HashMap<String, (State, Instant)>,
    /// The keys in the order they were set (oldest first).
    order: VecDeque<(Instant, String)>,
}

impl Default for MemoryDeliveries {
    fn default() -> Self {
        Self::with_limits(KEEP_FOR, PROCESSING_LEASE, CAPACITY)
    }
}

impl MemoryDeliveries {
    /// Done keys kept for `ttl`, claims held for `lease`, at most `capacity` keys (at least one).
    pub fn with_limits(ttl: Duration, lease: Duration, capacity: usize) -> Self {
        Self { ttl, lease, capacity: capacity.max(1), inner: Mutex::new(Inner::default()) }
    }

    /// Claims `key` at `now` (tests pass their own clock): `Handle` when it is new or its claim
    /// ran out, else `Duplicate`.
    pub fn claim_at(&self, key: &str, now: Instant) -> Claim {
        let mut inner = self.lock();
        inner.forget_expired(now, self.ttl);
        let live = match inner.seen.get(key) {
            Some((State::Done, at)) => now.saturating_duration_since(*at) < self.ttl,
            Some((State::Processing, at)) => now.saturating_duration_since(*at) < self.lease,
            None => false,
        };
        if live {
            return Claim::Duplicate;
        }
        inner.set(key, State::Processing, now, self.capacity);
        Claim::Handle
    }

    /// Marks `key` done at `now`.
    pub fn done_at(&self, key: &str, now: Instant) {
        let mut inner = self.lock();
        inner.forget_expired(now, self.ttl);
        inner.set(key, State::Done, now, self.capacity);
    }

    /// Drops `key`'s claim, if it is one (a done key stays done).
    pub fn release_now(&self, key: &str) {
        let mut inner = self.lock();
        if inner.seen.get(key).is_some_and(|(state, _)| *state == State::Processing) {
            inner.seen.remove(key);
        }
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.lock().seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means another caller panicked; the maps are still consistent.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Inner {
    fn set(&mut self, key: &str, state: State, now: Instant, capacity: usize) {
        if !self.seen.contains_key(key) {
            while self.seen.len() >= capacity && self.forget_oldest() {}
        }
        self.seen.insert(key.to_owned(), (state, now));
        self.order.push_back((now, key.to_owned()));
    }

    /// Forgets the keys set `ttl` or longer before `now` (a claim's lease is shorter still).
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
    /// key set again since (callers' clocks may interleave) removes nothing.
    fn pop_front(&mut self) -> bool {
        match self.order.pop_front() {
            Some((at, key)) if self.seen.get(&key).is_some_and(|(_, set)| *set == at) => self.seen.remove(&key).is_some(),
            _ => false,
        }
    }
}

#[async_trait]
impl Deliveries for MemoryDeliveries {
    async fn claim(&self, key: &str) -> Claim {
        self.claim_at(key, Instant::now())
    }

    async fn done(&self, key: &str) {
        self.done_at(key, Instant::now());
    }

    async fn release(&self, key: &str) {
        self.release_now(key);
    }

    async fn redis_health(&self) -> RedisHealth {
        RedisHealth::NotConfigured
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);
    const LEASE: Duration = Duration::from_secs(10);

    fn memory(capacity: usize) -> MemoryDeliveries {
        MemoryDeliveries::with_limits(TTL, LEASE, capacity)
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn a_claimed_key_is_a_duplicate_while_in_hand_and_once_done() {
        let memory = memory(10);
        let t0 = Instant::now();
        assert_eq!(memory.claim_at("event:Ev1", t0), Claim::Handle);
        assert_eq!(memory.claim_at("event:Ev1", t0 + secs(1)), Claim::Duplicate, "in hand here");
        memory.done_at("event:Ev1", t0 + secs(2));
        assert_eq!(memory.claim_at("event:Ev1", t0 + secs(59)), Claim::Duplicate, "done");
        assert_eq!(memory.claim_at("event:Ev2", t0 + secs(2)), Claim::Handle);
        assert_eq!(memory.len(), 2);
    }

    #[test]
    fn a_claim_whose_handler_never_finished_is_handled_again_after_its_lease() {
        let memory = memory(10);
        let t0 = Instant::now();
        assert_eq!(memory.claim_at("event:Ev1", t0), Claim::Handle);
        assert_eq!(memory.claim_at("event:Ev1", t0 + LEASE - secs(1)), Claim::Duplicate);
        assert_eq!(memory.claim_at("event:Ev1", t0 + LEASE), Claim::Handle, "the lease ran out");
        assert_eq!(memory.claim_at("event:Ev1", t0 + LEASE + secs(1)), Claim::Duplicate, "claimed anew");
    }

    #[test]
    fn a_released_claim_is_handled_again_but_a_done_key_stays_done() {
        let memory = memory(10);
        let t0 = Instant::now();
        assert_eq!(memory.claim_at("a", t0), Claim::Handle);
        memory.release_now("a");
        assert_eq!(memory.claim_at("a", t0 + secs(1)), Claim::Handle);
        memory.done_at("a", t0 + secs(1));
        memory.release_now("a");
        assert_eq!(memory.claim_at("a", t0 + secs(2)), Claim::Duplicate);
    }

    #[test]
    fn a_done_key_is_new_again_once_it_expired_and_expired_keys_are_dropped() {
        let memory = memory(1000);
        let t0 = Instant::now();
        memory.claim_at("event:Ev1", t0);
        memory.done_at("event:Ev1", t0);
        for i in 0..100 {
            memory.claim_at(&format!("k{i}"), t0 + secs(1));
        }
        assert_eq!(memory.claim_at("event:Ev1", t0 + TTL), Claim::Handle, "forgotten after the TTL");
        assert_eq!(memory.len(), 101);
        memory.claim_at("late", t0 + TTL + secs(1));
        assert_eq!(memory.len(), 2, "only the fresh keys are left");
    }

    #[test]
    fn the_oldest_keys_go_past_capacity() {
        let memory = memory(3);
        let t0 = Instant::now();
        for (i, key) in ["a", "b", "c", "d"].iter().enumerate() {
            assert_eq!(memory.claim_at(key, t0 + Duration::from_millis(i as u64)), Claim::Handle);
            memory.done_at(key, t0 + Duration::from_millis(i as u64));
        }
        assert_eq!(memory.len(), 3);
        let t1 = t0 + secs(1);
        assert!(["d", "c", "b"].iter().all(|key| memory.claim_at(key, t1) == Claim::Duplicate));
        assert_eq!(memory.claim_at("a", t1), Claim::Handle, "the oldest was forgotten to make room");
    }

    #[test]
    fn a_stale_queue_entry_never_forgets_a_renewed_key() {
        // Times out of order (two callers' clocks interleaving) leave "a" set again behind an
        // older queue entry of its own; dropping that entry must not forget the newer state.
        let memory = memory(2);
        let t0 = Instant::now();
        memory.done_at("x", t0 + secs(10));
        memory.done_at("a", t0);
        memory.done_at("a", t0 + TTL);
        memory.done_at("b", t0 + TTL + secs(1));
        assert_eq!(memory.claim_at("a", t0 + TTL + secs(2)), Claim::Duplicate);
        assert_eq!(memory.claim_at("b", t0 + TTL + secs(2)), Claim::Duplicate);
    }

    #[tokio::test]
    async fn the_port_claims_completes_and_reports_no_redis() {
        let memory = MemoryDeliveries::default();
        assert_eq!(memory.claim("envelope:1").await, Claim::Handle);
        assert_eq!(memory.claim("envelope:1").await, Claim::Duplicate);
        memory.done("envelope:1").await;
        assert_eq!(memory.claim("envelope:1").await, Claim::Duplicate);
        assert_eq!(memory.redis_health().await, RedisHealth::NotConfigured);
    }
}
