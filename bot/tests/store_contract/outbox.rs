//! The outbox tables: one lease per lane among replicas, urgent-then-FIFO order, a rate-limit
//! gate every replica sees, one delay notice per episode, queued calls surviving a restart,
//! newer card updates superseding waiting ones, a refusal's report queued once, and idle
//! lanes pruned.

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

fn update(channel: &str, ts: &str, text: &str) -> NewCall {
    NewCall::new(channel, "chat.update", json!({ "channel": channel, "ts": ts, "text": text }))
}

async fn row(store: &SqlStore, id: i64) -> anyhow::Result<firebreak::outbox::Queued> {
    store.outbox_call(id).await?.ok_or_else(|| anyhow::anyhow!("call {id} gone"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_update_of_a_message_supersedes_the_waiting_ones_but_not_one_in_flight() {
    on_both(|store| async move {
        let first = store.enqueue(&update("C1", "1.1", "v1").with_urgency(Urgency::Urgent), T0).await?;
        let other = store.enqueue(&update("C1", "2.2", "other message"), T0 + 1).await?;
        let post = store.enqueue(&post("C1", "a post"), T0 + 2).await?;
        let second = store.enqueue(&update("C1", "1.1", "v2"), T0 + 3).await?;

        let replaced = row(&store, first).await?;
        assert_eq!(replaced.state, RowState::Sent, "its waiter is told it is done");
        assert_eq!(replaced.result, Some(json!({ "ok": true, "superseded_by": second })));
        assert!(!store.mark_in_flight(first, T0 + 4).await?, "a superseded call is not sent");
        let newest = row(&store, second).await?;
        assert_eq!((newest.state, newest.urgency), (RowState::Pending, Urgency::Urgent), "it keeps the urgency of what it replaced");
        for untouched in [other, post] {
            assert_eq!(row(&store, untouched).await?.state, RowState::Pending, "another message's update and posts are sent");
        }

        // An update that may have reached Slack is never touched: it is looked up or sent again.
        assert!(store.mark_in_flight(second, T0 + 5).await?);
        let third = store.enqueue(&update("C1", "1.1", "v3"), T0 + 6).await?;
        assert_eq!(row(&store, second).await?.state, RowState::Pending);
        assert_eq!(row(&store, third).await?.urgency, Urgency::Normal, "nothing urgent was replaced");
        assert_eq!(store.pending_calls().await?, 4, "second (in flight), third, the other update, the post");
        // The same ts in another channel is another message.
        let elsewhere = store.enqueue(&update("C2", "1.1", "v4"), T0 + 7).await?;
        assert_eq!(row(&store, third).await?.state, RowState::Pending);
        assert_eq!(row(&store, elsewhere).await?.state, RowState::Pending);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_call_with_a_report_channel_queues_its_report_once() {
    on_each_database(|db| async move {
        let (a, b) = (SqlStore::connect(&db.url).await?, SqlStore::connect(&db.url).await?);
        let announcement = post("CBROADCAST", "SEV1 declared").with_report_to(Some("CINCIDENT"));
        let id = a.enqueue(&announcement, T0).await?;
        assert_eq!(row(&a, id).await?.report_to.as_deref(), Some("CINCIDENT"));
        let report = post("CINCIDENT", "refused");
        let (left, right) = tokio::join!(
            a.mark_dead_reporting(id, "not_in_channel", &report, T0 + 1),
            b.mark_dead_reporting(id, "not_in_channel", &report, T0 + 1)
        );
        assert!(left? ^ right?, "exactly one replica gives it up and reports");
        let dead = row(&a, id).await?;
        assert_eq!((dead.state, dead.last_error.as_deref()), (RowState::Dead, Some("not_in_channel")));
        let head = a.lane_head("CINCIDENT").await?.ok_or_else(|| anyhow::anyhow!("no report queued"))?;
        assert_eq!(head.args["text"], "refused");
        assert_eq!(a.pending_calls().await?, 1, "one report");
        a.close().await;
        b.close().await;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lanes_idle_for_a_day_with_nothing_pending_and_no_lease_are_pruned() {
    const DAY: i64 = 24 * 3_600_000;
    const NOW: i64 = T0 + 3 * DAY;
    on_each_database(|db| async move {
        let store = SqlStore::connect(&db.url).await?;
        let sent_at = |at: i64, lane: &'static str| {
            let store = store.clone();
            async move {
                store.enqueue(&post(lane, "hello"), at).await?;
                let head = store.lane_head(lane).await?.ok_or_else(|| anyhow::anyhow!("nothing in {lane}"))?;
                store.mark_sent(&head, &json!({ "ok": true, "ts": "1.1" }), at + 10, 1_000).await?;
                anyhow::Ok(())
            }
        };
        sent_at(T0, "CIDLE").await?;
        sent_at(NOW - 60_000, "CRECENT").await?;
        store.enqueue(&post("CPENDING", "stuck for days"), T0).await?;
        let dead = store.enqueue(&post("CDEAD", "refused"), T0).await?;
        store.mark_dead(dead, "channel_not_found").await?;
        sent_at(T0, "CLEASED").await?;
        assert!(store.lease_lane("CLEASED", "replica-a", NOW - 1_000, NOW + 29_000).await?);
        // A post paced far ahead (a day of backlog drained at once) keeps its lane's clock.
        sent_at(T0, "CPACED").await?;
        let late = store.enqueue(&post("CPACED", "x"), T0 + 20).await?;
        let head = row(&store, late).await?;
        store.mark_sent(&head, &json!({ "ok": true, "ts": "1.2" }), T0 + 30, 2 * DAY + 1).await?;

        assert_eq!(store.prune_idle_lanes(NOW - DAY).await?, 2);
        let lanes: Vec<(String,)> = sqlx::query_as("SELECT lane FROM outbox_lanes ORDER BY lane").fetch_all(&mut raw(&db).await?).await?;
        let lanes: Vec<String> = lanes.into_iter().map(|(lane,)| lane).collect();
        assert_eq!(lanes, ["CLEASED", "CPACED", "CPENDING", "CRECENT"]);
        assert_eq!(row(&store, dead).await?.state, RowState::Dead, "calls are purged on their own schedule, not with lanes");

        // A pruned lane is made again by its next call, and offered for sending.
        store.enqueue(&post("CIDLE", "back"), NOW).await?;
        assert!(store.ready_lanes(NOW, 10).await?.contains(&"CIDLE".to_owned()));
        assert_eq!(store.prune_idle_lanes(NOW - DAY).await?, 0, "an active lane is kept");
        store.close().await;
        Ok(())
    })
    .await;
}
