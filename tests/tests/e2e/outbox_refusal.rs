//! An announcement Slack refuses for good (the broadcast channel does not exist for the bot) is
//! told once in the incident channel, and the requester's confirmation is as before: the
//! announcement is still queued, not awaited.

use std::time::{Duration, Instant};

use firebreak_commands::ids::{ChannelId, SlackUserId};
use firebreak_commands::settings::Settings;
use firebreak_commands::severity::Severity;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{TestApp, spawn_app_with};

/// A broadcast channel the fake Slack does not know: it answers `channel_not_found`, as Slack
/// does for a private channel Firebreak was not invited to.
const GONE: &str = "C0GONE";
const WARNING: &str = "Slack refused the announcement";

fn warnings(app: &TestApp, channel: &str) -> Vec<String> {
    let messages = app.slack.channel(channel).map(|c| c.visible_messages().into_iter().cloned().collect::<Vec<_>>()).unwrap_or_default();
    messages.into_iter().filter(|m| m.text.contains(WARNING)).map(|m| m.text).collect()
}

/// Waits until nothing is left in the outbox: whatever was to be posted has been.
async fn drained(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.store.pending_calls().await.unwrap_or_else(|e| panic!("{e}")) > 0 {
        assert!(Instant::now() < deadline, "the outbox never drained; calls:\n{}", app.slack.dump_calls());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_refused_announcement_is_told_once_in_the_incident_channel(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |_| Settings {
        broadcast_channel: Some(ChannelId::new(GONE)),
        responders: [(Severity::Sev1, vec![SlackUserId::parse("U0ONCALL").unwrap_or_else(|| panic!())])].into(),
        ..Settings::default()
    })
    .await
    else {
        return;
    };
    let (ack, response_url) = app.slash("U0ALICE", "CGENERAL", "start sev1 API returns 502").await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    app.slack.wait_for("the confirmation", |s| !s.responses(&response_url).is_empty()).await;
    // Unchanged: the announcement was queued (so "announced"), and the refusal, which comes
    // later, is not the requester's to hear in their confirmation.
    let confirmation = app.slack.responses(&response_url)[0]["text"].as_str().unwrap_or_default().to_owned();
    assert!(confirmation.contains("Declared SEV1 incident"), "{confirmation}");
    assert!(!confirmation.contains("could not") && !confirmation.contains("channel_not_found"), "{confirmation}");
    let channel = app.slack.channels().into_iter().find(|c| c.name.starts_with("inc-")).unwrap_or_else(|| panic!("no incident channel")).id;

    app.slack.wait_for("the warning in the incident channel", |s| {
        s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains(WARNING)))
    })
    .await;
    drained(&app).await;
    let warnings = warnings(&app, &channel);
    assert_eq!(warnings.len(), 1, "told once: {warnings:?}");
    let warning = &warnings[0];
    for part in [format!("<#{GONE}>"), "`channel_not_found`".to_owned(), "/invite @Firebreak".to_owned()] {
        assert!(warning.contains(&part), "{part} missing from: {warning}");
    }
    let refused: Vec<_> = app.slack.calls_to("chat.postMessage").into_iter().filter(|c| c.arg("channel").as_deref() == Some(GONE)).collect();
    assert_eq!(refused.len(), 1, "a refusal is final: tried once");
    assert_eq!(refused[0].error(), Some("channel_not_found"));

    let incident = &app.open_incidents().await[0];
    assert!(app.store_timeline(incident.id).await.contains(&"announced".to_owned()));
}

on_both_backends!(a_refused_announcement_is_told_once_in_the_incident_channel);
