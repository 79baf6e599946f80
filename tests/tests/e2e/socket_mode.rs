//! Socket Mode: with an app-level token Firebreak connects itself (`apps.connections.open`,
//! then a WebSocket) and takes slash commands and events over it, acknowledged at once, with
//! the same answers as over HTTP; it reconnects when Slack asks (reading the old connection
//! until the new one says hello) or the socket breaks, a
//! redelivered envelope has its effect once, and no log line shows the app token.

use std::sync::Arc;
use std::time::Duration;

use firebreak::config::Secret;
use firebreak::slack::socket_mode::{Answer, Envelope, EnvelopeHandler, Keepalive, SocketMode, SocketModeOptions};
use firebreak_commands::ids::IncidentId;
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::fake_socket_mode::{FakeSocketMode, Kind};
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{TestApp, BOT_TOKEN};
use firebreak_tests::spawn_socket_mode::{spawn_app_socket_mode, spawn_app_socket_mode_with_token, APP_TOKEN};
use serde_json::{json, Value};

/// Sends `/incident {text}` as `user` in `channel` over Socket Mode; returns the envelope id
/// and the command's response_url.
fn slash(app: &TestApp, socket: &FakeSocketMode, user: &str, channel: &str, text: &str) -> (String, String) {
    let response_url = app.slack.new_response_url();
    let id = socket.send(Kind::SlashCommands, app.slash_payload(user, channel, text, &response_url));
    (id, response_url)
}

fn text_of(payload: &Option<Value>) -> String {
    payload.as_ref().and_then(|p| p["text"].as_str()).unwrap_or_default().to_owned()
}

async fn pin_events(app: &TestApp, incident: IncidentId) -> usize {
    app.store_timeline(incident).await.iter().filter(|kind| *kind == "message_pinned").count()
}

async fn help_is_answered_in_the_ack_like_over_http(backend: Backend) {
    let Some((app, socket)) = spawn_app_socket_mode(backend, |_| Settings::default()).await else { return };
    assert_eq!(app.slack.calls_to("apps.connections.open").len(), 1);

    let (id, _) = slash(&app, &socket, "U0ALICE", "CGENERAL", "help");
    let ack = socket.wait_ack(&id, 1).await;
    assert!(ack.latency < Duration::from_millis(2500), "acked after {:?}", ack.latency);
    assert!(text_of(&ack.payload).contains("/incident"), "ack: {:?}", ack.payload);
    let (http, _) = app.slash("U0ALICE", "CGENERAL", "help").await;
    assert_eq!(ack.payload, Some(http.json()), "the Socket Mode ack carries the HTTP ack's body");

    // Unknown input gets its usage message in the ack, never silence.
    let (id, _) = slash(&app, &socket, "U0ALICE", "CGENERAL", "frobnicate now");
    assert!(text_of(&socket.wait_ack(&id, 1).await.payload).starts_with(":warning:"));

    let metrics = app.http.get(format!("{}/metrics", app.base_url)).send().await.expect("metrics").text().await.unwrap_or_default();
    assert!(metrics.contains("firebreak_socket_mode_envelopes_total{type=\"slash_commands\"}"), "{metrics}");
    assert!(metrics.contains("firebreak_socket_mode_connected"), "{metrics}");
    socket.assert_faithful();
    app.slack.assert_faithful();
}

