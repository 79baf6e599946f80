//! Pager webhooks and the data-integrity flag in the running app: an alert labelled
//! `firebreak_flag: data-integrity` reaches the level that lists the flag, whose webhook (a
//! real local HTTP server, answering 503 once) gets the page once; a pager that cannot be
//! reached is said in the channel and on the timeline. Paging is off the alert webhook's
//! request path: a pager that hangs does not hold Alertmanager's answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use firebreak::config::Secret;
use firebreak_commands::diagnostics::runbook::{Runbook, Runbooks};
use firebreak_commands::escalation::{EscalationLevel, Pager, PagerWebhook, WebhookFormat};
use firebreak_commands::ports::IncidentStore;
use firebreak_commands::settings::Settings;
use firebreak_commands::severity::Severity;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{spawn_app_configured, TestApp, ALERTMANAGER_TOKEN};
use serde_json::Value;

const FIXTURE: &str = include_str!("../../fixtures/alertmanager/nerf-service-down-firing.json");

/// A pager: answers 503 to the first page (Firebreak must retry), 202 after; keeps the bodies.
#[derive(Clone, Default)]
struct LocalPager {
    bodies: Arc<Mutex<Vec<Value>>>,
}

async fn take(State(pager): State<LocalPager>, body: String) -> StatusCode {
    let mut bodies = pager.bodies.lock().unwrap_or_else(|e| e.into_inner());
    bodies.push(serde_json::from_str(&body).unwrap_or(Value::Null));
    if bodies.len() == 1 { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::ACCEPTED }
}

impl LocalPager {
    async fn start() -> (Self, String) {
        let pager = Self::default();
        let base = firebreak_tests::local_http::serve(axum::Router::new().route("/page", post(take)).with_state(pager.clone())).await;
        (pager, format!("{base}/page"))
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn settings() -> Settings {
    let runbook = Runbook {
        name: "nerf-service-down".into(),
        description: String::new(),
        alerts: vec!["NerfServiceDown".into()],
        services: vec![],
        severity: Some(Severity::Sev1),
        checks: vec![],
        actions: vec![],
    };
    let level3 = EscalationLevel {
        name: "Level 3 (Engineering Manager)".into(),
        after: Some(Duration::from_secs(3600)),
        on_flags: vec!["data-integrity".into()],
        page: vec![Pager::Group("S0EMS".into())],
        webhook: Some(PagerWebhook { url_env: Some("PAGER_WEBHOOK_URL".into()), format: WebhookFormat::Json, routing_key_env: None }),
        ..EscalationLevel::default()
    };
    Settings { runbooks: Runbooks(vec![runbook]), escalation: vec![level3], ..Settings::default() }
}

async fn spawn_with_pager(backend: Backend, url: String) -> Option<TestApp> {
    spawn_app_configured(backend, |_| settings(), move |_, config| {
        config.pager_secrets.0.insert("PAGER_WEBHOOK_URL".into(), Secret::new(url));
    })
    .await
}

fn channel_texts(app: &TestApp, channel: &str) -> Vec<String> {
    app.slack.channel(channel).map(|c| c.messages.iter().map(|m| m.text.clone()).collect()).unwrap_or_default()
}

async fn a_flagged_alert_pages_the_level_through_its_webhook_once(backend: Backend) {
    let (pager, url) = LocalPager::start().await;
    let Some(app) = spawn_with_pager(backend, url).await else { return };
    app.slack.add_usergroup("S0EMS", &["U0EM"]);
    let mut payload: Value = serde_json::from_str(FIXTURE).unwrap_or_else(|e| panic!("{e}"));
    payload["alerts"][0]["labels"]["firebreak_flag"] = "data-integrity".into();
    for _ in 0..2 {
        let request = app.http.post(format!("{}/hooks/alertmanager", app.base_url)).bearer_auth(ALERTMANAGER_TOKEN).json(&payload);
        let answer = app.send(request).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let incident = app.open_incidents().await.remove(0);
    let channel = incident.channel.clone().unwrap_or_else(|| panic!("no channel")).as_str().to_owned();

    // The page runs in the background: its outcome is on the timeline once the pager answered.
    wait_for_event(&app, &incident, "pager_notified").await;
    let bodies = pager.bodies();
    assert_eq!(bodies.len(), 2, "one page, retried once after the 503: {bodies:?}");
    assert_eq!(bodies[0], bodies[1]);
    let page = &bodies[1];
    assert_eq!((page["incident"]["number"].as_i64(), page["incident"]["severity"].as_str()), (Some(incident.number.0), Some("sev1")));
    assert_eq!(page["level"]["name"], "Level 3 (Engineering Manager)");
    assert_eq!(page["channel"]["id"].as_str(), Some(channel.as_str()));
    assert!(page["reason"].as_str().is_some_and(|r| r.starts_with("data-integrity flag — alert `NerfServiceDown`")), "{page}");

    let timeline = app.store_timeline(incident.id).await;
    let count = |kind: &str| timeline.iter().filter(|k| *k == kind).count();
    assert_eq!((count("flag_raised"), count("escalated"), count("pager_notified")), (1, 1, 1), "{timeline:?}");
    app.slack.wait_for("the escalation in the channel and its people invited", |s| {
        s.channel(&channel).is_some_and(|c| c.has_member("U0EM") && c.messages.iter().any(|m| m.text.contains("*Escalated to Level 3")))
    })
    .await;
    let texts = channel_texts(&app, &channel);
    assert_eq!(texts.iter().filter(|t| t.contains("*Escalated to Level 3 (Engineering Manager)* — data-integrity flag")).count(), 1, "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("NOT reached")), "{texts:?}");
    app.slack.assert_faithful();
}

async fn a_pager_that_cannot_be_reached_is_said_in_the_channel(backend: Backend) {
    // A port nothing listens on: bound, then freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"));
    let Some(app) = spawn_with_pager(backend, format!("http://127.0.0.1:{port}/page/S3CR3T")).await else { return };
    let channel = app.declare("U0ALICE", "start sev1 orders table mismatch").await;
    let (ack, _) = app.slash("U0ALICE", &channel, "escalate data-integrity: replica checksums differ").await;
    assert_eq!(ack.status, 200);
    app.slack.wait_for("the pager failure in the channel", |s| {
        s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("*The pager of Level 3 (Engineering Manager) was NOT reached*")))
    })
    .await;
    let texts = channel_texts(&app, &channel);
    assert!(texts.iter().any(|t| t.contains("*Escalated to Level 3 (Engineering Manager)* — data-integrity flag — replica checksums differ")), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("S3CR3T")), "the URL is never shown");
    let incident = app.open_incidents().await.remove(0);
    let events = app.store.timeline(incident.id).await.unwrap_or_else(|e| panic!("{e}"));
    let failed = events.iter().find(|e| e.kind.key() == "pager_notified").map(|e| e.kind.describe()).unwrap_or_default();
    assert!(failed.contains("could NOT page Level 3 (Engineering Manager)") && failed.contains("after 3 attempt(s)") && !failed.contains("S3CR3T"), "{failed}");
    app.slack.assert_faithful();
}

/// Polls the incident's timeline until an event of `kind` is on it.
async fn wait_for_event(app: &TestApp, incident: &firebreak_commands::incident::Incident, kind: &str) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let events = app.store.timeline(incident.id).await.unwrap_or_else(|e| panic!("{e}"));
        let found: Vec<String> = events.iter().filter(|e| e.kind.key() == kind).map(|e| e.kind.describe()).collect();
        if !found.is_empty() {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "no {kind} on the timeline");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A pager that holds every page until the test releases it.
#[derive(Clone)]
struct HeldPager {
    received: Arc<Mutex<usize>>,
    release: Arc<tokio::sync::watch::Sender<bool>>,
}

async fn hold(State(pager): State<HeldPager>) -> StatusCode {
    *pager.received.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    let mut released = pager.release.subscribe();
    let _ = released.wait_for(|released| *released).await;
    StatusCode::ACCEPTED
}

impl HeldPager {
    async fn start() -> (Self, String) {
        let pager = Self { received: Arc::default(), release: Arc::new(tokio::sync::watch::channel(false).0) };
        let base = firebreak_tests::local_http::serve(axum::Router::new().route("/page", post(hold)).with_state(pager.clone())).await;
        (pager, format!("{base}/page"))
    }

