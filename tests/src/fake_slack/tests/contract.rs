//! The contract checks: methods, argument names, required arguments, tokens and encodings.

use serde_json::json;

use super::{TOKEN, call, create_channel, fake, send};

#[tokio::test]
async fn unknown_method_is_refused_with_404_and_recorded() -> anyhow::Result<()> {
    let fake = fake().await;
    let answer = call(
        &fake,
        "chat.postMessages",
        json!({ "channel": "C1", "text": "hi" }),
    )
    .await?;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.error(), Some("unknown_method"));
    assert_eq!(fake.calls_to("chat.postMessages").len(), 1);
    assert!(fake.violations()[0].contains("unknown method"));
    Ok(())
}

#[tokio::test]
async fn unknown_argument_is_refused_recorded_and_not_applied() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "incident-1").await?;
    let answer = call(
        &fake,
        "chat.postMessage",
        json!({ "channel": channel, "text": "hi", "thread": "1.2" }),
    )
    .await?;
    assert_eq!(answer.error(), Some("invalid_arguments"));
    assert!(
        fake.violations()
            .iter()
            .any(|v| v.contains("unknown argument `thread`"))
    );
    let recorded = fake.calls_to("chat.postMessage");
    assert_eq!(recorded[0].arg("thread").as_deref(), Some("1.2"));
    assert_eq!(recorded[0].error(), Some("invalid_arguments"));
    let messages = fake.channel(&channel).map(|c| c.messages.len());
    assert_eq!(messages, Some(0));
    Ok(())
}

#[tokio::test]
async fn missing_required_argument_is_a_violation() -> anyhow::Result<()> {
    let fake = fake().await;
    let answer = call(
        &fake,
        "chat.update",
        json!({ "channel": "C1", "text": "x" }),
    )
    .await?;
    assert_eq!(answer.error(), Some("invalid_arguments"));
    assert!(
        fake.violations()
            .iter()
            .any(|v| v.contains("missing required argument `ts`"))
    );
    Ok(())
}

#[tokio::test]
async fn missing_and_wrong_tokens_are_refused_and_recorded() -> anyhow::Result<()> {
    let fake = fake().await;
    let url = format!("{}/auth.test", fake.api_url());
    let client = reqwest::Client::new();
    let missing = send(client.post(&url).json(&json!({}))).await?;
    assert_eq!((missing.status, missing.error()), (200, Some("not_authed")));
    let wrong = send(client.post(&url).bearer_auth("xoxb-other").json(&json!({}))).await?;
    assert_eq!(wrong.error(), Some("invalid_auth"));
    // Slack reads no token from a JSON body.
    let in_body = send(client.post(&url).json(&json!({ "token": TOKEN }))).await?;
    assert_eq!(in_body.error(), Some("not_authed"));
    assert_eq!(fake.violations().len(), 3);
    assert_eq!(fake.calls().len(), 3);
    assert!(std::panic::catch_unwind(|| fake.assert_faithful()).is_err());
    Ok(())
}

#[tokio::test]
async fn form_calls_may_carry_the_token_and_blocks_as_a_string() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "incident-2").await?;
    let blocks = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "*hi*" } }]);
    let form = [
        ("token", TOKEN.to_owned()),
        ("channel", channel.clone()),
        ("blocks", blocks.to_string()),
    ];
    let url = format!("{}/chat.postMessage", fake.api_url());
    let answer = send(reqwest::Client::new().post(url).form(&form)).await?;
    assert!(answer.ok(), "{answer:?}");
    let message = fake
        .channel(&channel)
        .and_then(|c| c.messages.first().cloned());
    assert_eq!(message.map(|m| m.blocks), Some(blocks));
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn get_calls_read_query_arguments() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "incident-3").await?;
    let url = format!("{}/conversations.info?channel={channel}", fake.api_url());
    let answer = send(reqwest::Client::new().get(url).bearer_auth(TOKEN)).await?;
    assert_eq!(answer.body["channel"]["name"], "incident-3");
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn bodies_in_other_encodings_are_violations() -> anyhow::Result<()> {
    let fake = fake().await;
    let request = reqwest::Client::new()
        .post(format!("{}/conversations.create", fake.api_url()))
        .bearer_auth(TOKEN)
        .header(reqwest::header::CONTENT_TYPE, "text/plain")
        .body(r#"{"name":"x"}"#);
    let answer = send(request).await?;
    assert_eq!(answer.error(), Some("invalid_arguments"));
    assert!(fake.violations()[0].contains("text/plain"));
    assert!(fake.channel_by_name("x").is_none());
    Ok(())
}

#[test]
fn the_contract_comes_from_the_spec_plus_newer_methods() {
    let post = super::super::spec::contract("chat.postMessage");
    let upload = super::super::spec::contract("files.completeUploadExternal");
    assert!(post.is_some() && upload.is_some());
    assert!(super::super::spec::contract("bookmarks.add").is_none());
}
