//! The throttle switch and message metadata: what the outbox's tests rely on the fake for.

use std::time::Duration;

use serde_json::json;

use super::super::Throttle;
use super::{call, create_channel, fake};

#[tokio::test]
async fn a_throttle_refuses_every_method_until_switched_off_and_runs_nothing() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-throttle").await?;
    fake.throttle(Throttle::Mixed { retry_after_secs: 2, status: 502 }, None);
    assert!(fake.throttled());
    let first = call(&fake, "chat.postMessage", json!({ "channel": channel, "text": "a" })).await?;
    assert_eq!((first.status, first.retry_after.as_deref()), (429, Some("2")));
    let second = call(&fake, "conversations.setTopic", json!({ "channel": channel, "topic": "t" })).await?;
    assert_eq!(second.status, 502);
    fake.stop_throttle();
    let through = call(&fake, "chat.postMessage", json!({ "channel": channel, "text": "b" })).await?;
    assert!(through.ok(), "{through:?}");
    let texts: Vec<String> = fake.channel(&channel).map(|c| c.messages.iter().map(|m| m.text.clone()).collect()).unwrap_or_default();
    assert_eq!(texts, ["b"], "refused calls were not applied");
    let received: Vec<_> = fake.calls_to("chat.postMessage").iter().map(|c| c.received_at).collect();
    assert!(received[0] <= received[1], "receive times are recorded in order");
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn a_throttle_with_a_duration_ends_by_itself() -> anyhow::Result<()> {
    let fake = fake().await;
    fake.throttle(Throttle::ServerError(500), Some(Duration::from_millis(200)));
    assert_eq!(call(&fake, "auth.test", json!({})).await?.status, 500);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(!fake.throttled());
    assert!(call(&fake, "auth.test", json!({})).await?.ok());
    Ok(())
}

#[tokio::test]
async fn metadata_is_kept_and_shown_in_history_only_when_asked() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-meta").await?;
    let metadata = json!({ "event_type": "firebreak_outbox", "event_payload": { "outbox_id": 7 } });
    let posted = call(&fake, "chat.postMessage", json!({ "channel": channel, "text": "m", "metadata": metadata })).await?;
    assert!(posted.ok(), "{posted:?}");
    let plain = call(&fake, "conversations.history", json!({ "channel": channel })).await?;
    assert!(plain.body["messages"][0].get("metadata").is_none(), "metadata only on request");
    let asked = call(&fake, "conversations.history", json!({ "channel": channel, "include_all_metadata": true })).await?;
    assert_eq!(asked.body["messages"][0]["metadata"], metadata);
    let bad = call(&fake, "chat.postMessage", json!({ "channel": channel, "text": "x", "metadata": { "event_type": "t" } })).await?;
    assert_eq!(bad.error(), Some("invalid_metadata_schema"));
    assert_eq!(fake.violations().len(), 1, "a malformed metadata is a contract violation");
    Ok(())
}