    fn received(&self) -> usize {
        *self.received.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn a_hanging_pager_does_not_hold_the_alert_webhook(backend: Backend) {
    let (pager, url) = HeldPager::start().await;
    let Some(app) = spawn_with_pager(backend, url).await else { return };
    let mut payload: Value = serde_json::from_str(FIXTURE).unwrap_or_else(|e| panic!("{e}"));
    payload["alerts"][0]["labels"]["firebreak_flag"] = "data-integrity".into();
    let request = app.http.post(format!("{}/hooks/alertmanager", app.base_url)).bearer_auth(ALERTMANAGER_TOKEN).json(&payload);
    // The pager answers nothing until released, so an answer here came before the page's.
    let answer = app.send(request).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let incident = app.open_incidents().await.remove(0);
    let timeline = app.store_timeline(incident.id).await;
    assert_eq!(timeline.iter().filter(|k| *k == "escalated").count(), 1, "the escalation is recorded before the answer: {timeline:?}");
    assert!(!timeline.iter().any(|k| k == "pager_notified"), "the webhook answered only after the pager did: {timeline:?}");

    // The page was under way all along; released, it completes and is recorded as reached.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while pager.received() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the pager was never called");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pager.release.send_replace(true);
    let notified = wait_for_event(&app, &incident, "pager_notified").await;
    assert_eq!(notified.len(), 1, "{notified:?}");
    assert!(notified[0].starts_with("paged Level 3 (Engineering Manager) through its pager webhook (HTTP 202"), "{notified:?}");
    let channel = incident.channel.clone().unwrap_or_else(|| panic!("no channel")).as_str().to_owned();
    assert!(!channel_texts(&app, &channel).iter().any(|t| t.contains("NOT reached")));
    app.slack.assert_faithful();
}

on_both_backends!(
    a_flagged_alert_pages_the_level_through_its_webhook_once,
    a_pager_that_cannot_be_reached_is_said_in_the_channel,
    a_hanging_pager_does_not_hold_the_alert_webhook
);
