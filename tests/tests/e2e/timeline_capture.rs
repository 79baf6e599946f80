//! Pinning from the conversation through the signed Events API: 📌 reactions, retries and
//! duplicates, unpinning by the last reaction, edits and deletions, thread replies — and the
//! postmortem draft that resolving shares in the channel through the external-upload flow.

use firebreak_commands::ids::IncidentId;
use firebreak_commands::pins::pinned_messages;
use firebreak_commands::ports::IncidentStore;
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{spawn_app, TestApp};

async fn pins(app: &TestApp) -> Vec<firebreak_commands::pins::PinnedMessage> {
    let events = app.store.timeline(IncidentId(1)).await.unwrap_or_else(|e| panic!("{e}"));
    pinned_messages(&events)
}

async fn pin_event_count(app: &TestApp) -> usize {
    let kinds = app.store_timeline(IncidentId(1)).await;
    kinds.iter().filter(|k| ["message_pinned", "pin_removed", "pinned_message_edited", "pinned_message_deleted"].contains(&k.as_str())).count()
}

async fn deliver(app: &TestApp, envelope: &serde_json::Value) {
    let answer = app.event(envelope).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""), "events are acked with an empty 200");
}

async fn pins_follow_reactions_edits_and_deletions(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    let report = app.slack.post_as(&channel, "U0BOB", "502s on /pay since 03:08, right after the deploy");
    let rate = app.slack.post_as(&channel, "U0ALICE", "error rate 40%");

    // A pin, its retried delivery and a second person's pin: one entry.
    let pinned = app.slack.react(&channel, &report, "U0CAROL", "pushpin");
    deliver(&app, &pinned).await;
    assert_eq!(app.event_retry(&pinned, 1).await.status, 200);
    deliver(&app, &app.slack.react(&channel, &report, "U0DAVE", "pushpin")).await;
    deliver(&app, &app.slack.react(&channel, &report, "U0DAVE", "eyes")).await;
    let found = pins(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(pin_event_count(&app).await, 1);
    assert_eq!(found[0].text, "502s on /pay since 03:08, right after the deploy");
    assert_eq!(found[0].author.as_ref().map(|a| a.as_str()), Some("U0BOB"));
    assert!(found[0].permalink.as_deref().is_some_and(|l| l.contains(&channel)), "{:?}", found[0].permalink);
    let posted = firebreak_commands::ids::MessageTs::new(report.clone()).posted_at();
    // Stored to the millisecond.
    assert_eq!(Some(found[0].posted_at.as_millisecond()), posted.map(|p| p.as_millisecond()), "the entry sits at the message's own time");

    // Carol's reaction goes, Dave's holds it; then Dave's goes too.
    deliver(&app, &app.slack.unreact(&channel, &report, "U0CAROL", "pushpin")).await;
    assert!(pins(&app).await[0].is_pinned());
    deliver(&app, &app.slack.unreact(&channel, &report, "U0DAVE", "pushpin")).await;
    assert!(!pins(&app).await[0].is_pinned());
    // Pinned again, then edited and deleted: the old text stays on the timeline.
    deliver(&app, &app.slack.react(&channel, &report, "U0CAROL", "pushpin")).await;
    let edit = app.slack.edit_as_author(&channel, &report, "502s on /pay since 03:05, right after the deploy");
    deliver(&app, &edit).await;
    assert_eq!(app.event_retry(&edit, 1).await.status, 200);
    deliver(&app, &app.slack.delete_message(&channel, &report)).await;
    let found = pins(&app).await;
    assert!(found[0].is_pinned() && found[0].deleted);
    assert_eq!(found[0].original_text, "502s on /pay since 03:08, right after the deploy");
    assert_eq!(found[0].text, "502s on /pay since 03:05, right after the deploy");
    assert_eq!(pin_event_count(&app).await, 5, "pin, unpin, pin, edit, delete — retries added nothing");

    // A reply in a thread is found through its thread; an unpinned edit is not recorded.
    let reply = app.slack.reply_as(&channel, &rate, "U0BOB", "db pool at 100/100");
    deliver(&app, &app.slack.react(&channel, &reply, "U0ALICE", "pushpin")).await;
    deliver(&app, &app.slack.edit_as_author(&channel, &rate, "error rate 45%")).await;
    let found = pins(&app).await;
    assert_eq!(found.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(), ["502s on /pay since 03:05, right after the deploy", "db pool at 100/100"]);

    // Elsewhere nothing is recorded.
    let general = app.slack.add_channel("general-chat");
    app.slack.add_member(&general, firebreak_tests::fake_slack::FakeSlack::BOT_USER);
    let chatter = app.slack.post_as(&general, "U0BOB", "lunch?");
    deliver(&app, &app.slack.react(&general, &chatter, "U0ALICE", "pushpin")).await;
    assert_eq!(pin_event_count(&app).await, 6);
    app.slack.assert_faithful();
}

async fn resolving_shares_the_postmortem_draft_in_the_channel(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    let clue = app.slack.post_as(&channel, "U0BOB", "the 03:08 deploy halved the DB pool");
    deliver(&app, &app.slack.react(&channel, &clue, "U0ALICE", "pushpin")).await;
    app.slash("U0ALICE", &channel, "status mitigated rolled back the deploy").await;
    app.slash("U0ALICE", &channel, "note root cause: DB pool halved by the 03:08 deploy").await;
    app.slash("U0ALICE", &channel, "action alert on DB pool saturation").await;
    let before = app.slack.calls().len();
    let (ack, _) = app.slash("U0ALICE", &channel, "resolve checkout healthy again").await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    app.slack.wait_for("the shared draft", |s| !s.calls_to("files.completeUploadExternal").is_empty()).await;

    // The upload sequence, in order: reserve, upload the bytes, complete into the channel.
    let methods: Vec<String> = app.slack.calls()[before..].iter().map(|c| c.method.clone()).filter(|m| m.starts_with("files.")).collect();
    assert_eq!(methods, ["files.getUploadURLExternal", "files.completeUploadExternal"]);
    let complete = app.slack.calls_to("files.completeUploadExternal").remove(0);
    assert!(complete.ok(), "{:?}", complete.response);
    assert_eq!(complete.arg("channel_id").as_deref(), Some(channel.as_str()));
    assert!(complete.arg("thread_ts").is_none(), "the draft goes in the channel itself");
    assert!(complete.arg("initial_comment").is_some_and(|c| c.contains("postmortem draft")), "{:?}", complete.args);
    let file_id = complete.response["files"][0]["id"].as_str().unwrap_or_default().to_owned();
    let markdown = app.slack.file_text(&file_id).unwrap_or_else(|| panic!("no upload for {file_id}"));
    for expected in [
        "# Postmortem: #1 checkout errors",
        "- **Severity**: SEV2",
        "📌 <@U0BOB>: \"the 03:08 deploy halved the DB pool\"",
        "**(Acknowledged, Mitigated)**",
        "**(Resolved)**",
        "## Root Cause\nDB pool halved by the 03:08 deploy",
        "- Mitigated: rolled back the deploy",
        "- [ ] alert on DB pool saturation",
    ] {
        assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
    }
    let shared = app.slack.channel(&channel).and_then(|c| c.messages.into_iter().find(|m| !m.files.is_empty()));
    assert!(shared.is_some_and(|m| m.files == [file_id.clone()] && m.thread_ts.is_none()));
    app.slack.assert_faithful();
}

async fn malformed_events_are_refused_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    app.declare("U0ALICE", "start sev3 search slow").await;
    let before = app.store_timeline(IncidentId(1)).await.len();
    let answer = app.post_signed("/slack/events", "application/json", "{\"type\":\"event_callback\",\"event\":{}}").await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("malformed event"), "{}", answer.body);
    assert_eq!(app.store_timeline(IncidentId(1)).await.len(), before);
}

on_both_backends!(
    pins_follow_reactions_edits_and_deletions,
    resolving_shares_the_postmortem_draft_in_the_channel,
    malformed_events_are_refused_and_change_nothing,
);