async fn start_over_socket_mode_opens_the_incident_channel(backend: Backend) {
    let Some((app, socket)) = spawn_app_socket_mode(backend, |_| Settings::default()).await else { return };
    let (id, response_url) = slash(&app, &socket, "U0ALICE", "CGENERAL", "start sev2 db slow");
    let ack = socket.wait_ack(&id, 1).await;
    assert!(text_of(&ack.payload).contains("Working on"), "ack: {:?}", ack.payload);
    app.slack.wait_for("the requester's confirmation", |s| !s.responses(&response_url).is_empty()).await;

    let today = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).strftime("%Y%m%d").to_string();
    let channel = app.slack.channel_by_name(&format!("inc-{today}-1-db-slow")).unwrap_or_else(|| panic!("no incident channel"));
    assert!(channel.members.contains(&"U0ALICE".to_owned()));
    assert!(channel.topic.starts_with("SEV2 · Investigating"), "topic: {}", channel.topic);
    let card = channel.messages.first().unwrap_or_else(|| panic!("no card"));
    assert_eq!(channel.pins, vec![card.ts.clone()]);
    let confirmation = &app.slack.responses(&response_url)[0];
    assert!(confirmation["text"].as_str().unwrap_or_default().contains(&format!("<#{}>", channel.id)));
    let incidents = app.open_incidents().await;
    assert_eq!(incidents.len(), 1);
    let timeline = app.store_timeline(incidents[0].id).await;
    assert_eq!(timeline[..3], ["declared", "channel_created", "people_invited"], "{timeline:?}");
    socket.assert_faithful();
    app.slack.assert_faithful();
}

async fn pins_arrive_as_events_api_envelopes_and_count_once(backend: Backend) {
    let Some((app, socket)) = spawn_app_socket_mode(backend, |_| Settings::default()).await else { return };
    // Declared over HTTP: both transports serve the same app.
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    let incident = app.open_incidents().await[0].id;
    let message = app.slack.post_as(&channel, "U0BOB", "502s on /pay since 03:08");
    let event = app.slack.react(&channel, &message, "U0CAROL", "pushpin");

    let id = socket.send(Kind::EventsApi, event.clone());
    assert_eq!(socket.wait_ack(&id, 1).await.payload, None, "events are acked without a payload");
    assert_eq!(pin_events(&app, incident).await, 1, "acked within the budget means recorded");

    // Redelivered under the same envelope id, and again as a new envelope of the same event.
    socket.redeliver(&id, 1);
    assert_eq!(socket.wait_ack(&id, 2).await.payload, None);
    let again = socket.send(Kind::EventsApi, event);
    socket.wait_ack(&again, 1).await;
    assert_eq!(pin_events(&app, incident).await, 1, "a redelivered pin is recorded once");
    socket.assert_faithful();
    app.slack.assert_faithful();
}

async fn button_clicks_arrive_as_interactive_envelopes(backend: Backend) {
    let Some((app, socket)) = spawn_app_socket_mode(backend, |_| Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev3 search slow").await;
    let incident = app.open_incidents().await.remove(0);
    let click = app.click_payload("U0ERIN", &channel, "incident_resolve", &incident.id.to_string(), &app.slack.new_response_url());
    let id = socket.send(Kind::Interactive, click);
    assert_eq!(socket.wait_ack(&id, 1).await.payload, None, "clicks are acked empty and answered later");
    let resolved = |s: &FakeSlack| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("<@U0ERIN> resolved")));
    app.slack.wait_for("the resolution line", resolved).await;
    assert!(app.open_incidents().await.is_empty());
    socket.assert_faithful();
    app.slack.assert_faithful();
}

async fn redelivered_commands_take_effect_once(backend: Backend) {
    let Some((app, socket)) = spawn_app_socket_mode(backend, |_| Settings::default()).await else { return };
    let (id, response_url) = slash(&app, &socket, "U0ALICE", "CGENERAL", "start sev3 cache misses");
    let first = socket.wait_ack(&id, 1).await;
    socket.redeliver(&id, 1);
    let second = socket.wait_ack(&id, 2).await;
    assert_eq!(second.payload, first.payload, "a redelivery is acked with the first answer");
    app.slack.wait_for("the confirmation", |s| !s.responses(&response_url).is_empty()).await;
    let channel = app.declare("U0ALICE", "start sev3 other thing").await;
    let incidents = app.open_incidents().await;
    assert_eq!(incidents.len(), 2, "the redelivered start opened nothing more: {incidents:?}");
    assert_eq!(app.slack.channels().iter().filter(|c| c.name.starts_with("inc-")).count(), 2);

    // The same command delivered in a new envelope (same trigger_id) lands once on the timeline.
    let payload = app.slash_payload("U0ALICE", &channel, "note cache warmed", &app.slack.new_response_url());
    let one = socket.send(Kind::SlashCommands, payload.clone());
    socket.wait_ack(&one, 1).await;
    let two = socket.send(Kind::SlashCommands, payload);
    socket.wait_ack(&two, 1).await;
    let incident = app.open_incidents().await.into_iter().find(|i| i.channel.as_ref().is_some_and(|c| c.as_str() == channel)).expect("incident");
    let notes = app.store_timeline(incident.id).await.iter().filter(|k| *k == "note").count();
    assert_eq!(notes, 1);
    socket.assert_faithful();
    app.slack.assert_faithful();
}

