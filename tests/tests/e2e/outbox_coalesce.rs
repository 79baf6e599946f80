//! Card updates queued while Slack rate-limits `chat.update` are coalesced: once Slack lets
//! calls through again it receives only the newest content of each message, and updates of
//! another message are still sent.

use std::time::{Duration, Instant};

use firebreak::config::Secret;
use firebreak::outbox::{RowState, Sender, SenderConfig};
use firebreak::slack::web_api::SlackWebApi;
use firebreak_commands::ids::{ChannelId, MessageTs};
use firebreak_commands::ports::Chat as _;
use firebreak_commands::reply::Reply;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::Throttle;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::BOT_TOKEN;
use serde_json::json;
use sqlx::Connection as _;

use crate::outbox::{Rig, rig};

/// Far longer than the test: the 429's gate stays closed until [`reopen`] opens it, so no
/// update can slip out while the test is still queueing, however slow the machine.
const RETRY_AFTER_SECS: u64 = 600;

fn api(rig: &Rig) -> SlackWebApi {
    SlackWebApi::new(&rig.slack.api_url(), &Secret::new(BOT_TOKEN)).unwrap_or_else(|e| panic!("api: {e}"))
}

/// Posts a message straight to the fake (no outbox) and returns its ts.
async fn message(rig: &Rig, channel: &str, text: &str) -> MessageTs {
    let answer = api(rig).call_once("chat.postMessage", &json!({ "channel": channel, "text": text })).await;
    MessageTs::new(answer.unwrap_or_else(|e| panic!("{e:?}"))["ts"].as_str().unwrap_or_default())
}

/// The outbox ids of the queued `chat.update`s of `ts`, oldest first.
async fn update_ids(rig: &Rig, ts: &MessageTs) -> Vec<i64> {
    let mut conn = sqlx::AnyConnection::connect(&rig.url).await.unwrap_or_else(|e| panic!("raw connection: {e}"));
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM outbox WHERE method = 'chat.update' AND args LIKE $1 ORDER BY id")
        .bind(format!("%\"ts\":\"{}\"%", ts.as_str()))
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("reading the outbox: {e}"));
    rows.into_iter().map(|(id,)| id).collect()
}

/// Ends the Retry-After pause early, as if it had passed: the gates open and lanes put to
/// sleep until then are offered again.
async fn reopen(rig: &Rig) {
    let mut conn = sqlx::AnyConnection::connect(&rig.url).await.unwrap_or_else(|e| panic!("raw connection: {e}"));
    for sql in ["DELETE FROM outbox_gates", "UPDATE outbox_lanes SET lease_until_ms = 0 WHERE leased_by IS NULL"] {
        sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Successful `chat.update`s of message `ts`, in the order the fake received them: their texts.
fn updates_of(rig: &Rig, ts: &MessageTs) -> Vec<String> {
    let calls = rig.slack.calls_to("chat.update");
    calls.iter().filter(|c| c.ok() && c.arg("ts").as_deref() == Some(ts.as_str())).filter_map(|c| c.arg("text")).collect()
}

async fn a_card_updated_under_a_rate_limit_gets_only_its_latest_content(backend: Backend) {
    let Some(rig) = rig(backend).await else { return };
    let channel = ChannelId::new(rig.channels[0].clone());
    let card = message(&rig, channel.as_str(), "card v0").await;
    let other = message(&rig, channel.as_str(), "other v0").await;

    rig.slack.throttle(Throttle::RateLimit { retry_after_secs: RETRY_AFTER_SECS }, None);
    // Long enough that no "updates are delayed" notice joins in.
    let config = SenderConfig { notice_after_ms: 3_600_000, ..SenderConfig::default() };
    rig.start_sender(config.clone()).await;
    // The port, as commands use it (its own sender is not run: the one above sends).
    let chat = Sender::new(rig.store.clone(), api(&rig), config).chat();
    let update = |ts: &MessageTs, text: &str| {
        let (chat, channel, ts, reply) = (chat.clone(), channel.clone(), ts.clone(), Reply::in_channel(text));
        async move { chat.update(&channel, &ts, &reply).await.unwrap_or_else(|e| panic!("update: {e}")) }
    };

    // The first update meets the 429, which closes chat.update's gate for every replica.
    update(&card, "card v1").await;
    let first = update_ids(&rig, &card).await[0];
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = rig.store.outbox_call(first).await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("row gone"));
        if row.attempts >= 1 && row.in_flight_since_ms.is_none() && row.last_error.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the first update was never rate-limited; calls:\n{}", rig.slack.dump_calls());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for n in 2..=3 {
        update(&card, &format!("card v{n}")).await;
    }
    update(&other, "other v1").await;
    for n in 4..=5 {
        update(&card, &format!("card v{n}")).await;
    }

    // Each newer update replaced the waiting one at once: their waiters are answered.
    let ids = update_ids(&rig, &card).await;
    assert_eq!(ids.len(), 5);
    for (older, newer) in ids.iter().zip(&ids[1..]) {
        let row = rig.store.outbox_call(*older).await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("row gone"));
        assert_eq!((row.state, row.result), (RowState::Sent, Some(json!({ "ok": true, "superseded_by": newer }))));
    }

    rig.slack.stop_throttle();
    reopen(&rig).await;
    let latest = ids[4];
    let other_id = update_ids(&rig, &other).await[0];
    rig.settled(latest).await;
    rig.settled(other_id).await;

    assert_eq!(updates_of(&rig, &card), ["card v5"], "one chat.update of the card, with the latest content");
    assert_eq!(updates_of(&rig, &other), ["other v1"], "another message's update is not coalesced with the card's");
    let shown = rig.slack.channel(channel.as_str()).and_then(|c| c.message(card.as_str()).map(|m| m.text.clone()));
    assert_eq!(shown.as_deref(), Some("card v5"));
    let attempts = rig.slack.calls_to("chat.update").iter().filter(|c| c.arg("ts").as_deref() == Some(card.as_str())).count();
    assert_eq!(attempts, 2, "the rate-limited first attempt and the latest update; calls:\n{}", rig.slack.dump_calls());
    rig.slack.assert_faithful();
}

on_both_backends!(a_card_updated_under_a_rate_limit_gets_only_its_latest_content);
