//! Armed failures: Slack errors, rate limits and HTTP errors, each used up in turn; late
//! answers, with the call applied at once or after the delay.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{Answer, FakeSlack, call, create_channel, fake};

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

/// Posts `text` to `channel` with a client that gives up after `timeout`; `None` when it did.
async fn post_within(fake: &FakeSlack, channel: &str, text: &str, timeout: Duration) -> Option<Answer> {
    let request = reqwest::Client::new()
        .post(format!("{}/chat.postMessage", fake.api_url()))
        .bearer_auth(super::TOKEN)
        .timeout(timeout)
        .json(&json!({ "channel": channel, "text": text }));
    super::send(request).await.ok()
}

fn texts(fake: &FakeSlack, channel: &str) -> Vec<String> {
    let channel = fake.channel(channel).expect("the channel");
    channel.messages.iter().map(|m| m.text.clone()).collect()
}

#[tokio::test]
async fn an_answer_late_call_is_applied_at_once_though_its_caller_timed_out() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-3").await?;
    fake.answer_late_next("chat.postMessage", 1, Duration::from_secs(30));
    // The caller gives up long before the answer, and the post is in the channel anyway.
    assert!(post_within(&fake, &channel, "landed", Duration::from_millis(300)).await.is_none(), "answered before the delay");
    assert_eq!(texts(&fake, &channel), ["landed"]);
    // Used up: the next call is answered at once.
    let next = post_within(&fake, &channel, "next", Duration::from_secs(10)).await.expect("an answer");
    assert!(next.ok(), "{next:?}");
    assert_eq!(texts(&fake, &channel), ["landed", "next"]);
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn a_delayed_call_runs_after_its_delay_even_when_its_caller_gave_up() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-4").await?;
    fake.delay_next("chat.postMessage", 2, Duration::from_secs(3));
    let started = Instant::now();
    assert!(post_within(&fake, &channel, "slow", Duration::from_millis(300)).await.is_none(), "answered before the delay");
    assert!(texts(&fake, &channel).is_empty(), "a slow Slack has not acted yet");
    fake.wait_for("the slow post", |f| texts(f, &channel) == ["slow"]).await;
    assert!(started.elapsed() >= Duration::from_secs(3));
    // A caller that waits gets the answer, no earlier than the delay.
    let started = Instant::now();
    let answer = post_within(&fake, &channel, "waited for", Duration::from_secs(30)).await.expect("an answer");
    assert!(answer.ok() && started.elapsed() >= Duration::from_secs(3), "{answer:?} after {:?}", started.elapsed());
    assert_eq!(texts(&fake, &channel), ["slow", "waited for"]);
    fake.assert_faithful();
    Ok(())
}