async fn reconnects_on_refresh_and_after_a_dropped_socket(backend: Backend) {
    let Some((app, socket)) = spawn_app_socket_mode(backend, |_| Settings::default()).await else { return };
    socket.disconnect("refresh_requested");
    socket.wait_connections(2).await;
    assert_eq!(app.slack.calls_to("apps.connections.open").len(), 2, "every connection has its own URL");
    socket.wait_for("the old connection closed by Firebreak", |s| s.connections()[0].closed_by_bot).await;
    let (id, _) = slash(&app, &socket, "U0ALICE", "CGENERAL", "help");
    let ack = socket.wait_ack(&id, 1).await;
    assert_eq!((ack.connection, text_of(&ack.payload).is_empty()), (1, false));

    socket.drop_connection();
    socket.wait_connections(3).await;
    assert_eq!(socket.tickets_issued(), 3);
    let (id, _) = slash(&app, &socket, "U0ALICE", "CGENERAL", "help");
    assert_eq!(socket.wait_ack(&id, 1).await.connection, 2);
    socket.assert_faithful();
    app.slack.assert_faithful();
}

on_both_backends!(
    help_is_answered_in_the_ack_like_over_http,
    start_over_socket_mode_opens_the_incident_channel,
    pins_arrive_as_events_api_envelopes_and_count_once,
    button_clicks_arrive_as_interactive_envelopes,
    redelivered_commands_take_effect_once,
    reconnects_on_refresh_and_after_a_dropped_socket,
);

/// A handler that answers every envelope with `{"echo": payload}`.
#[derive(Debug)]
struct Echo;

