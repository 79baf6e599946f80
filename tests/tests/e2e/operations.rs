//! Health, readiness and metrics.

use firebreak_commands::settings::Settings;
use sqlx::Connection;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::spawn_app;

async fn health_and_metrics_report_what_happened(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let live = app.send(app.http.get(format!("{}/health/live", app.base_url))).await;
    assert_eq!(live.status, 200);
    let ready = app.send(app.http.get(format!("{}/health/ready", app.base_url))).await;
    assert_eq!((ready.status, ready.json()["store"].as_str()), (200, Some("ok")));

    app.declare("U0ALICE", "start sev3 metrics check").await;
    app.slash("U0ALICE", "CGENERAL", "bogus").await;
    let metrics = app.send(app.http.get(format!("{}/metrics", app.base_url))).await.body;
    for expected in [
        "firebreak_http_requests_total{route=\"/slack/commands\",outcome=\"ok\"}",
        "firebreak_commands_total{command=\"start\",outcome=\"ok\"}",
        "firebreak_commands_total{command=\"invalid\",outcome=\"usage\"}",
        "firebreak_slack_api_calls_total{method=\"conversations.create\",result=\"ok\"}",
    ] {
        assert!(metrics.contains(expected), "metrics lack {expected}:\n{metrics}");
    }
}

/// Postgres only: a server-side drop is the way to take a database away from a running pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_is_gone() {
    let Some(app) = spawn_app(Backend::Postgres, Settings::default()).await else { return };
    let ready = app.send(app.http.get(format!("{}/health/ready", app.base_url))).await;
    assert_eq!(ready.status, 200);
    let (admin_base, name) = app.database_url.rsplit_once('/').unwrap_or_else(|| panic!("url"));
    let admin_url = format!("{admin_base}/postgres");
    let mut admin = sqlx::postgres::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ready = app.send(app.http.get(format!("{}/health/ready", app.base_url))).await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(ready.json()["store"], "unreachable");
    let live = app.send(app.http.get(format!("{}/health/live", app.base_url))).await;
    assert_eq!(live.status, 200, "liveness does not depend on the database");
}


async fn the_incident_api_exports_postmortem_and_timeline_behind_its_token(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    app.slash("U0ALICE", &channel, "action add a checkout canary").await;
    let id = app.open_incidents().await.remove(0).id;
    let url = |what: &str| format!("{}/incidents/{id}/{what}", app.base_url);
    let without = app.send(app.http.get(url("postmortem.md"))).await;
    assert_eq!(without.status, 401);
    let wrong = app.send(app.http.get(url("timeline.json")).bearer_auth("guess")).await;
    assert_eq!(wrong.status, 401);
    let postmortem = app.send(app.http.get(url("postmortem.md")).bearer_auth(firebreak_tests::spawn::API_TOKEN)).await;
    assert_eq!(postmortem.status, 200);
    assert!(postmortem.body.contains("## Incident Summary") && postmortem.body.contains("- [ ] add a checkout canary"), "{}", postmortem.body);
    let timeline = app.send(app.http.get(url("timeline.json")).bearer_auth(firebreak_tests::spawn::API_TOKEN)).await;
    let kinds: Vec<String> = timeline.json()["events"].as_array().into_iter().flatten().filter_map(|e| e["kind"].as_str().map(str::to_owned)).collect();
    assert_eq!(kinds.first().map(String::as_str), Some("declared"));
    assert!(kinds.contains(&"action_item".to_owned()));
    let missing = app.send(app.http.get(format!("{}/incidents/999/timeline.json", app.base_url)).bearer_auth(firebreak_tests::spawn::API_TOKEN)).await;
    assert_eq!(missing.status, 404);
}

on_both_backends!(health_and_metrics_report_what_happened, the_incident_api_exports_postmortem_and_timeline_behind_its_token);
