//! A crash while Slack is down loses nothing: updates queued in the outbox during a Slack
//! outage are delivered, once each and in order, by the restarted app after the outage.

use std::time::{Duration, Instant};

use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::{FakeSlack, Throttle};
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{BOT_TOKEN, TestApp, launch, test_config};
use firebreak_tests::spawn_killable::Killable;
use sqlx::Connection as _;

/// Waits until the outbox holds a post whose arguments mention `marker`.
pub(crate) async fn wait_queued(app: &TestApp, marker: &str) {
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap_or_else(|e| panic!("raw connection: {e}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE method = 'chat.postMessage' AND args LIKE $1")
            .bind(format!("%{marker}%"))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("reading the outbox: {e}"));
        if row.0 > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the post of {marker} was never queued");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many messages of `channel` mention `marker`, and the markers in channel order.
pub(crate) fn arrived(slack: &FakeSlack, channel: &str, markers: &[String]) -> (Vec<usize>, Vec<String>) {
    let messages = slack.channel(channel).map(|c| c.visible_messages().into_iter().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let counts = markers.iter().map(|m| messages.iter().filter(|msg| msg.text.contains(m.as_str())).count()).collect();
    let order = messages.iter().filter_map(|msg| markers.iter().find(|m| msg.text.contains(m.as_str())).cloned()).collect();
    (counts, order)
}

async fn updates_queued_during_an_outage_survive_a_crash(backend: Backend) {
    let Some(database_url) = backend.fresh_database_url().await else { return };
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let config = test_config(&database_url, &slack, Settings::default());
    let mut first = Killable::spawn(config.clone(), slack.clone(), database_url.clone()).await;
    let channel = first.app.declare("U0ALICE", "start sev3 queue survives").await;
    slack.wait_for("the card pinned", |s| s.channel(&channel).is_some_and(|c| !c.pins.is_empty())).await;

    slack.throttle(Throttle::ServerError(503), None);
    let markers: Vec<String> = (1..=3).map(|n| format!("queued-{n}-during-outage")).collect();
    for marker in &markers {
        first.app.slash("U0ALICE", &channel, &format!("note {marker}")).await;
        wait_queued(&first.app, marker).await;
    }
    first.kill();
    slack.stop_throttle();
    let (counts, _) = arrived(&slack, &channel, &markers);
    assert_eq!(counts, [0, 0, 0], "nothing got through the outage before the crash");

    let _second = launch(&config, slack.clone(), database_url).await;
    let deadline = Instant::now() + Duration::from_secs(90);
    while arrived(&slack, &channel, &markers).0.contains(&0) {
        assert!(Instant::now() < deadline, "not delivered after the restart; calls:\n{}", slack.dump_calls());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (counts, order) = arrived(&slack, &channel, &markers);
    assert_eq!(counts, [1, 1, 1], "each update exactly once");
    assert_eq!(order, markers, "in the order they were made");
    slack.assert_faithful();
}

on_both_backends!(updates_queued_during_an_outage_survive_a_crash);