#[async_trait::async_trait]
impl EnvelopeHandler for Echo {
    async fn handle(&self, envelope: Envelope) -> Answer {
        Answer::Ack(Some(json!({ "echo": envelope.payload })))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_keeps_alive_notices_silence_and_says_goodbye_on_stop() {
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let socket = FakeSocketMode::start(&slack, APP_TOKEN);
    let options = SocketModeOptions {
        keepalive: Keepalive { ping_every: Duration::from_millis(100), silence_limit: Duration::from_millis(600) },
        first_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_secs(1),
    };
    let client = SocketMode::new(&slack.api_url(), &Secret::new(APP_TOKEN)).expect("client").with_options(options);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = client.spawn(Arc::new(Echo), stopped);
    socket.wait_connections(1).await;

    // Pings both ways.
    socket.ping();
    socket.wait_for("a pong from the bot", |s| s.connections()[0].pongs_from_bot >= 1).await;
    socket.wait_for("pings from the bot", |s| s.connections()[0].pings_from_bot >= 2).await;
    // Payloads go back only where the envelope accepts one.
    let id = socket.send(Kind::Interactive, json!({ "n": 1 }));
    assert_eq!(socket.wait_ack(&id, 1).await.payload, Some(json!({ "echo": { "n": 1 } })));
    let id = socket.send(Kind::EventsApi, json!({ "n": 2 }));
    assert_eq!(socket.wait_ack(&id, 1).await.payload, None);

    // A connection that goes silent is given up and replaced.
    socket.freeze();
    socket.wait_connections(2).await;
    assert_eq!(socket.tickets_issued(), 2);

    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("Socket Mode stops").expect("no panic");
    socket.wait_for("a close frame from the bot", |s| s.connections()[1].closed_by_bot).await;
    socket.assert_faithful();
    slack.assert_faithful();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_a_refresh_the_old_connection_is_read_until_the_new_one_says_hello() {
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let socket = FakeSocketMode::start(&slack, APP_TOKEN);
    let client = SocketMode::new(&slack.api_url(), &Secret::new(APP_TOKEN)).expect("client");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = client.spawn(Arc::new(Echo), stopped);
    socket.wait_connections(1).await;

    // Slack asks for a refresh; the new connection is up but not greeted yet.
    socket.hold_hello(true);
    socket.disconnect("refresh_requested");
    socket.wait_for("the replacement connection", |s| s.accepted() == 2).await;
    // What Slack still sends on the old connection in that window is handled and acked there.
    let id = socket.send(Kind::Interactive, json!({ "n": 1 }));
    let ack = socket.wait_ack(&id, 1).await;
    assert_eq!((ack.connection, ack.payload), (0, Some(json!({ "echo": { "n": 1 } }))));
    assert!(socket.connections()[0].open && !socket.connections()[0].closed_by_bot, "kept until the hello");

    // The new connection says hello: the old one is closed, the new one takes over.
    socket.hold_hello(false);
    socket.wait_connections(2).await;
    socket.wait_for("the old connection closed by the bot", |s| s.connections()[0].closed_by_bot).await;
    let id = socket.send(Kind::Interactive, json!({ "n": 2 }));
    assert_eq!(socket.wait_ack(&id, 1).await.connection, 1);
    assert_eq!(socket.tickets_issued(), 2);

    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("Socket Mode stops").expect("no panic");
    socket.assert_faithful();
    slack.assert_faithful();
}

/// Log output of the current thread's scoped subscriber.
#[derive(Clone, Default)]
struct Capture(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// On one thread, so that the scoped subscriber sees the app's tasks too. The refused token is
// tried here only: a log call site first reached by another test's thread may stay unseen.
#[tokio::test(flavor = "current_thread")]
async fn a_wrong_app_token_is_retried_and_no_log_line_shows_a_token_or_ticket() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_ansi(false).with_writer(move || writer.clone()).finish();
    // tracing caches each call site's interest; while one subscriber is registered it asks only
    // the subscriber of the thread that reaches the site first, which may be another test's
    // (none). A second, silent subscriber makes it ask every registered one.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _scope = tracing::subscriber::set_default(subscriber);

    let Some((app, socket)) = spawn_app_socket_mode(Backend::Sqlite, |_| Settings::default()).await else { return };
    socket.disconnect("refresh_requested");
    socket.wait_connections(2).await;
    socket.drop_connection();
    socket.wait_connections(3).await;
    let (id, _) = slash(&app, &socket, "U0ALICE", "CGENERAL", "help");
    socket.wait_ack(&id, 1).await;
    let Some((refused, refused_socket)) = spawn_app_socket_mode_with_token(Backend::Sqlite, |_| Settings::default(), "xapp-1-wrong-token-secret").await else { return };
    refused.slack.wait_for("a retry after backoff", |s| s.calls_to("apps.connections.open").len() >= 2).await;
    let calls = refused.slack.calls_to("apps.connections.open");
    assert!(calls.iter().all(|c| c.response["error"] == "invalid_auth"), "{calls:?}");
    assert!(refused_socket.connections().is_empty());
    assert_eq!(refused.slash("U0ALICE", "CGENERAL", "help").await.0.status, 200, "HTTP goes on without Socket Mode");
    let logged = || String::from_utf8_lossy(&capture.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    for _ in 0..500 {
        if logged().contains("Socket Mode could not connect") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let text = logged();
    assert!(text.contains("Socket Mode connected") && text.contains("Slack asked Firebreak to reconnect"), "the capture saw nothing:\n{text}");
    assert!(text.contains("Socket Mode could not connect"), "the refusal is logged:\n{}", &text[text.len().saturating_sub(6000)..]);
    for secret in [APP_TOKEN, "xapp-1-wrong-token-secret", "fake-ticket"] {
        assert!(!text.contains(secret), "a log line contains {secret}");
    }
}
