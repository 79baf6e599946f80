//! The outbox tables: one lease per lane among replicas, urgent-then-FIFO order, a rate-limit
//! gate every replica sees, one delay notice per episode, and queued calls surviving a restart.

use firebreak::outbox::{NewCall, RowState};
use firebreak_commands::reply::Urgency;
use serde_json::json;

use super::*;

const T0: i64 = 1_700_000_000_000;

fn post(lane: &str, text: &str) -> NewCall {
    NewCall::new(lane, "chat.postMessage", json!({ "channel": lane, "text": text }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_is_leased_by_exactly_one_of_two_replicas_until_released_or_expired() {
    on_each_database(|db| async move {
        let (a, b) = (SqlStore::connect(&db.url).await?, SqlStore::connect(&db.url).await?);
        a.enqueue(&post("C1", "hello"), T0).await?;
        assert_eq!(b.ready_lanes(T0, 10).await?, ["C1"]);
        let (left, right) = tokio::join!(a.lease_lane("C1", "a", T0, T0 + 30_000), b.lease_lane("C1", "b", T0, T0 + 30_000));
        assert!(left? ^ right?, "exactly one replica holds the lane");
        let (holder, other) = if a.lease_lane("C1", "a", T0 + 1, T0 + 30_000).await? { ("a", "b") } else { ("b", "a") };
        assert!(!a.lease_lane("C1", other, T0 + 10_000, T0 + 40_000).await?, "a live lease is not taken over");
        assert!(a.ready_lanes(T0 + 10_000, 10).await?.is_empty(), "a held lane is not offered");
        // Its holder died: once the lease expires, the other replica takes over.
        assert!(b.lease_lane("C1", other, T0 + 30_001, T0 + 60_000).await?);
        // Releasing needs the lease: the dead holder's late release changes nothing.
        a.release_lane("C1", holder, 0).await?;
        assert!(!a.lease_lane("C1", holder, T0 + 30_002, T0 + 60_000).await?);
        b.release_lane("C1", other, T0 + 31_000).await?;
        assert!(a.ready_lanes(T0 + 30_500, 10).await?.is_empty(), "released until its wake-up time");
        assert_eq!(a.ready_lanes(T0 + 31_001, 10).await?, ["C1"]);
        a.close().await;
        b.close().await;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_sends_urgent_calls_first_then_in_queue_order() {
    on_both(|store| async move {
        for (n, urgent) in [(1, false), (2, false), (3, true), (4, false), (5, true)] {
            let call = post("C1", &format!("m{n}"));
            let call = if urgent { call.with_urgency(Urgency::Urgent) } else { call };
            store.enqueue(&call, T0 + n).await?;
        }
        store.enqueue(&post("C2", "elsewhere"), T0).await?;
        let mut order = Vec::new();
        while let Some(head) = store.lane_head("C1").await? {
            order.push(head.args["text"].as_str().unwrap_or_default().to_owned());
            store.mark_sent(&head, &json!({ "ok": true, "ts": "1.0" }), T0 + 100, 1_000).await?;
        }
        assert_eq!(order, ["m3", "m5", "m1", "m2", "m4"]);
        assert_eq!(store.lane_next_at("C1").await?, T0 + 5_100, "each post moves its lane's pacing clock one pace on");
        assert_eq!(store.lane_next_at("C2").await?, 0, "lanes are paced apart");
        assert_eq!(store.pending_calls().await?, 1, "only the other lane's call is left");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_gate_closed_by_one_replica_holds_for_the_other() {
    on_each_database(|db| async move {
        let (a, b) = (SqlStore::connect(&db.url).await?, SqlStore::connect(&db.url).await?);
        assert_eq!(b.gate_closed_until("chat.postMessage", T0).await?, None);
        a.close_gate("chat.postMessage", T0 + 30_000).await?;
        assert_eq!(b.gate_closed_until("chat.postMessage", T0).await?, Some(T0 + 30_000));
        assert_eq!(b.gate_closed_until("chat.update", T0).await?, None, "gates are per method");
        b.close_gate("chat.postMessage", T0 + 5_000).await?;
        assert_eq!(a.gate_closed_until("chat.postMessage", T0).await?, Some(T0 + 30_000), "a shorter Retry-After does not reopen it");
        assert_eq!(a.gate_closed_until("chat.postMessage", T0 + 30_000).await?, None, "open again after Retry-After");
        a.close().await;
        b.close().await;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_calls_and_their_retry_state_survive_a_restart() {
    on_each_database(|db| async move {
        let store = SqlStore::connect(&db.url).await?;
        let first = store.enqueue(&post("C1", "one"), T0).await?;
        let second = store.enqueue(&post("C1", "two"), T0 + 1).await?;
        store.lease_lane("C1", "gone", T0, T0 + 30_000).await?;
        store.mark_in_flight(first, T0 + 2).await?;
        store.mark_retry(first, T0 + 5_000, "HTTP 503", true).await?;
        store.close().await;

        let restarted = SqlStore::connect(&db.url).await?;
        assert_eq!(restarted.pending_calls().await?, 2);
        assert!(restarted.lease_lane("C1", "new", T0 + 30_001, T0 + 60_000).await?, "the dead replica's lease expired");
        let head = restarted.lane_head("C1").await?.ok_or_else(|| anyhow::anyhow!("no head"))?;
        assert_eq!((head.id, head.attempts, head.not_before_ms), (first, 1, T0 + 5_000));
        assert_eq!(head.in_flight_since_ms, Some(T0 + 2), "an attempt with an unknown outcome is remembered");
        assert_eq!(head.last_error.as_deref(), Some("HTTP 503"));
        restarted.mark_sent(&head, &json!({ "ok": true, "ts": "9.1" }), T0 + 30_002, 1_000).await?;
        assert_eq!(restarted.lane_next_at("C1").await?, T0 + 31_002, "an idle lane's clock starts from now");
        let sent = restarted.outbox_call(first).await?.ok_or_else(|| anyhow::anyhow!("gone"))?;
        assert_eq!((sent.state, sent.result), (RowState::Sent, Some(json!({ "ok": true, "ts": "9.1" }))));
        restarted.mark_dead(second, "channel_not_found").await?;
        let dead = restarted.outbox_call(second).await?.ok_or_else(|| anyhow::anyhow!("gone"))?;
        assert_eq!((dead.state, dead.last_error.as_deref()), (RowState::Dead, Some("channel_not_found")));
        assert_eq!(restarted.pending_calls().await?, 0);
        restarted.close().await;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_is_told_of_delays_once_per_episode() {
    on_each_database(|db| async move {
        let (a, b) = (SqlStore::connect(&db.url).await?, SqlStore::connect(&db.url).await?);
        let id = a.enqueue(&post("C1", "stuck"), T0).await?;
        let (left, right) = tokio::join!(a.claim_delay_notice("C1", T0 + 10_000), b.claim_delay_notice("C1", T0 + 10_000));
        assert!(left? ^ right?, "one notice, whichever replica sees the delay first");
        assert!(!a.claim_delay_notice("C1", T0 + 20_000).await?, "still throttled: the episode goes on");
        a.mark_dead(id, "test").await?;
        b.end_delay_episode("C1").await?;
        assert!(a.claim_delay_notice("C1", T0 + 30_000).await?, "a new episode is told again");
        a.close().await;
        b.close().await;
        Ok(())
    })
    .await;
}
