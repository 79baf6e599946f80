//! The signed edge: bad signatures, stale timestamps, malformed payloads, unknown commands —
//! each refused clearly, with nothing recorded and nothing sent to Slack.

use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::signing;
use firebreak_tests::spawn::{spawn_app, TestApp, SIGNING_SECRET};

const FORM: &str = "application/x-www-form-urlencoded";

async fn nothing_happened(app: &TestApp) {
    assert!(app.slack.calls().is_empty(), "Slack was called: {:?}", app.slack.calls());
    assert!(app.open_incidents().await.is_empty());
}

async fn bad_signatures_and_stale_timestamps_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let body = app.slash_form("U0ALICE", "CGENERAL", "start sev1 forged", &app.slack.new_response_url());

    let forged = app.post_signed_with("/slack/commands", FORM, &body, "not-the-secret", &signing::now()).await;
    assert_eq!(forged.status, 401, "{}", forged.body);
    assert!(forged.body.contains("signature"));

    let stale_ts = (jiff::Timestamp::now().as_second() - 6 * 60).to_string();
    let stale = app.post_signed_with("/slack/commands", FORM, &body, SIGNING_SECRET, &stale_ts).await;
    assert_eq!(stale.status, 401);
    assert!(stale.body.contains("5 minutes"), "{}", stale.body);

    let unsigned = app.send(app.http.post(format!("{}/slack/commands", app.base_url)).header("content-type", FORM).body(body.clone())).await;
    assert_eq!(unsigned.status, 401);
    assert!(unsigned.body.contains("missing"));

    // A valid signature over a different body: the body was tampered with in transit.
    let now = signing::now();
    let request = app
        .http
        .post(format!("{}/slack/interactions", app.base_url))
        .header("x-slack-request-timestamp", &now)
        .header("x-slack-signature", signing::signature(SIGNING_SECRET, &now, "payload=%7B%7D"))
        .body(body.clone());
    assert_eq!(app.send(request).await.status, 401);
    nothing_happened(&app).await;
}

async fn malformed_payloads_are_bad_requests(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let missing_fields = app.post_signed("/slack/commands", FORM, "text=start+sev1+x").await;
    assert_eq!(missing_fields.status, 400);
    assert!(missing_fields.body.contains("malformed slash command"), "{}", missing_fields.body);
    let bad_user = app.post_signed("/slack/commands", FORM, "team_id=T1&channel_id=C1&user_id=robert&text=list").await;
    assert_eq!(bad_user.status, 400);
    let not_json = app.post_signed("/slack/interactions", FORM, "payload=%7Bnot+json").await;
    assert_eq!(not_json.status, 400);
    let no_payload = app.post_signed("/slack/interactions", FORM, "foo=bar").await;
    assert_eq!(no_payload.status, 400);
    let event = app.post_signed("/slack/events", "application/json", "{\"type\":").await;
    assert_eq!(event.status, 400);
    let oversize = app.post_signed("/slack/commands", FORM, &"a".repeat(2 * 1024 * 1024)).await;
    assert_eq!(oversize.status, 413);
    nothing_happened(&app).await;
}

async fn unknown_commands_and_buttons_get_usage_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let (unknown, _) = app.slash("U0ALICE", "CGENERAL", "deploy production now").await;
    assert_eq!(unknown.status, 200);
    assert!(unknown.text().contains("Unknown sub-command `deploy`"), "{}", unknown.body);
    assert_eq!(unknown.json()["response_type"], "ephemeral");
    let (bad_sev, _) = app.slash("U0ALICE", "CGENERAL", "start sev7 everything").await;
    assert!(bad_sev.text().contains("Usage: `/incident start"), "{}", bad_sev.body);
    let (long, _) = app.slash("U0ALICE", "CGENERAL", &format!("start sev1 {}", "x".repeat(400))).await;
    assert!(long.text().contains("too long"), "{}", long.body);
    nothing_happened(&app).await;

    let (ack, response_url) = app.click("U0ALICE", "CGENERAL", "incident_drop_tables", "1").await;
    assert_eq!(ack.status, 200);
    app.slack.wait_for("unknown button answer", |s| !s.responses(&response_url).is_empty()).await;
    assert!(app.slack.responses(&response_url)[0]["text"].as_str().unwrap_or_default().contains("does not know the button"));
    let (ack, response_url) = app.click("U0ALICE", "CGENERAL", "incident_resolve", "999").await;
    assert_eq!(ack.status, 200);
    app.slack.wait_for("no such incident answer", |s| !s.responses(&response_url).is_empty()).await;
    assert!(app.open_incidents().await.is_empty());
}

async fn url_verification_is_answered(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let body = r#"{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let answer = app.post_signed("/slack/events", "application/json", body).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["challenge"], "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    let unsigned = app.send(app.http.post(format!("{}/slack/events", app.base_url)).body(body)).await;
    assert_eq!(unsigned.status, 401);
}

on_both_backends!(
    bad_signatures_and_stale_timestamps_are_refused,
    malformed_payloads_are_bad_requests,
    unknown_commands_and_buttons_get_usage_and_change_nothing,
    url_verification_is_answered,
);
