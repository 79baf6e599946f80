//! The local console over HTTP (no browser): the real `firebreak serve` without Slack
//! credentials, on the built-in demo configuration. Commands and clicks run the real handlers;
//! the page shows the Block Kit they produce.

use firebreak::store::SqlStore;
use firebreak_commands::ids::{ChannelId, TeamId};
use firebreak_commands::ports::IncidentStore;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn_console::{spawn_console, ConsoleApp, ConsoleSetup};

const YOU: &str = "U0CONSOLE";
const TEAMMATE: &str = "U0TEAMMATE";
const GENERAL: &str = "C0GENERAL";

/// The value of attribute `attr` of the first element after `marker` in `html`.
fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let rest = &html[html.find(marker)?..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    Some(rest[start..start + rest[start..].find('"')?].to_owned())
}

/// The `data-ts` of the message holding `marker`.
fn message_ts(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind("data-ts=\"")? + "data-ts=\"".len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

async fn view(app: &ConsoleApp, channel: &str, person: &str) -> String {
    let (status, html) = app.get(&format!("/console/view?channel={channel}&as={person}")).await;
    assert_eq!(status, 200, "{html}");
    html
}

/// Polls the view of `channel` until `done` holds (the work runs after the ack, as in Slack).
async fn view_until(app: &ConsoleApp, channel: &str, person: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    for _ in 0..300 {
        let html = view(app, channel, person).await;
        if done(&html) {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("waited in vain for {what}; the view is:\n{}\n\nlog:\n{}", view(app, channel, person).await, app.log());
}

async fn type_command(app: &ConsoleApp, channel: &str, person: &str, text: &str) {
    let (status, body) = app.post("/console/command", &[("channel", channel), ("as", person), ("text", text)], true).await;
    assert_eq!(status, 204, "{body}");
}

async fn console_runs_the_real_commands_without_slack(backend: Backend) {
    let Some(app) = spawn_console(backend, ConsoleSetup::default()).await else { return };
    let (status, page) = app.get("/console").await;
    assert_eq!(status, 200);
    assert!(page.contains("<form id=\"composer\"") && page.contains("# general"), "{page}");
    assert!(app.log().contains("Firebreak console: open http://localhost:"), "{}", app.log());

    // The Slack routes are there but refuse everything: there is no signing secret to match.
    let (status, _) = app.post("/slack/commands", &[("text", "start sev1 x")], false).await;
    assert_eq!(status, 401);
    // Another web page cannot type into the console (no console header): nothing happens.
    let (status, _) = app.post("/console/command", &[("channel", GENERAL), ("as", YOU), ("text", "/incident start sev1 forged")], false).await;
    assert_eq!(status, 403);
    let (status, body) = app.post("/console/command", &[("channel", GENERAL), ("as", "U0MALLORY"), ("text", "/incident help")], true).await;
    assert_eq!((status, body.contains("U0MALLORY")), (400, true), "{body}");
    assert!(!view(&app, GENERAL, YOU).await.contains("class=\"msg"), "refused requests change nothing");

    type_command(&app, GENERAL, YOU, "/incident start sev2 demo-web returns 502").await;
    let general = view_until(&app, GENERAL, YOU, "the confirmation with the channel link", |html| html.contains("class=\"msg ephemeral\"") && html.contains("a class=\"channel\"")).await;
    let channel = attr_after(&general, "<a class=\"channel\"", "data-channel").unwrap_or_else(|| panic!("{general}"));
    assert!(!view(&app, GENERAL, TEAMMATE).await.contains("msg ephemeral"), "the confirmation is yours alone");

    let incident = view_until(&app, &channel, YOU, "the pinned card", |html| html.contains("📌 Pinned")).await;
    assert!(incident.contains("<div class=\"bk-header\">🚨 #1 demo-web returns 502</div>"), "{incident}");
    assert!(incident.contains("<h1># inc-") && incident.contains("-1-demo-web-returns-502</h1>"), "{incident}");
    assert!(incident.contains("<div class=\"topic\">SEV2"), "{incident}");
    assert!(incident.contains("3 members"), "you, the teammate (SEV2 responder) and Firebreak: {incident}");
    let announced = view(&app, "C0INCIDENTS", YOU).await;
    assert!(announced.contains(&format!("data-channel=\"{channel}\"")), "SEV2 is announced in #incidents: {announced}");

    // A click is checked against the message: a forged button is refused.
    let card_ts = message_ts(&incident, "data-action-id=\"incident_diag\"").unwrap_or_else(|| panic!("{incident}"));
    let forged = [("channel", channel.as_str()), ("as", YOU), ("ts", card_ts.as_str()), ("action_id", "fix_approve"), ("value", "1:1")];
    assert_eq!(app.post("/console/click", &forged, true).await.0, 400);
    let diag = [("channel", channel.as_str()), ("as", YOU), ("ts", card_ts.as_str()), ("action_id", "incident_diag"), ("value", "1")];
    let (status, body) = app.post("/console/click", &diag, true).await;
    assert_eq!(status, 204, "{body}");
    // The title names the runbook's service, so diagnostics ran once at the start; the click
    // runs them again: two summaries, each with its details in a thread.
    let summaries = |html: &str| html.matches("<div class=\"bk-header\">Diagnostics: demo-web</div>").count();
    let diagnosed = view_until(&app, &channel, YOU, "the second diagnostics summary", |html| summaries(html) == 2 && html.matches("replies</summary>").count() == 2).await;
    assert!(diagnosed.contains("✅ <b>firebreak health</b> — HTTP 200"), "Firebreak's own /health/live answers: {diagnosed}");

    type_command(&app, &channel, YOU, "/incident resolve fixed by a restart").await;
    let resolved = view_until(&app, &channel, YOU, "the postmortem file", |html| html.contains("/console/files/")).await;
    let file = attr_after(&resolved, "<div class=\"file\">", "href").unwrap_or_else(|| panic!("{resolved}"));
    let (status, markdown) = app.get(&file).await;
    assert_eq!(status, 200);
    assert!(markdown.contains("demo-web returns 502"), "{markdown}");

    let store = SqlStore::connect(&app.database_url).await.unwrap_or_else(|e| panic!("{e}"));
    let incidents = store.open_incidents(&TeamId::new("T0CONSOLE")).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(incidents.is_empty(), "resolved");
    let found = store.incident_by_channel(&TeamId::new("T0CONSOLE"), &ChannelId::new(channel.as_str())).await.unwrap_or_else(|e| panic!("{e}"));
    let incident = found.unwrap_or_else(|| panic!("the incident of {channel}"));
    let timeline = store.timeline(incident.id).await.unwrap_or_else(|e| panic!("{e}"));
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.key()).collect();
    for kind in ["declared", "channel_created", "card_pinned", "announced", "diagnostics_ran", "resolved"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
}

on_both_backends!(console_runs_the_real_commands_without_slack);
