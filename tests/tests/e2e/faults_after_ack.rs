//! A pin whose recording fails *after* Slack was acked (the database held a lock past the ack
//! budget, then dropped the connection) is recorded by Firebreak's own retry: Slack got its 200
//! and will not deliver the event again.

use std::time::{Duration, Instant};

use firebreak_commands::ids::IncidentId;
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::spawn::spawn_app;
use firebreak_tests::spawn_replica::post_event_to;
use firebreak_tests::timeline_lock::TimelineLock;

async fn pins_recorded(app: &firebreak_tests::spawn::TestApp) -> usize {
    app.store_timeline(IncidentId(1)).await.iter().filter(|kind| *kind == "message_pinned").count()
}

/// Postgres only: the test needs another session's lock and `pg_terminate_backend`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_that_fails_after_its_ack_is_recorded_by_a_retry() {
    let Some(app) = spawn_app(Backend::Postgres, Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;
    let message = app.slack.post_as(&channel, "U0BOB", "the clue");
    let pin = app.slack.react(&channel, &message, "U0CAROL", "pushpin");

    // Another session holds the timeline: the pin's INSERT waits past the ack budget.
    let lock = TimelineLock::take(&app.database_url).await;
    let delivery = {
        let (http, base_url, pin) = (app.http.clone(), app.base_url.clone(), pin.clone());
        tokio::spawn(async move { post_event_to(&http, &base_url, &pin).await })
    };
    let blocked = lock.waiter("the pin").await;
    assert_eq!(delivery.await.expect("no panic"), Some(200), "Slack is acked in time, the pin not yet recorded");

    // The waiting statement's connection is dropped (as a failover or an operator would), the
    // lock goes: only Firebreak itself can still record the pin.
    lock.terminate(blocked).await;
    lock.release().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while pins_recorded(&app).await < 1 {
        assert!(Instant::now() < deadline, "the pin acked before its recording failed was lost; calls:\n{}", app.slack.dump_calls());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(pins_recorded(&app).await, 1, "recorded once");
    app.slack.assert_faithful();
}
