//! Postgres crashed (immediate shutdown) and restarted under a running Firebreak, with Slack
//! traffic during the outage. What Firebreak does while its database is down:
//!
//! - every Slack request is answered within Slack's 3 s: a dead database fails an operation
//!   after the pool's 1.5 s acquire timeout instead of sqlx's default 30 s;
//! - a slash command says so, in its ack (or, past the ack budget, through its `response_url`):
//!   "Firebreak cannot reach its database right now, so this was not recorded. Please try
//!   again in a moment"; `start` stores the incident before creating its channel, so no
//!   channel is created for an incident that could not be saved;
//! - a button click is acked (empty 200) and the clicker gets the same message through the
//!   `response_url`: answers that the outbox cannot store are sent directly, once;
//! - an Events API delivery is answered 503 so that Slack retries it (`X-Slack-Retry-Num`,
//!   after about a minute, then five): acknowledging it with a 200 would lose it, and a retry
//!   after the outage is recorded once. Retrying beats buffering it in memory, which a
//!   restart would lose and which another replica would not know about;
//! - `/health/ready` answers 503 `unavailable` (a replica that cannot record must not take
//!   traffic), and 200 `ready` again once the database is back;
//! - the outbox keeps everything queued before the outage and sends it afterwards in order.
//!   A post Slack took while the database went down (its answer could not be recorded) is
//!   found by its metadata and not posted again.

use std::time::{Duration, Instant};

use firebreak::outbox::NewCall;
use firebreak_commands::ids::IncidentId;
use firebreak_commands::settings::Settings;
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::postgres_server::ThrowawayPostgres;
use firebreak_tests::spawn::{launch, test_config, Answer, TestApp, BOT_TOKEN};
use serde_json::{json, Value};

/// Slack's deadline for an ack.
const SLACK_ACK_DEADLINE: Duration = Duration::from_secs(3);
/// What a person is told when the database is out of reach.
const NOT_RECORDED: &str = "cannot reach its database right now";

/// Firebreak on the throwaway server's database, with a fake Slack of its own.
async fn spawn_on(postgres: &ThrowawayPostgres) -> TestApp {
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let config = test_config(&postgres.url(), &slack, Settings::default());
    launch(&config, slack, postgres.url()).await
}

/// Sends one request and times it: the answer and how long Slack would have waited.
async fn timed<F: Future>(request: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let output = request.await;
    (output, started.elapsed())
}

fn assert_in_time(what: &str, took: Duration) {
    assert!(took < SLACK_ACK_DEADLINE, "{what} was answered after {took:?}: Slack gives up after 3 s");
}

/// Waits until the person who sent `ack` was told the database is out of reach: in the ack,
/// or (when the ack said "working on it") through the `response_url`.
async fn told_not_recorded(app: &TestApp, what: &str, ack: &Answer, response_url: &str) {
    if ack.text().contains(NOT_RECORDED) {
        return;
    }
    app.slack
        .wait_for(&format!("the database message for {what} (ack: {})", ack.body), |slack| {
            slack.responses(response_url).iter().any(|r| r["text"].as_str().is_some_and(|t| t.contains(NOT_RECORDED)))
        })
        .await;
}

async fn readiness(app: &TestApp) -> (u16, Value) {
    let answer = app.send(app.http.get(format!("{}/health/ready", app.base_url))).await;
    (answer.status, answer.json())
}

