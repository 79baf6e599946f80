//! `POST /hooks/alertmanager`: the seed's NerfServiceDown notification opens one SEV1 incident
//! that runs the NeRF runbook's diagnostics; repeats and concurrent deliveries (Alertmanager in
//! HA) open nothing more; a resolution is recorded and told; bad tokens and payloads change
//! nothing.

use std::time::Duration;

use firebreak_commands::diagnostics::runbook::{Runbook, Runbooks};
use firebreak_commands::diagnostics::spec::{CheckSpec, CheckTarget};
use firebreak_commands::ids::IncidentId;
use firebreak_commands::severity::Severity;
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{spawn_app, Answer, TestApp, ALERTMANAGER_TOKEN};

const FIXTURE: &str = include_str!("../../fixtures/alertmanager/nerf-service-down-firing.json");

fn settings() -> Settings {
    // Nothing listens on port 9 of this machine: the check fails fast, as a down service does.
    let check = CheckSpec { name: "nerf-web health".into(), timeout: Duration::from_secs(2), target: CheckTarget::Http { url: "http://127.0.0.1:9/health".into() } };
    let runbook = Runbook {
        name: "nerf-service-down".into(),
        description: String::new(),
        alerts: vec!["NerfServiceDown".into()],
        services: vec!["nerf-web".into()],
        severity: Some(Severity::Sev1),
        checks: vec![check],
        actions: vec![],
    };
    Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() }
}

async fn notify(app: &TestApp, token: Option<&str>, body: &str) -> Answer {
    let mut request = app.http.post(format!("{}/hooks/alertmanager", app.base_url)).header("content-type", "application/json").body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    app.send(request).await
}

async fn the_seed_alert_opens_and_diagnoses_one_sev1_incident(backend: Backend) {
    let Some(app) = spawn_app(backend, settings()).await else { return };
    let answers = futures_util::future::join_all((0..4).map(|_| notify(&app, Some(ALERTMANAGER_TOKEN), FIXTURE))).await;
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let opened = answers.iter().filter(|a| a.json()["opened"] == true).count();
    assert_eq!(opened, 1, "{answers:?}");
    let open = app.open_incidents().await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].severity, Severity::Sev1);
    assert!(open[0].title.starts_with("NerfServiceDown: "), "{}", open[0].title);
    let channel = open[0].channel.clone().unwrap_or_else(|| panic!("no channel")).as_str().to_owned();
    app.slack.wait_for("the diagnostics summary", |s| {
        s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("nerf-web health")))
    })
    .await;
    let timeline = app.store_timeline(IncidentId(1)).await;
    assert_eq!(timeline.iter().filter(|k| *k == "alert_firing").count(), 2, "{timeline:?}");
    assert!(timeline.contains(&"diagnostics_ran".to_owned()), "{timeline:?}");

    // Alertmanager repeats itself: nothing new.
    let repeat = notify(&app, Some(ALERTMANAGER_TOKEN), FIXTURE).await;
    assert_eq!((repeat.json()["opened"].clone(), repeat.json()["recorded"].clone()), (false.into(), 0.into()));

    // Resolved: recorded once, and the channel hears that everything cleared.
    let resolved = FIXTURE.replace("\"firing\"", "\"resolved\"");
    for _ in 0..2 {
        assert_eq!(notify(&app, Some(ALERTMANAGER_TOKEN), &resolved).await.status, 200);
    }
    let timeline = app.store_timeline(IncidentId(1)).await;
    assert_eq!(timeline.iter().filter(|k| *k == "alert_resolved").count(), 2, "{timeline:?}");
    let cleared = app.slack.channel(&channel).map(|c| c.messages.iter().filter(|m| m.text.contains("Every alert of this incident has cleared")).count());
    assert_eq!(cleared, Some(1));
    assert_eq!(app.open_incidents().await.len(), 1, "an incident is resolved by people, not by the alert");
    app.slack.assert_faithful();
}

async fn bad_tokens_and_payloads_are_refused_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend, settings()).await else { return };
    assert_eq!(notify(&app, None, FIXTURE).await.status, 401);
    assert_eq!(notify(&app, Some("wrong-token"), FIXTURE).await.status, 401);
    let malformed = notify(&app, Some(ALERTMANAGER_TOKEN), "{\"version\":\"4\"}").await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.body.contains("not an Alertmanager webhook notification"), "{}", malformed.body);
    let old = notify(&app, Some(ALERTMANAGER_TOKEN), &FIXTURE.replace("\"version\": \"4\"", "\"version\": \"2\"")).await;
    assert!(old.status == 400 && old.body.contains("version `2`"), "{old:?}");
    let unknown = FIXTURE.replace("NerfServiceDown", "SomethingElse").replace("\"critical\"", "\"ticket\"");
    let ignored = notify(&app, Some(ALERTMANAGER_TOKEN), &unknown).await;
    assert_eq!(ignored.status, 200);
    assert!(ignored.json()["ignored"].as_str().is_some_and(|why| why.contains("SomethingElse")), "{}", ignored.body);
    assert!(app.open_incidents().await.is_empty());
    assert!(app.slack.calls_to("conversations.create").is_empty());
}

on_both_backends!(the_seed_alert_opens_and_diagnoses_one_sev1_incident, bad_tokens_and_payloads_are_refused_and_change_nothing);
