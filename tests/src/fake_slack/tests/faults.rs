//! Armed failures: Slack errors, rate limits and HTTP errors, each used up in turn.

use serde_json::json;

use super::{call, create_channel, fake};

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_does_not_apply() -> anyhow::Result<()> {
    let fake = fake().await;
    fake.rate_limit_next("conversations.create", 1, 7);
    let limited = call(&fake, "conversations.create", json!({ "name": "inc-1" })).await?;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.retry_after.as_deref(), Some("7"));
    assert_eq!(limited.error(), Some("ratelimited"));
    assert!(fake.channel_by_name("inc-1").is_none());
    // Used up: the retry goes through.
    let retried = call(&fake, "conversations.create", json!({ "name": "inc-1" })).await?;
    assert!(retried.ok(), "{retried:?}");
    assert_eq!(fake.calls_to("conversations.create")[0].status, 429);
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn http_errors_and_slack_errors_are_answered_in_arming_order() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-2").await?;
    fake.http_error_next("chat.postMessage", 503, 1);
    fake.fail_next("chat.postMessage", "fatal_error", 2);
    let post = || {
        call(
            &fake,
            "chat.postMessage",
            json!({ "channel": channel, "text": "x" }),
        )
    };
    let unavailable = post().await?;
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.error(), Some("service_unavailable"));
    for _ in 0..2 {
        let failed = post().await?;
        assert_eq!((failed.status, failed.error()), (200, Some("fatal_error")));
    }
    assert!(post().await?.ok());
    let messages = fake.channel(&channel).map(|c| c.messages.len());
    assert_eq!(messages, Some(1), "only the last post may land");
    Ok(())
}

#[tokio::test]
async fn faults_do_not_hide_contract_violations() -> anyhow::Result<()> {
    let fake = fake().await;
    fake.fail_next("chat.postMessage", "fatal_error", 1);
    let answer = call(&fake, "chat.postMessage", json!({ "text": "no channel" })).await?;
    assert_eq!(answer.error(), Some("invalid_arguments"));
    assert_eq!(fake.violations().len(), 1);
    Ok(())
}
