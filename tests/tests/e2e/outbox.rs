//! The outbox's sender against the fake Slack: pacing and order per channel, urgent calls
//! ahead of bulk, one "updates delayed" notice per channel through 429s and 5xx, no second
//! post of a message a dead sender delivered, final refusals, and two replicas sharing work
//! and 429 pauses. Spacing is read from the times the fake recorded, not from the bot's clock.

use std::time::{Duration, Instant};

use firebreak::config::Secret;
use firebreak::outbox::{DELAYED_TEXT, NewCall, RowState, Sender, SenderConfig};
use firebreak::slack::web_api::SlackWebApi;
use firebreak::store::SqlStore;
use firebreak_commands::reply::Urgency;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::{Call, FakeSlack, Throttle};
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::BOT_TOKEN;
use serde_json::json;
use tokio::sync::watch;

/// A fake Slack with two channels, a store, and a way to start senders on it (also used by
/// `outbox_coalesce`).
pub(crate) struct Rig {
    pub(crate) slack: FakeSlack,
    pub(crate) url: String,
    pub(crate) store: SqlStore,
    pub(crate) channels: [String; 2],
    stop: watch::Sender<bool>,
}

pub(crate) async fn rig(backend: Backend) -> Option<Rig> {
    let url = backend.fresh_database_url().await?;
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let store = SqlStore::connect(&url).await.unwrap_or_else(|e| panic!("store: {e}"));
    let channels = ["ops-one", "ops-two"].map(|name| {
        let id = slack.add_channel(name);
        slack.add_member(&id, FakeSlack::BOT_USER);
        id
    });
    let (stop, _) = watch::channel(false);
    Some(Rig { slack, url, store, channels, stop })
}

impl Rig {
    /// Starts a sender (a replica) with its own store handle.
    pub(crate) async fn start_sender(&self, config: SenderConfig) {
        let store = SqlStore::connect(&self.url).await.unwrap_or_else(|e| panic!("store: {e}"));
        let api = SlackWebApi::new(&self.slack.api_url(), &Secret::new(BOT_TOKEN)).unwrap_or_else(|e| panic!("api: {e}"));
        tokio::spawn(Sender::new(store, api, config).run(self.stop.subscribe()));
    }

    async fn queue(&self, channel: &str, text: &str, urgency: Urgency) -> i64 {
        let call = NewCall::new(channel, "chat.postMessage", json!({ "channel": channel, "text": text })).with_urgency(urgency);
        self.store.enqueue(&call, jiff::Timestamp::now().as_millisecond()).await.unwrap_or_else(|e| panic!("enqueue: {e}"))
    }

    fn texts(&self, channel: &str) -> Vec<String> {
        let channel = self.slack.channel(channel).unwrap_or_else(|| panic!("no channel {channel}"));
        channel.visible_messages().iter().map(|m| m.text.clone()).collect()
    }

    /// Successful posts the fake received for `channel`, in the order it received them.
    fn posts_to(&self, channel: &str) -> Vec<Call> {
        self.slack.calls_to("chat.postMessage").into_iter().filter(|c| c.ok() && c.arg("channel").as_deref() == Some(channel)).collect()
    }

