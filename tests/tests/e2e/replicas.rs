//! Several real `firebreak` processes on one Postgres and Redis, as behind a load balancer: a
//! replica starting up leaves alone the remediation another one is running (leases), and with
//! every event sent to both replicas and one killed `-9` mid-stream — even mid-handling —
//! nothing is lost or doubled (claim-then-complete de-duplication).

use std::time::{Duration, Instant};

use firebreak_commands::ids::IncidentId;
use firebreak_commands::ports::RemediationStore;
use firebreak_commands::remediation::request::{RequestId, RequestState};
use firebreak_tests::backend::Backend;
use firebreak::adapters::docker::DockerHost;
use firebreak_tests::containers::{docker_engine, restart_runbook, start, unique, Cleanup};
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::redis_server::shared_redis_url;
use firebreak_tests::spawn::{TestApp, BOT_TOKEN};
use firebreak_tests::spawn_replica::{deliver_until_acked, post_event_to, spawn_replica_process, ReplicaSetup};
use firebreak_tests::timeline_lock::TimelineLock;
use serde_json::{json, Value};

async fn request_state(app: &TestApp) -> Option<RequestState> {
    app.store.request(RequestId(1)).await.unwrap_or_else(|e| panic!("{e}")).map(|r| r.state)
}

async fn wait_for_state(app: &TestApp, state: RequestState) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while request_state(app).await != Some(state) {
        assert!(Instant::now() < deadline, "request #1 never became {state:?}: {:?}", request_state(app).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn said_interrupted(slack: &FakeSlack, channel: &str) -> bool {
    slack.channel(channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("state unknown")))
}

/// Postgres only: replicas share Postgres (SQLite is one process's file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_starting_while_another_runs_a_remediation_leaves_the_run_alone() {
    let host = DockerHost::from_environment();
    let Some(docker) = docker_engine(&host).await else { return };
    let Some(database_url) = Backend::Postgres.fresh_database_url().await else { return };
    // A container that ignores SIGTERM: `docker restart` waits its 10 s stop timeout, so the
    // run stays `running` that long.
    let (mut cleanup, container) = (Cleanup::default(), unique("lease"));
    start(docker, &mut cleanup, &container, "trap '' TERM; while true; do sleep 1; done", |_| {}).await;
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let config = restart_runbook(&container);
    let setup = ReplicaSetup { database_url: &database_url, slack: &slack, redis_url: None, config: Some(&config), kube_url: None };
    let a = spawn_replica_process(setup).await;
    let channel = a.app.declare("U0ALICE", "start sev1 web is down").await;
    let incident = a.app.open_incidents().await.remove(0);
    a.app.click("U0ALICE", &channel, "fix_request.restart-web", &incident.id.to_string()).await;
    slack.wait_for("the approval card", |s| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("Approval needed")))).await;
    a.app.click("U0BOB", &channel, "fix_approve", &format!("{}:1", incident.id)).await;
    wait_for_state(&a.app, RequestState::Running).await;

    // Replica B starts (its first lease round runs at start-up) while A restarts the container.
    let b = spawn_replica_process(setup).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(request_state(&b.app).await, Some(RequestState::Running), "B interrupted A's run:\n{}", b.log());
    assert!(!said_interrupted(&slack, &channel));

    wait_for_state(&a.app, RequestState::Succeeded).await;
    // The run's state moves first, its `remediation_finished` event is recorded just after.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut timeline = a.app.store_timeline(incident.id).await;
    while !timeline.contains(&"remediation_finished".to_owned()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        timeline = a.app.store_timeline(incident.id).await;
    }
    assert!(timeline.contains(&"remediation_finished".to_owned()) && !timeline.contains(&"remediation_interrupted".to_owned()), "{timeline:?}");
    assert!(!said_interrupted(&slack, &channel));
    slack.assert_faithful();
}