/// Polls `/health/ready` until it answers `status` (within 30 s).
async fn wait_readiness(app: &TestApp, status: &str) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, body) = readiness(app).await;
        if body["status"] == status {
            return (code, body);
        }
        assert!(Instant::now() < deadline, "readiness still {code} {body}, waiting for {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The texts of `channel`'s messages that start with `prefix`, in channel order.
fn texts_starting(slack: &FakeSlack, channel: &str, prefix: &str) -> Vec<String> {
    let channel = slack.channel(channel).unwrap_or_else(|| panic!("no channel {channel}"));
    channel.visible_messages().iter().filter(|m| m.text.starts_with(prefix)).map(|m| m.text.clone()).collect()
}

/// Every message the outbox posted, anywhere, names its row in its metadata: a row posted
/// twice shows up as a repeated id.
fn outbox_rows_posted_twice(slack: &FakeSlack) -> Vec<i64> {
    let mut ids: Vec<i64> = slack
        .channels()
        .iter()
        .flat_map(|c| c.messages.clone())
        .filter_map(|m| m.metadata.pointer("/event_payload/outbox_id").and_then(Value::as_i64))
        .collect();
    ids.sort_unstable();
    let mut twice: Vec<i64> = ids.windows(2).filter(|pair| pair[0] == pair[1]).map(|pair| pair[0]).collect();
    twice.dedup();
    twice
}

async fn timeline_count(app: &TestApp, kind: &str) -> usize {
    app.store_timeline(IncidentId(1)).await.iter().filter(|k| *k == kind).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crashing_mid_run_loses_nothing_doubles_nothing_and_tells_people() {
    let Some(mut postgres) = ThrowawayPostgres::start().await else { return };
    let app = spawn_on(&postgres).await;
    assert_eq!(readiness(&app).await.0, 200);
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    let clue = app.slack.post_as(&channel, "U0BOB", "the clue");
    let channels_before = app.slack.channels().len();

    // Four posts queued; Slack takes the first at once but answers it only after the crash.
    app.slack.answer_late_next("chat.postMessage", 1, Duration::from_secs(6));
    for n in 1..=4 {
        let call = NewCall::new(channel.clone(), "chat.postMessage", json!({ "channel": channel, "text": format!("queued {n}") }));
        app.store.enqueue(&call, jiff::Timestamp::now().as_millisecond()).await.unwrap_or_else(|e| panic!("enqueue: {e}"));
    }
    app.slack.wait_for("the first queued post", |s| texts_starting(s, &channel, "queued ") == ["queued 1"]).await;
    postgres.stop().await;

    // A command in the incident channel: acked in time, the person told, nothing recorded.
    let ((note, note_url), took) = timed(app.slash("U0BOB", &channel, "note during the outage")).await;
    assert_in_time("/incident note", took);
    assert_eq!(note.status, 200, "{}", note.body);
    told_not_recorded(&app, "/incident note", &note, &note_url).await;

    // A new incident: acked in time, told, and no channel for an incident that was not saved.
    let ((start, start_url), took) = timed(app.slash("U0CAROL", "CGENERAL", "start sev1 payments down")).await;
    assert_in_time("/incident start", took);
    assert_eq!(start.status, 200, "{}", start.body);
    told_not_recorded(&app, "/incident start", &start, &start_url).await;

    // A button on the card: acked at once (empty), the clicker told through the response_url.
    let ((click, click_url), took) = timed(app.click("U0BOB", &channel, "incident_status_set.mitigated", "1:mitigated")).await;
    assert_in_time("the status button", took);
    assert_eq!((click.status, click.body.as_str()), (200, ""));
    told_not_recorded(&app, "the status button", &click, &click_url).await;

    // A 📌: refused with a 5xx in time, so that Slack delivers it again.
    let pin = app.slack.react(&channel, &clue, "U0CAROL", "pushpin");
    let (refused, took) = timed(app.event(&pin)).await;
    assert_in_time("the pin event", took);
    assert_eq!(refused.status, 503, "an event that could not be recorded must not be acked: {}", refused.body);

    let (code, body) = readiness(&app).await;
    assert_eq!((code, &body["status"], &body["store"]), (503, &json!("unavailable"), &json!("unreachable")));

    postgres.restart().await;
    assert_eq!(wait_readiness(&app, "ready").await.0, 200);

    // Slack's retry of the refused event is recorded, once.
    let retried = app.event_retry(&pin, 1).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    let deadline = Instant::now() + Duration::from_secs(30);
    while timeline_count(&app, "message_pinned").await < 1 {
        assert!(Instant::now() < deadline, "the retried pin was not recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.event_retry(&pin, 2).await.status, 200);

    // Everything queued before the crash arrives, in order, once. (The lane's lease, taken
    // just before the crash, lapses after 30 s: that is how long the lane may wait.)
    let deadline = Instant::now() + Duration::from_secs(60);
    while texts_starting(&app.slack, &channel, "queued ").len() < 4 {
        assert!(Instant::now() < deadline, "queued posts missing after the outage:\n{}", app.slack.dump_calls());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A look for a duplicate that would come late.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(texts_starting(&app.slack, &channel, "queued "), ["queued 1", "queued 2", "queued 3", "queued 4"]);
    assert_eq!(outbox_rows_posted_twice(&app.slack), Vec::<i64>::new(), "{}", app.slack.dump_calls());

    // Nothing half-done: no second incident or channel, the status unchanged, no note.
    assert_eq!(app.slack.channels().len(), channels_before, "a channel was created for an incident that was not saved");
    let open = app.open_incidents().await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].status.key(), "investigating");
    assert_eq!(timeline_count(&app, "note").await, 0);
    assert_eq!(timeline_count(&app, "message_pinned").await, 1);

    // And the same command works again.
    let (note, note_url) = app.slash("U0BOB", &channel, "note after the outage").await;
    assert_eq!(note.status, 200, "{}", note.body);
    let deadline = Instant::now() + Duration::from_secs(30);
    while timeline_count(&app, "note").await < 1 {
        assert!(Instant::now() < deadline, "the note after the outage was not recorded: {} {:?}", note.body, app.slack.responses(&note_url));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(timeline_count(&app, "note").await, 1);
    app.slack.assert_faithful();
}
