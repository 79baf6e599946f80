//! Slack's redeliveries are handled once: the same Events API delivery sent to two replicas
//! that share Postgres and Redis, and retried (a copy that finds the other replica handling it
//! is answered 503 and retried); a Socket Mode envelope redelivered to another
//! replica (left unacknowledged while another replica handles it); a retry in one process
//! without Redis. With Redis down the bot still acks and
//! records (fail open) and `/health/ready` says degraded, until Redis is back.

use std::time::{Duration, Instant};

use firebreak::config::{Config, Secret};
use firebreak_commands::ids::IncidentId;
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_socket_mode::{FakeSocketMode, Kind};
use firebreak_tests::on_both_backends;
use firebreak_tests::redis_server::{shared_redis_url, ThrowawayRedis};
use firebreak_tests::spawn::{spawn_app, spawn_app_configured, Answer, TestApp};
use firebreak_tests::spawn_replica::{deliver_until_acked, post_event_to, spawn_second_replica};
use firebreak_tests::spawn_socket_mode::APP_TOKEN;
use firebreak_tests::timeline_lock::TimelineLock;
use serde_json::{json, Value};

/// The same Redis outlives the test: Slack's event ids are unique, the fake's only per run.
fn with_unique_event_id(mut envelope: Value) -> Value {
    envelope["event_id"] = json!(format!("Ev{}", uuid::Uuid::new_v4().simple()));
    envelope
}

fn assert_acked(answers: &[&Answer]) {
    for answer in answers {
        assert_eq!((answer.status, answer.body.as_str()), (200, ""), "every delivery is acked with an empty 200");
    }
}

async fn readiness(app: &TestApp) -> (u16, Value) {
    let answer = app.send(app.http.get(format!("{}/health/ready", app.base_url))).await;
    (answer.status, answer.json())
}

/// `firebreak_slack_redeliveries_total{transport}` (process-wide: every app in this test
/// binary adds to it, so tests compare it by at least).
async fn redeliveries(app: &TestApp, transport: &str) -> f64 {
    let metrics = app.send(app.http.get(format!("{}/metrics", app.base_url))).await.body;
    let series = format!("firebreak_slack_redeliveries_total{{transport=\"{transport}\"}} ");
    metrics.lines().find_map(|line| line.strip_prefix(&series)).and_then(|n| n.trim().parse().ok()).unwrap_or(0.0)
}

async fn pins_recorded(app: &TestApp) -> usize {
    app.store_timeline(IncidentId(1)).await.iter().filter(|kind| *kind == "message_pinned").count()
}