/// Each delivery reaches every replica (a load balancer fanning out, Slack retrying).
async fn deliver_to_all(replicas: &[&TestApp], envelope: &Value) {
    let copies = (0..replicas.len()).map(|first| deliver_until_acked(replicas, envelope, first));
    futures_util::future::join_all(copies).await;
}

/// A message by a person and its 📌, with an event id unique across runs (Redis outlives them).
fn pin(slack: &FakeSlack, channel: &str, i: usize) -> Value {
    let message = slack.post_as(channel, "U0BOB", &format!("clue {i}"));
    let mut envelope = slack.react(channel, &message, "U0CAROL", "pushpin");
    envelope["event_id"] = json!(format!("Ev{}", uuid::Uuid::new_v4().simple()));
    envelope
}

async fn pins_recorded(app: &TestApp, incident: IncidentId) -> usize {
    app.store_timeline(incident).await.iter().filter(|kind| *kind == "message_pinned").count()
}

/// The bot's messages as the fake recorded them: (channel, text) of each `chat.postMessage`.
fn bot_posts(slack: &FakeSlack) -> Vec<(String, String)> {
    let text = |args: &Value, key: &str| args[key].as_str().unwrap_or_default().to_owned();
    slack.calls_to("chat.postMessage").iter().map(|call| (text(&call.args, "channel"), text(&call.args, "text"))).collect()
}

/// Postgres only, like the test above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_lose_and_double_nothing_when_one_is_killed_mid_stream() {
    let Some(redis_url) = shared_redis_url() else { return };
    let Some(database_url) = Backend::Postgres.fresh_database_url().await else { return };
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let setup = ReplicaSetup { database_url: &database_url, slack: &slack, redis_url: Some(&redis_url), config: None, kube_url: None };
    let mut a = spawn_replica_process(setup).await;
    let b = spawn_replica_process(setup).await;
    let channel = b.app.declare("U0ALICE", "start sev2 checkout errors").await;
    let incident = b.app.open_incidents().await.remove(0).id;

    for i in 0..8 {
        deliver_to_all(&[&a.app, &b.app], &pin(&slack, &channel, i)).await;
    }

    // A takes the next pin and is killed -9 in the middle of handling it: the timeline is
    // locked, so A has claimed it and looked it up in Slack but cannot record it.
    let mid = pin(&slack, &channel, 8);
    let lock = TimelineLock::take(&database_url).await;
    let looked_up = slack.calls_to("conversations.history").len();
    let to_a = {
        let (http, base_url, mid) = (a.app.http.clone(), a.app.base_url.clone(), mid.clone());
        tokio::spawn(async move { post_event_to(&http, &base_url, &mid).await })
    };
    slack.wait_for("A handling the pin", |s| s.calls_to("conversations.history").len() > looked_up).await;
    let blocked = lock.waiter("A").await;
    a.kill();
    let _ = to_a.await;
    // A dead process's statement dies with its connection; Postgres would notice only once the
    // lock is granted, so the test ends A's waiting session itself, as the crash would have.
    lock.terminate(blocked).await;
    lock.release().await;
    // The load balancer's copy to B: answered 503 while A's claim lives, handled once it lapsed.
    deliver_until_acked(&[&b.app, &a.app], &mid, 0).await;

    // The rest of the stream: A's copies fail and go to B.
    for i in 9..16 {
        deliver_to_all(&[&a.app, &b.app], &pin(&slack, &channel, i)).await;
    }

    let deadline = Instant::now() + Duration::from_secs(30);
    while pins_recorded(&b.app, incident).await < 16 {
        assert!(Instant::now() < deadline, "pins lost: {} of 16 recorded\n{}", pins_recorded(&b.app, incident).await, slack.dump_calls());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(pins_recorded(&b.app, incident).await, 16, "every pin once");
    let posts = bot_posts(&slack);
    let mut unique = posts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(posts.len(), unique.len(), "a bot message was doubled: {posts:#?}");
    slack.assert_faithful();
}
