//! Draining one lane under its lease: the head call (urgent first, then FIFO) goes out when its
//! method's gate is open, its backoff has passed and — for posts — the lane's pacing allows;
//! Slack's answer then marks it sent, dead or due again.

use std::hash::{BuildHasher as _, Hasher as _};
use std::time::Duration;

use firebreak_commands::ports::StoreError;
use firebreak_commands::reply::Urgency;
use serde_json::Value;

use super::sender::Sender;
use super::{Queued, notice, now_ms, refusal, transport};
use crate::slack::web_api::Failure;

/// A call older than this is given up (dead): by then nobody waits for it any more.
pub(super) const MAX_AGE_MS: i64 = 24 * 3600 * 1000;
/// How long a lease lasts unless renewed; renewed before every call.
pub(super) const LEASE_MS: i64 = 30_000;
/// One call that takes longer than this counts as a network error (and the lease stays valid).
const CALL_TIMEOUT: Duration = Duration::from_secs(20);
/// Waits up to this long are slept through holding the lease; longer ones release the lane.
const SHORT_WAIT_MS: i64 = 1_500;
/// Backoff after 5xx and network errors: doubling from the first, capped.
const FIRST_BACKOFF_MS: i64 = 500;
const MAX_BACKOFF_MS: i64 = 30_000;

const POST: &str = "chat.postMessage";

/// Sends `lane`'s calls while this replica holds its lease and the lane is not blocked.
pub(super) async fn drain(sender: &Sender, lane: &str) -> Result<(), StoreError> {
    let store = &sender.store;
    loop {
        let now = now_ms();
        if !store.lease_lane(lane, &sender.replica, now, now + LEASE_MS).await? {
            return Ok(());
        }
        let Some(head) = store.lane_head(lane).await? else {
            store.end_delay_episode(lane).await?;
            return store.release_lane(lane, &sender.replica, 0).await;
        };
        if now - head.created_at_ms > MAX_AGE_MS {
            give_up(sender, &head, "expired: Slack did not accept it for 24 hours").await?;
            continue;
        }
        let gate = store.gate_closed_until(&head.method, now).await?.unwrap_or(0);
        let throttled_until = gate.max(head.not_before_ms);
        let paced_until = if head.method == POST { store.lane_next_at(lane).await? - sender.config.burst_ms } else { 0 };
        let ready_at = throttled_until.max(paced_until);
        if ready_at > now {
            if throttled_until > now && notice::maybe_tell(sender, &head, now).await? {
                continue;
            }
            if ready_at - now <= SHORT_WAIT_MS {
                tokio::time::sleep(Duration::from_millis((ready_at - now) as u64)).await;
                continue;
            }
            return store.release_lane(lane, &sender.replica, ready_at).await;
        }
        attempt(sender, &head).await?;
    }
}

/// One attempt at `call`. A post that may have arrived already is looked for first.
async fn attempt(sender: &Sender, call: &Queued) -> Result<(), StoreError> {
    if let Some(since) = call.in_flight_since_ms {
        match timed(transport::already_posted(&sender.api, call, since)).await {
            Ok(Some(answer)) => return sent(sender, call, &answer).await,
            Ok(None) => {}
            // Still unknown whether it arrived: keep it marked in flight.
            Err(failure) => return failed(sender, call, failure, "conversations.history", true).await,
        }
    }
    if !sender.store.mark_in_flight(call.id, now_ms()).await? {
        // A newer update superseded it since it was read: nothing to send.
        return Ok(());
    }
    match timed(transport::send(&sender.api, call)).await {
        Ok(answer) => sent(sender, call, &answer).await,
        Err(failure) => failed(sender, call, failure, &call.method, false).await,
    }
}

async fn timed<T>(call: impl Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
    tokio::time::timeout(CALL_TIMEOUT, call).await.unwrap_or_else(|_| Err(Failure::Unavailable("timed out".to_owned())))
}

async fn sent(sender: &Sender, call: &Queued, answer: &Value) -> Result<(), StoreError> {
    let now = now_ms();
    let pace = if call.method == POST { sender.config.pace_ms } else { 0 };
    sender.store.mark_sent(call, answer, now, pace).await?;
    // A bulk call that went out without waiting long: the lane has caught up, so a later
    // throttling is a new episode (urgent calls, the notice among them, jump the backlog and
    // say nothing about it).
    if call.urgency == Urgency::Normal && now - call.created_at_ms < sender.config.notice_after_ms {
        sender.store.end_delay_episode(&call.lane).await?;
    }
    metrics::counter!("firebreak_outbox_sent_total").increment(1);
    sender.signals.done.notify_waiters();
    Ok(())
}

/// Records a failed attempt. `method` is the one Slack failed (a 429 closes its gate);
/// `unknown_outcome` keeps the call marked in flight even on a 429.
async fn failed(sender: &Sender, call: &Queued, failure: Failure, method: &str, unknown_outcome: bool) -> Result<(), StoreError> {
    let now = now_ms();
    let store = &sender.store;
    match failure {
        Failure::Refused(code) => give_up(sender, call, &code).await,
        Failure::RateLimited { retry_after } => {
            let until = now + i64::try_from(retry_after.as_millis()).unwrap_or(MAX_BACKOFF_MS).max(1);
            tracing::info!(outbox.id = call.id, slack.method = method, retry_after_ms = until - now, "Slack rate-limited the outbox");
            store.close_gate(method, until).await?;
            store.mark_retry(call.id, until, "rate limited (HTTP 429)", unknown_outcome).await
        }
        Failure::Unavailable(reason) => {
            let wait = backoff(call.attempts + 1);
            tracing::info!(outbox.id = call.id, slack.method = method, attempts = call.attempts + 1, wait_ms = wait, %reason, "Slack unavailable; the outbox retries");
            store.mark_retry(call.id, now + wait, &reason, true).await
        }
    }
}

async fn give_up(sender: &Sender, call: &Queued, why: &str) -> Result<(), StoreError> {
    // The code says why; the message itself is not logged (it may hold incident details).
    tracing::warn!(outbox.id = call.id, outbox.lane = %call.lane, slack.method = %call.method, error = why, "Slack call given up");
    match &call.report_to {
        Some(channel) => {
            let report = refusal::report(channel, call, why);
            if sender.store.mark_dead_reporting(call.id, why, &report, now_ms()).await? {
                tracing::info!(outbox.id = call.id, outbox.report_to = %channel, "told the channel that Slack refused the call");
                sender.signals.wake.notify_one();
            }
        }
        None => sender.store.mark_dead(call.id, why).await?,
    }
    metrics::counter!("firebreak_outbox_dead_total", "method" => call.method.clone()).increment(1);
    sender.signals.done.notify_waiters();
    Ok(())
}

/// The wait before attempt `attempts + 1`: exponential, capped, with jitter so that lanes
/// failing together do not all retry in the same instant.
fn backoff(attempts: i64) -> i64 {
    let doubled = FIRST_BACKOFF_MS.saturating_mul(1_i64 << attempts.clamp(1, 20).saturating_sub(1));
    let full = doubled.min(MAX_BACKOFF_MS);
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    full / 2 + (random % (full as u64 / 2 + 1)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        for _ in 0..50 {
            assert!((250..=500).contains(&backoff(1)));
            assert!((500..=1000).contains(&backoff(2)));
            assert!((15_000..=30_000).contains(&backoff(12)));
            assert!((15_000..=30_000).contains(&backoff(1_000)));
        }
    }
}