/// Waits until `n` pins are on the timeline (handling may go on a little after the ack).
async fn wait_for_pins(app: &TestApp, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while pins_recorded(app).await < n {
        assert!(Instant::now() < deadline, "waited 30 s for {n} pins; found {}", pins_recorded(app).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Handling a 📌 looks the message up (`conversations.history`) and links it
/// (`chat.getPermalink`): a delivery handled twice at once asks twice.
fn permalinks_asked(app: &TestApp) -> usize {
    app.slack.calls_to("chat.getPermalink").len()
}

/// A replica's configuration with Redis at `redis_url` and Socket Mode on (the app token set).
fn redis_and_socket_mode(redis_url: String) -> impl Fn(&mut Config) {
    move |config| {
        config.redis_url = Some(Secret::new(redis_url.clone()));
        if let Some(credentials) = config.slack.as_mut() {
            credentials.app_token = Some(Secret::new(APP_TOKEN));
        }
    }
}

/// The first replica, on Postgres and configured by `configure`, with the fake Socket Mode
/// endpoint it connects to (`None` when Postgres is not available outside CI).
async fn first_socket_mode_replica(configure: &impl Fn(&mut Config)) -> Option<(TestApp, FakeSocketMode)> {
    let mut socket = None;
    let first = spawn_app_configured(Backend::Postgres, |_| Settings::default(), |slack, config| {
        socket = Some(FakeSocketMode::start(slack, APP_TOKEN));
        configure(config);
    })
    .await?;
    Some((first, socket.expect("configure ran")))
}

/// Postgres only: several replicas share Postgres (SQLite is one process's file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_redis_handle_each_delivery_once() {
    let Some(redis_url) = shared_redis_url() else { return };
    let redis = |config: &mut Config| config.redis_url = Some(Secret::new(redis_url.clone()));
    let Some(first) = spawn_app_configured(Backend::Postgres, |_| Settings::default(), |_, config| redis(config)).await else { return };
    let second = spawn_second_replica(&first, Settings::default(), redis).await;
    assert_eq!(readiness(&second).await, (200, json!({ "status": "ready", "store": "ok", "redis": "ok" })));
    let channel = first.declare("U0ALICE", "start sev2 checkout errors").await;
    let (asked_before, counted_before) = (permalinks_asked(&first), redeliveries(&first, "events_api").await);

    // Each pin reaches both replicas at once, and Slack retries it on both. A copy that finds
    // the other replica handling it is answered 503 and sent again, as Slack would.
    for i in 0..5 {
        let message = first.slack.post_as(&channel, "U0BOB", &format!("clue {i}"));
        let pin = with_unique_event_id(first.slack.react(&channel, &message, "U0CAROL", "pushpin"));
        let (a, b, c, d) = tokio::join!(first.event(&pin), second.event(&pin), first.event_retry(&pin, 1), second.event_retry(&pin, 2));
        for (answer, replica) in [(&a, 0), (&b, 1), (&c, 0), (&d, 1)] {
            match answer.status {
                200 => assert_acked(&[answer]),
                503 => deliver_until_acked(&[&first, &second], &pin, replica).await,
                other => panic!("a delivery answered {other}: {}", answer.body),
            }
        }
    }
    wait_for_pins(&first, 5).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(permalinks_asked(&first) - asked_before, 5, "each delivery handled by one replica, once:\n{}", first.slack.dump_calls());
    assert_eq!(pins_recorded(&second).await, 5);
    assert!(redeliveries(&second, "events_api").await - counted_before >= 15.0, "three redeliveries of each of five pins counted");
    first.slack.assert_faithful();
}

/// Postgres only, like the test above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_mode_envelope_redelivered_to_another_replica_is_not_handled_again() {
    let Some(redis) = ThrowawayRedis::start().await else { return };
    let configure = redis_and_socket_mode(redis.url());
    let Some((first, socket)) = first_socket_mode_replica(&configure).await else { return };
    socket.wait_connections(1).await;
    let help = |app: &TestApp| app.slash_payload("U0ALICE", "CGENERAL", "help", &app.slack.new_response_url());
    let id = socket.send(Kind::SlashCommands, help(&first));
    let answer = socket.wait_ack(&id, 1).await.payload;
    assert!(answer.as_ref().is_some_and(|p| p["text"].as_str().is_some_and(|t| t.contains("/incident"))), "{answer:?}");
    socket.redeliver(&id, 1);
    assert_eq!(socket.wait_ack(&id, 2).await.payload, answer, "the same replica acks a redelivery with its first answer");

    // The second replica connects (the newest connection gets the deliveries).
    let second = spawn_second_replica(&first, Settings::default(), &configure).await;
    socket.wait_connections(2).await;
    socket.redeliver(&id, 2);
    let ack = socket.wait_ack(&id, 3).await;
    assert_eq!((ack.connection, ack.payload), (1, None), "handled by the first replica already: acked, not answered again");
    let fresh = socket.send(Kind::SlashCommands, help(&second));
    assert!(socket.wait_ack(&fresh, 1).await.payload.is_some(), "the second replica answers what is new to it");
    socket.assert_faithful();
}

/// `firebreak_slack_deliveries_deferred_total{transport}` (process-wide, like the above).
async fn deferred(app: &TestApp, transport: &str) -> f64 {
    let metrics = app.send(app.http.get(format!("{}/metrics", app.base_url))).await.body;
    let series = format!("firebreak_slack_deliveries_deferred_total{{transport=\"{transport}\"}} ");
    metrics.lines().find_map(|line| line.strip_prefix(&series)).and_then(|n| n.trim().parse().ok()).unwrap_or(0.0)
}

/// Postgres only: the first replica is held mid-handling by a lock on the timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_in_hand_on_another_replica_is_left_unacknowledged_then_acked_once_done() {
    let Some(redis) = ThrowawayRedis::start().await else { return };
    let configure = redis_and_socket_mode(redis.url());
    let Some((first, socket)) = first_socket_mode_replica(&configure).await else { return };
    // The second replica's connection is the newest: Socket Mode envelopes go to it.
    let second = spawn_second_replica(&first, Settings::default(), &configure).await;
    socket.wait_connections(2).await;
    let channel = first.declare("U0ALICE", "start sev2 checkout errors").await;
    let message = first.slack.post_as(&channel, "U0BOB", "the clue");
    let pin = with_unique_event_id(first.slack.react(&channel, &message, "U0CAROL", "pushpin"));

    // The first replica takes the event over HTTP and is held before it can record it.
    let lock = TimelineLock::take(&first.database_url).await;
    let over_http = {
        let (http, base_url, pin) = (first.http.clone(), first.base_url.clone(), pin.clone());
        tokio::spawn(async move { post_event_to(&http, &base_url, &pin).await })
    };
    lock.waiter("the first replica").await;

    // The same event reaches the second replica over Socket Mode: in hand elsewhere, not acked.
    // (The Events API handler answers 503 inside the envelope's handling; it is counted there.)
    let deferred_before = deferred(&second, "events_api").await;
    let id = socket.send(Kind::EventsApi, pin.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    while deferred(&second, "events_api").await <= deferred_before {
        assert!(Instant::now() < deadline, "the envelope was not deferred");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(socket.acks_of(&id).is_empty(), "acknowledged while another replica handles it");

    // The first replica finishes; Slack's redelivery is then acknowledged and not handled again.
    lock.release().await;
    assert_eq!(over_http.await.expect("no panic"), Some(200));
    wait_for_pins(&first, 1).await;
    socket.redeliver(&id, 1);
    let ack = socket.wait_ack(&id, 1).await;
    assert_eq!((ack.connection, ack.payload), (1, None));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!((pins_recorded(&first).await, permalinks_asked(&first)), (1, 1), "{}", first.slack.dump_calls());
    socket.assert_faithful();
    first.slack.assert_faithful();
    drop(second);
}

async fn with_redis_down_events_are_acked_and_recorded_and_readiness_is_degraded(backend: Backend) {
    let Some(mut redis) = ThrowawayRedis::start().await else { return };
    let url = redis.url();
    let Some(app) = spawn_app_configured(backend, |_| Settings::default(), |_, config| config.redis_url = Some(Secret::new(url))).await else { return };
    assert_eq!(readiness(&app).await, (200, json!({ "status": "ready", "store": "ok", "redis": "ok" })));
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    let message = app.slack.post_as(&channel, "U0BOB", "before the outage");
    assert_acked(&[&app.event(&app.slack.react(&channel, &message, "U0CAROL", "pushpin")).await]);
    wait_for_pins(&app, 1).await;

    redis.stop();
    assert_eq!(readiness(&app).await, (200, json!({ "status": "degraded", "store": "ok", "redis": "unreachable" })));
    // Acked in time and recorded; a retry is still handled once, by this process's memory.
    let asked_before = permalinks_asked(&app);
    let message = app.slack.post_as(&channel, "U0BOB", "during the outage");
    let pin = app.slack.react(&channel, &message, "U0CAROL", "pushpin");
    let started = Instant::now();
    let (a, b, c) = tokio::join!(app.event(&pin), app.event_retry(&pin, 1), app.event_retry(&pin, 2));
    assert!(started.elapsed() < Duration::from_millis(2500), "acked after {:?}", started.elapsed());
    assert_acked(&[&a, &b, &c]);
    wait_for_pins(&app, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(permalinks_asked(&app) - asked_before, 1, "{}", app.slack.dump_calls());

    redis.restart().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = readiness(&app).await;
        if body["status"] == "ready" {
            assert_eq!((status, body), (200, json!({ "status": "ready", "store": "ok", "redis": "ok" })));
            break;
        }
        assert!(Instant::now() < deadline, "still {body} 10 s after Redis came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let message = app.slack.post_as(&channel, "U0BOB", "after the outage");
    assert_acked(&[&app.event(&app.slack.react(&channel, &message, "U0CAROL", "pushpin")).await]);
    wait_for_pins(&app, 3).await;
    app.slack.assert_faithful();
}

async fn without_redis_one_process_handles_each_retry_once(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    assert_eq!(readiness(&app).await, (200, json!({ "status": "ready", "store": "ok", "redis": "not configured" })));
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    let (asked_before, counted_before) = (permalinks_asked(&app), redeliveries(&app, "events_api").await);
    for i in 0..5 {
        let message = app.slack.post_as(&channel, "U0BOB", &format!("clue {i}"));
        let pin = app.slack.react(&channel, &message, "U0CAROL", "pushpin");
        let (a, b, c) = tokio::join!(app.event(&pin), app.event_retry(&pin, 1), app.event_retry(&pin, 2));
        assert_acked(&[&a, &b, &c]);
    }
    wait_for_pins(&app, 5).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(permalinks_asked(&app) - asked_before, 5, "{}", app.slack.dump_calls());
    assert!(redeliveries(&app, "events_api").await - counted_before >= 10.0);
    app.slack.assert_faithful();
}

on_both_backends!(
    with_redis_down_events_are_acked_and_recorded_and_readiness_is_degraded,
    without_redis_one_process_handles_each_retry_once,
);
