//! `/incident diag` end to end: real checks against real local targets, the summary message
//! updated in place, details in its thread, long output attached as a file, secrets redacted.

use std::time::Duration;

use axum::routing::get;
use firebreak_commands::diagnostics::runbook::{Runbook, Runbooks};
use firebreak_commands::diagnostics::spec::{CheckSpec, CheckTarget};
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::spawn_app;

/// A local health endpoint that leaks a secret in its body, and one that fails.
async fn serve_targets() -> String {
    let app = axum::Router::new()
        .route("/health", get(|| async { "ok; db=postgres://app:hunter2secret@db:5432/app" }))
        .route("/broken", get(|| async { (axum::http::StatusCode::BAD_GATEWAY, "upstream down") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

fn check(name: &str, target: CheckTarget) -> CheckSpec {
    CheckSpec { name: name.into(), timeout: Duration::from_secs(5), target }
}

async fn diag_posts_summary_thread_and_attachment(backend: Backend) {
    let base = serve_targets().await;
    let runbook = Runbook {
        name: "web-down".into(),
        description: String::new(),
        alerts: vec![],
        services: vec!["web".into()],
        severity: None,
        checks: vec![
            check("web health", CheckTarget::Http { url: format!("{base}/health") }),
            check("web broken", CheckTarget::Http { url: format!("{base}/broken") }),
            // A hundred paths give more detail lines than a message holds: they go into a file.
            check("disks", CheckTarget::Disk { paths: vec!["/".to_owned(); 100], warn_free_percent: 1, fail_free_percent: 1 }),
        ],
        actions: vec![],
    };
    let settings = Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() };
    let Some(app) = spawn_app(backend, settings).await else { return };
    // "web" in the title: the runbook runs by itself at start.
    let channel = app.declare("U0ALICE", "start sev2 web returns 502").await;
    app.slack
        .wait_for("the diagnostics summary", |s| {
            s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("Diagnostics `web-down`") && m.edits == 1))
        })
        .await;
    let slack_channel = app.slack.channel(&channel).unwrap_or_else(|| panic!("channel"));
    let summary = slack_channel.messages.iter().find(|m| m.text.contains("Diagnostics `web-down`")).unwrap_or_else(|| panic!("summary"));
    assert!(summary.text.contains("1 fail"), "{}", summary.text);
    let shown = summary.blocks.to_string();
    assert!(shown.contains(":x: *web broken* — HTTP 502"), "{shown}");
    app.slack
        .wait_for("three detail replies", |s| {
            s.channel(&channel).is_some_and(|c| c.messages.iter().filter(|m| m.thread_ts.as_deref() == Some(summary.ts.as_str())).count() >= 3)
        })
        .await;
    app.slack.wait_for("the attached output", |s| !s.calls_to("files.completeUploadExternal").is_empty()).await;
    let everything: String = app.slack.calls().iter().map(|c| c.args.to_string()).collect();
    assert!(!everything.contains("hunter2secret"), "a secret reached Slack");
    assert!(everything.contains("[redacted]"));
    let incident = &app.open_incidents().await[0];
    assert!(app.store_timeline(incident.id).await.contains(&"diagnostics_ran".to_owned()));
    app.slack.assert_faithful();
}

async fn diag_in_the_channel_and_by_button(backend: Backend) {
    let base = serve_targets().await;
    let runbook = Runbook {
        name: "api".into(),
        description: String::new(),
        alerts: vec![],
        services: vec!["checkout".into()],
        severity: None,
        checks: vec![check("api health", CheckTarget::Http { url: format!("{base}/health") })],
        actions: vec![],
    };
    let settings = Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() };
    let Some(app) = spawn_app(backend, settings).await else { return };
    let channel = app.declare("U0ALICE", "start sev3 checkout slow").await;
    let summaries = |count: usize| {
        let channel = channel.clone();
        move |s: &firebreak_tests::fake_slack::FakeSlack| {
            s.channel(&channel).is_some_and(|c| c.messages.iter().filter(|m| m.text.starts_with("Diagnostics `api`")).count() == count)
        }
    };
    app.slack.wait_for("the automatic run at start", summaries(1)).await;
    let (ack, _) = app.slash("U0ALICE", &channel, "diag api").await;
    assert!(ack.text().contains("Working on"), "{}", ack.body);
    app.slack.wait_for("the run asked for", summaries(2)).await;
    let incident = app.open_incidents().await.remove(0);
    app.click("U0BOB", &channel, "incident_diag", &incident.id.to_string()).await;
    app.slack.wait_for("the run from the button", summaries(3)).await;
    let (unknown, url) = app.slash("U0ALICE", &channel, "diag no-such-runbook").await;
    assert_eq!(unknown.status, 200);
    app.slack.wait_for("the refusal", |s| !s.responses(&url).is_empty()).await;
    assert!(app.slack.responses(&url)[0].to_string().contains("There is no runbook `no-such-runbook`. Runbooks: api."));
    let timeline = app.store_timeline(incident.id).await;
    assert_eq!(timeline.iter().filter(|k| *k == "diagnostics_ran").count(), 3);
}

on_both_backends!(diag_posts_summary_thread_and_attachment, diag_in_the_channel_and_by_button);

/// Both seed runbooks run from the example configuration: every check reports, none hangs the
/// run, even here where none of their targets exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_runbooks_run_from_the_example_config() {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/config/firebreak.example.toml"));
    let (file, _) = firebreak::config::FileConfig::load(path).unwrap_or_else(|e| panic!("{e}"));
    let mut settings = file.settings(path).unwrap_or_else(|e| panic!("{e}"));
    settings.broadcast_channel = None;
    settings.responders.clear();
    let Some(app) = spawn_app(Backend::Sqlite, settings.clone()).await else { return };
    let channel = app.declare("U0ALICE", "start sev3 investigating").await;
    for runbook in ["nerf-service-down", "nemo-platform"] {
        let expected = settings.runbooks.by_name(runbook).map(|r| r.checks.len()).unwrap_or_default();
        assert!(expected >= 10, "{runbook} has its checks");
        app.slash("U0ALICE", &channel, &format!("diag {runbook}")).await;
        let title = format!("Diagnostics `{runbook}`");
        app.slack
            .wait_for(&title, |s| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.starts_with(&title))))
            .await;
        let lines = app
            .slack
            .channel(&channel)
            .and_then(|c| c.messages.into_iter().find(|m| m.text.starts_with(&title)))
            .map(|m| m.blocks.to_string().matches("* — ").count())
            .unwrap_or_default();
        assert_eq!(lines, expected, "every check of {runbook} has its line");
    }
    app.slack.assert_faithful();
}