    /// Waits until call `id` is no longer pending (the fake may see a post before its sender
    /// has recorded the answer).
    pub(crate) async fn settled(&self, id: i64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let row = self.store.outbox_call(id).await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("row {id} gone"));
            if row.state != RowState::Pending {
                return;
            }
            assert!(Instant::now() < deadline, "call {id} still pending; calls:\n{}", self.slack.dump_calls());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to `limit` for `cond`, then panics with the fake's calls.
    pub(crate) async fn until(&self, what: &str, limit: Duration, cond: impl Fn(&Rig) -> bool) {
        let deadline = Instant::now() + limit;
        while !cond(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}; calls:\n{}", self.slack.dump_calls());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn fast_notice() -> SenderConfig {
    SenderConfig { notice_after_ms: 2_000, ..SenderConfig::default() }
}

async fn posts_are_paced_per_channel_in_order_with_urgent_ones_first(backend: Backend) {
    let Some(rig) = rig(backend).await else { return };
    let [one, two] = rig.channels.clone();
    for n in 1..=4 {
        rig.queue(&one, &format!("bulk {n}"), Urgency::Normal).await;
    }
    for n in 1..=3 {
        rig.queue(&two, &format!("other {n}"), Urgency::Normal).await;
    }
    rig.queue(&one, "approval card", Urgency::Urgent).await;
    // No burst allowance: every post waits its second.
    rig.start_sender(SenderConfig { burst_ms: 0, ..SenderConfig::default() }).await;
    rig.until("every post", Duration::from_secs(30), |r| r.texts(&one).len() == 5 && r.texts(&two).len() == 3).await;

    assert_eq!(rig.texts(&one), ["approval card", "bulk 1", "bulk 2", "bulk 3", "bulk 4"]);
    assert_eq!(rig.texts(&two), ["other 1", "other 2", "other 3"]);
    for channel in [&one, &two] {
        let posts = rig.posts_to(channel);
        for pair in posts.windows(2) {
            let gap = pair[1].received_at.duration_since(pair[0].received_at);
            assert!(gap >= Duration::from_millis(950), "posts to {channel} only {gap:?} apart");
        }
    }
    // Channels are paced separately: the second channel's first post did not wait for the first's.
    let first_two = rig.posts_to(&two)[0].received_at;
    let last_one = rig.posts_to(&one)[4].received_at;
    assert!(first_two < last_one, "the channels were sent one after the other, not side by side");
    rig.slack.assert_faithful();
}

async fn a_throttled_channel_is_told_once_and_gets_everything_in_order(backend: Backend) {
    let Some(rig) = rig(backend).await else { return };
    let [one, two] = rig.channels.clone();
    rig.slack.throttle(Throttle::Mixed { retry_after_secs: 1, status: 503 }, Some(Duration::from_secs(5)));
    for n in 1..=3 {
        rig.queue(&one, &format!("one {n}"), Urgency::Normal).await;
        rig.queue(&two, &format!("two {n}"), Urgency::Normal).await;
    }
    rig.start_sender(fast_notice()).await;
    rig.until("every post", Duration::from_secs(90), |r| r.texts(&one).len() >= 4 && r.texts(&two).len() >= 4).await;
    // A little longer: a second notice would come now, if there were one.
    tokio::time::sleep(Duration::from_secs(2)).await;

    assert_eq!(rig.texts(&one), [DELAYED_TEXT, "one 1", "one 2", "one 3"]);
    assert_eq!(rig.texts(&two), [DELAYED_TEXT, "two 1", "two 2", "two 3"]);
    let statuses: Vec<u16> = rig.slack.calls().iter().map(|c| c.status).collect();
    assert!(statuses.contains(&429) && statuses.contains(&503), "the fake throttled with both: {statuses:?}");
    // After a 503 to a post Slack may have posted anyway: the sender looked before posting again.
    let post_503 = rig.slack.calls_to("chat.postMessage").iter().any(|c| c.status == 503);
    let looked = rig.slack.calls_to("conversations.history");
    let looked = looked.iter().any(|c| c.ok() && c.arg("include_all_metadata").as_deref() == Some("true"));
    assert!(!post_503 || looked, "no look-up before re-posting after a 503");
    rig.slack.assert_faithful();
}

async fn a_post_delivered_by_a_sender_that_died_is_not_posted_again(backend: Backend) {
    let Some(rig) = rig(backend).await else { return };
    let [one, _] = rig.channels.clone();
    let id = rig.queue(&one, "exactly once", Urgency::Normal).await;
    let after = rig.queue(&one, "next", Urgency::Normal).await;
    // The dead sender's last act: it marked the call in flight and Slack took the post.
    rig.store.mark_in_flight(id, jiff::Timestamp::now().as_millisecond()).await.unwrap_or_else(|e| panic!("{e}"));
    let api = SlackWebApi::new(&rig.slack.api_url(), &Secret::new(BOT_TOKEN)).unwrap_or_else(|e| panic!("{e}"));
    let metadata = json!({ "event_type": "firebreak_outbox", "event_payload": { "outbox_id": id } });
    let posted = api.call_once("chat.postMessage", &json!({ "channel": one, "text": "exactly once", "metadata": metadata })).await;
    let ts = posted.unwrap_or_else(|e| panic!("{e:?}"))["ts"].as_str().unwrap_or_default().to_owned();

    rig.start_sender(SenderConfig::default()).await;
    rig.until("the next post", Duration::from_secs(20), |r| r.texts(&one).len() == 2).await;
    rig.settled(after).await;
    assert_eq!(rig.texts(&one), ["exactly once", "next"]);
    let row = rig.store.outbox_call(id).await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("row gone"));
    assert_eq!(row.state, RowState::Sent);
    assert_eq!(row.result.and_then(|r| r["ts"].as_str().map(str::to_owned)), Some(ts), "recorded with the ts of the post that arrived");
    rig.slack.assert_faithful();
}

