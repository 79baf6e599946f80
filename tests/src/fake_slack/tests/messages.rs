//! Messages: posting, updating, ephemerals, DMs, Block Kit limits, pins, permalinks, files.

use serde_json::{Value, json};

use super::{call, create_channel, fake, send};

fn section(text: &str) -> Value {
    json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } })
}

#[tokio::test]
async fn posts_get_increasing_timestamps_and_updates_count_edits() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-1").await?;
    let first = call(
        &fake,
        "chat.postMessage",
        json!({ "channel": channel, "text": "one" }),
    )
    .await?;
    let second = call(
        &fake,
        "chat.postMessage",
        json!({ "channel": channel, "blocks": [section("two")] }),
    )
    .await?;
    let (ts1, ts2) = (first.text("ts"), second.text("ts"));
    assert!(
        ts2.parse::<f64>()? > ts1.parse::<f64>()?,
        "{ts1} then {ts2}"
    );
    assert_eq!(first.body["message"]["text"], "one");
    let updated = call(
        &fake,
        "chat.update",
        json!({ "channel": channel, "ts": ts1, "text": "uno" }),
    )
    .await?;
    assert!(updated.ok(), "{updated:?}");
    let message = fake
        .channel(&channel)
        .and_then(|c| c.message(&ts1).cloned());
    assert_eq!(
        message.map(|m| (m.text, m.edits)),
        Some(("uno".to_owned(), 1))
    );
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn updating_an_unknown_message_is_message_not_found() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-2").await?;
    let answer = call(
        &fake,
        "chat.update",
        json!({ "channel": channel, "ts": "1.000001", "text": "x" }),
    )
    .await?;
    assert_eq!(answer.error(), Some("message_not_found"));
    let answer = call(&fake, "chat.postMessage", json!({ "channel": channel })).await?;
    assert_eq!(answer.error(), Some("no_text"));
    let answer = call(
        &fake,
        "chat.postMessage",
        json!({ "channel": "C0NOPE", "text": "x" }),
    )
    .await?;
    assert_eq!(answer.error(), Some("channel_not_found"));
    Ok(())
}

#[tokio::test]
async fn ephemerals_reach_members_only() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-3").await?;
    let ephemeral = |user: &str| {
        call(
            &fake,
            "chat.postEphemeral",
            json!({ "channel": channel, "user": user, "text": "psst" }),
        )
    };
    assert_eq!(ephemeral("U1").await?.error(), Some("user_not_in_channel"));
    call(
        &fake,
        "conversations.invite",
        json!({ "channel": channel, "users": "U1" }),
    )
    .await?;
    let answer = ephemeral("U1").await?;
    let ts = answer.text("message_ts");
    let stored = fake.channel(&channel).and_then(|c| c.message(&ts).cloned());
    let stored = stored.ok_or_else(|| anyhow::anyhow!("ephemeral {ts} not stored"))?;
    assert!(stored.ephemeral);
    assert_eq!(stored.user.as_deref(), Some("U1"));
    Ok(())
}

#[tokio::test]
async fn posting_to_a_user_opens_a_dm() -> anyhow::Result<()> {
    let fake = fake().await;
    let answer = call(
        &fake,
        "chat.postMessage",
        json!({ "channel": "U42", "text": "you are on call" }),
    )
    .await?;
    let dm = fake
        .dm_with("U42")
        .ok_or_else(|| anyhow::anyhow!("no DM"))?;
    assert!(dm.id.starts_with('D'));
    assert_eq!(answer.text("channel"), dm.id);
    assert_eq!(dm.messages.len(), 1);
    Ok(())
}

#[tokio::test]
async fn blocks_beyond_slacks_limits_are_invalid_blocks() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-4").await?;
    let button = |text: String| json!({ "type": "actions", "elements": [{ "type": "button", "text": { "type": "plain_text", "text": text }, "action_id": "ack" }] });
    let cases = [
        json!(vec![section("x"); 51]),
        json!([section(&"s".repeat(3001))]),
        json!([button("b".repeat(76))]),
        json!([{ "type": "header", "text": { "type": "mrkdwn", "text": "not plain" } }]),
        json!([{ "type": "sectoin", "text": { "type": "mrkdwn", "text": "typo" } }]),
    ];
    for (n, blocks) in cases.iter().enumerate() {
        let answer = call(
            &fake,
            "chat.postMessage",
            json!({ "channel": channel, "blocks": blocks }),
        )
        .await?;
        assert_eq!(answer.error(), Some("invalid_blocks"), "case {n}");
    }
    assert_eq!(fake.violations().len(), cases.len());
    let fine = json!([button("b".repeat(75)), section(&"s".repeat(3000))]);
    let answer = call(
        &fake,
        "chat.postMessage",
        json!({ "channel": channel, "blocks": fine }),
    )
    .await?;
    assert!(answer.ok(), "{answer:?}");
    Ok(())
}

#[tokio::test]
async fn pins_and_permalinks_need_a_real_message() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-5").await?;
    let ts = call(
        &fake,
        "chat.postMessage",
        json!({ "channel": channel, "text": "status" }),
    )
    .await?
    .text("ts");
    let pin = |ts: &str| {
        call(
            &fake,
            "pins.add",
            json!({ "channel": channel, "timestamp": ts }),
        )
    };
    assert!(pin(&ts).await?.ok());
    assert_eq!(pin(&ts).await?.error(), Some("already_pinned"));
    assert_eq!(pin("9.000009").await?.error(), Some("message_not_found"));
    assert_eq!(
        fake.channel(&channel).map(|c| c.pins),
        Some(vec![ts.clone()])
    );
    let link = call(
        &fake,
        "chat.getPermalink",
        json!({ "channel": channel, "message_ts": ts }),
    )
    .await?;
    let expected = format!(
        "https://fake.slack.com/archives/{channel}/p{}",
        ts.replace('.', "")
    );
    assert_eq!(link.text("permalink"), expected);
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn external_uploads_share_the_file_in_the_channel() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-6").await?;
    let url = format!(
        "{}/files.getUploadURLExternal?filename=timeline.md&length=5",
        fake.api_url()
    );
    let answer = send(reqwest::Client::new().get(url).bearer_auth(super::TOKEN)).await?;
    let (upload_url, file_id) = (answer.text("upload_url"), answer.text("file_id"));
    send(reqwest::Client::new().post(upload_url).body("hello")).await?;
    let files = json!([{ "id": file_id, "title": "Timeline" }]);
    let done = call(
        &fake,
        "files.completeUploadExternal",
        json!({ "files": files, "channel_id": channel }),
    )
    .await?;
    assert!(done.ok(), "{done:?}");
    let shared = fake.channel(&channel).map(|c| {
        c.messages
            .iter()
            .flat_map(|m| m.files.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(shared, Some(vec![file_id]));
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn wait_for_sees_calls_made_meanwhile() -> anyhow::Result<()> {
    let fake = fake().await;
    let caller = fake.clone();
    let task =
        tokio::spawn(async move { call(&caller, "auth.test", json!({})).await.map(|a| a.ok()) });
    fake.wait_for("auth.test", |f| !f.calls_to("auth.test").is_empty())
        .await;
    assert!(task.await??);
    assert_eq!(fake.calls()[0].response["user_id"], "UBOT");
    Ok(())
}
