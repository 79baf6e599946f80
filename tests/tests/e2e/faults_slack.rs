//! Slack timing out: `chat.postMessage` takes the post at once but answers only after the
//! outbox's 20-second call timeout — the dangerous case, where sending again would post twice.
//! What Firebreak does: the slash command's ack is not held (the post waits in the outbox, the
//! ack says "working on it" within Slack's 3 s); the timed-out call counts as "Slack may have
//! acted", so before sending it again the outbox looks for it in the channel by the metadata
//! every post carries, finds it and records it as sent: the message is in the channel once.
//! Later messages of that channel wait behind it and keep their order.

use std::time::{Duration, Instant};

use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{spawn_app, TestApp};

/// Longer than the outbox's `CALL_TIMEOUT` (20 s): the sender gives up before the answer.
const LATE_ANSWER: Duration = Duration::from_secs(26);
const SLACK_ACK_DEADLINE: Duration = Duration::from_secs(3);

/// The channel's messages that mention one of `tokens`, as the token each mentions, in order.
fn lines_with(slack: &FakeSlack, channel: &str, tokens: &[&str]) -> Vec<String> {
    let channel = slack.channel(channel).unwrap_or_else(|| panic!("no channel {channel}"));
    channel
        .visible_messages()
        .iter()
        .filter_map(|m| tokens.iter().find(|t| m.text.contains(**t)).map(|t| (*t).to_owned()))
        .collect()
}

/// Posts Slack was asked to make that mention `token`.
fn posts_asked(slack: &FakeSlack, token: &str) -> usize {
    slack.calls_to("chat.postMessage").iter().filter(|c| c.arg("text").is_some_and(|t| t.contains(token))).count()
}

async fn wait_outbox_idle(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.store.pending_calls().await.unwrap_or_else(|e| panic!("{e}")) > 0 {
        assert!(Instant::now() < deadline, "the outbox did not empty:\n{}", app.slack.dump_calls());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types `/incident note {text}` in `channel`; asserts Slack got its ack in time.
async fn note(app: &TestApp, channel: &str, text: &str) {
    let started = Instant::now();
    let (ack, _) = app.slash("U0BOB", channel, &format!("note {text}")).await;
    let took = started.elapsed();
    assert_eq!(ack.status, 200, "{}", ack.body);
    assert!(took < SLACK_ACK_DEADLINE, "the ack of `note {text}` took {took:?}: held by the slow Slack");
}

async fn a_post_slack_answers_too_late_is_in_the_channel_once_and_order_holds(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    wait_outbox_idle(&app).await;
    app.slack.answer_late_next("chat.postMessage", 1, LATE_ANSWER);
    let tokens = ["note-alpha", "note-bravo", "note-charlie"];

    // The first line is in the channel at once; its answer comes after the sender gave up.
    note(&app, &channel, tokens[0]).await;
    app.slack.wait_for("the first line", |s| lines_with(s, &channel, &tokens) == ["note-alpha"]).await;
    note(&app, &channel, tokens[1]).await;
    note(&app, &channel, tokens[2]).await;

    let deadline = Instant::now() + Duration::from_secs(90);
    while lines_with(&app.slack, &channel, &tokens).len() < 3 {
        assert!(Instant::now() < deadline, "lines missing:\n{}", app.slack.dump_calls());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_outbox_idle(&app).await;
    assert_eq!(lines_with(&app.slack, &channel, &tokens), tokens, "{}", app.slack.dump_calls());
    assert_eq!(posts_asked(&app.slack, "note-alpha"), 1, "posted again after the timeout:\n{}", app.slack.dump_calls());
    let looked = app.slack.calls_to("conversations.history").iter().any(|c| c.arg("channel").as_deref() == Some(channel.as_str()));
    assert!(looked, "the outbox did not look for the post before sending it again:\n{}", app.slack.dump_calls());
    app.slack.assert_faithful();
}

on_both_backends!(a_post_slack_answers_too_late_is_in_the_channel_once_and_order_holds);