async fn a_refused_call_is_given_up_without_holding_up_its_lane(backend: Backend) {
    let Some(rig) = rig(backend).await else { return };
    let [one, _] = rig.channels.clone();
    // One lane at first, so that the armed refusal meets the first post.
    rig.slack.fail_next("chat.postMessage", "is_archived", 1);
    let refused = rig.queue(&one, "never", Urgency::Normal).await;
    rig.queue(&one, "later", Urgency::Normal).await;
    rig.start_sender(SenderConfig::default()).await;
    rig.until("the later post", Duration::from_secs(20), |r| r.texts(&one).len() == 1).await;
    assert_eq!(rig.texts(&one), ["later"]);
    let nowhere = rig.queue("CNOWHERE", "nowhere", Urgency::Normal).await;
    rig.settled(nowhere).await;
    for (id, code) in [(refused, "is_archived"), (nowhere, "channel_not_found")] {
        let row = rig.store.outbox_call(id).await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("row gone"));
        assert_eq!((row.state, row.last_error.as_deref()), (RowState::Dead, Some(code)));
        assert_eq!(row.attempts, 1, "a refusal is final: not retried");
    }
}

async fn two_replicas_send_each_call_once_and_share_a_429_pause(backend: Backend) {
    let Some(rig) = rig(backend).await else { return };
    let [one, two] = rig.channels.clone();
    rig.slack.throttle(Throttle::RateLimit { retry_after_secs: 3 }, None);
    for n in 1..=4 {
        rig.queue(&one, &format!("one {n}"), Urgency::Normal).await;
        rig.queue(&two, &format!("two {n}"), Urgency::Normal).await;
    }
    rig.start_sender(SenderConfig::default()).await;
    rig.start_sender(SenderConfig::default()).await;
    rig.until("a 429", Duration::from_secs(20), |r| r.slack.calls().iter().any(|c| c.status == 429)).await;
    rig.slack.stop_throttle();
    rig.until("every post", Duration::from_secs(60), |r| r.texts(&one).len() >= 4 && r.texts(&two).len() >= 4).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rig.texts(&one), ["one 1", "one 2", "one 3", "one 4"]);
    assert_eq!(rig.texts(&two), ["two 1", "two 2", "two 3", "two 4"]);

    // After the first 429 (Retry-After: 3), neither replica posted again until it passed —
    // allowing half a second for a call that was already on its way.
    let calls = rig.slack.calls_to("chat.postMessage");
    let first_429 = calls.iter().find(|c| c.status == 429).unwrap_or_else(|| panic!("no 429 seen")).received_at;
    let early: Vec<&Call> = calls
        .iter()
        .filter(|c| c.received_at > first_429 + Duration::from_millis(500) && c.received_at < first_429 + Duration::from_millis(2_900))
        .collect();
    assert!(early.is_empty(), "{} post(s) during the shared Retry-After pause", early.len());
    rig.slack.assert_faithful();
}

on_both_backends!(
    posts_are_paced_per_channel_in_order_with_urgent_ones_first,
    a_throttled_channel_is_told_once_and_gets_everything_in_order,
    a_post_delivered_by_a_sender_that_died_is_not_posted_again,
    a_refused_call_is_given_up_without_holding_up_its_lane,
    two_replicas_send_each_call_once_and_share_a_429_pause,
);
