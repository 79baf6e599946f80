//! `kill -9` of the replica running a remediation: another replica on the same Postgres finds
//! its lease lapsed, marks the run interrupted (outcome unknown) once, says so in the incident
//! channel once, and never runs the action again; the container restarted at most once.

use std::time::Duration;

use firebreak::adapters::docker::bollard::query_parameters::LogsOptionsBuilder;
use firebreak::adapters::docker::bollard::Docker;
use firebreak::adapters::docker::DockerHost;
use firebreak_commands::remediation::lease::INTERRUPTED;
use firebreak_commands::remediation::request::RequestState;
use firebreak_tests::backend::Backend;
use firebreak_tests::containers::{docker_engine, restart_runbook, start, unique, Cleanup};
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::spawn::BOT_TOKEN;
use firebreak_tests::spawn_replica::{spawn_replica_process, ReplicaSetup};
use futures_util::StreamExt;

use crate::faults_targets::{request, request_state, started_at, until, PATIENCE};

/// Lease (45 s) + one lease round (15 s) + margin for a loaded machine.
const INTERRUPT_LIMIT: Duration = Duration::from_secs(120);
/// One lease round of every live replica, and a little more.
const ONE_MORE_ROUND: Duration = Duration::from_secs(17);

/// How many times the container's command started (it says so on each start).
async fn starts(docker: &Docker, name: &str) -> usize {
    let options = LogsOptionsBuilder::new().stdout(true).stderr(true).build();
    let mut stream = docker.logs(name, Some(options));
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap_or_else(|e| panic!("logs of {name}: {e}")).into_bytes()));
    }
    text.lines().filter(|l| *l == "started").count()
}

/// The channel posts saying a remediation was interrupted, as Slack received them.
fn interrupted_posts(slack: &FakeSlack, channel: &str) -> usize {
    let said = |text: &str| text.contains("was interrupted") && text.contains("state unknown");
    slack
        .calls_to("chat.postMessage")
        .iter()
        .filter(|c| c.args["channel"].as_str() == Some(channel) && said(c.args["text"].as_str().unwrap_or_default()))
        .count()
}

/// Postgres only: replicas share Postgres (SQLite is one process's file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_mid_remediation_is_reported_interrupted_once_and_never_rerun() {
    let host = DockerHost::from_environment();
    let Some(docker) = docker_engine(&host).await else { return };
    let Some(database_url) = Backend::Postgres.fresh_database_url().await else { return };
    // A container that ignores SIGTERM: `docker restart` waits its 10 s stop timeout, so A is
    // still running the action when it is killed.
    let (mut cleanup, container) = (Cleanup::default(), unique("kill"));
    start(docker, &mut cleanup, &container, "echo started; trap '' TERM; while true; do sleep 1; done", |_| {}).await;
    until("the container's first start", PATIENCE, || async { starts(docker, &container).await == 1 }).await;
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let config = restart_runbook(&container);
    let setup = ReplicaSetup { database_url: &database_url, slack: &slack, redis_url: None, config: Some(&config), kube_url: None };
    let mut a = spawn_replica_process(setup).await;
    let b = spawn_replica_process(setup).await;

    let channel = a.app.declare("U0ALICE", "start sev2 web is down").await;
    let incident = a.app.open_incidents().await.remove(0).id;
    let (ack, _) = a.app.slash("U0ALICE", &channel, "fix restart-web").await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    slack.wait_for("the approval card", |s| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("Approval needed")))).await;
    let (ack, _) = a.app.click("U0BOB", &channel, "fix_approve", &format!("{incident}:1")).await;
    assert_eq!(ack.status, 200, "the approval was not acknowledged: {}", ack.body);
    until("A running the restart", PATIENCE, || async { request_state(&a.app, 1).await == Some(RequestState::Running) }).await;
    // Started on the timeline too (just before the action): A is now in the 10 s restart.
    until("the run on the timeline", PATIENCE, || async { a.app.store_timeline(incident).await.contains(&"remediation_started".to_owned()) }).await;

    a.kill();
    until("B reporting the run interrupted", INTERRUPT_LIMIT, || async { request_state(&b.app, 1).await == Some(RequestState::Interrupted) }).await;
    let interrupted = request(&b.app, 1).await.unwrap_or_else(|| panic!("request #1"));
    assert_eq!(interrupted.result.as_deref(), Some(INTERRUPTED));
    until("the channel being told", PATIENCE, || async { interrupted_posts(&slack, &channel) >= 1 }).await;
    // By now (the lease lapsed 45 s after A died) Docker has long finished the restart A asked
    // for, or dropped it with A's connection: started once or twice, not more.
    let started = starts(docker, &container).await;
    assert!((1..=2).contains(&started), "the container started {started} times");
    let restarted_at = started_at(docker, &container).await;

    // Another round of B's (and a replica starting up) changes nothing: reported once, not re-run.
    let c = spawn_replica_process(setup).await;
    tokio::time::sleep(ONE_MORE_ROUND).await;
    assert_eq!(interrupted_posts(&slack, &channel), 1, "the interruption was posted more than once:\n{}", slack.dump_calls());
    assert_eq!(request_state(&c.app, 1).await, Some(RequestState::Interrupted));
    assert_eq!(starts(docker, &container).await, started, "the container was restarted again");
    assert_eq!(started_at(docker, &container).await, restarted_at, "the container was restarted again");
    let timeline = b.app.store_timeline(incident).await;
    assert_eq!(timeline.iter().filter(|k| *k == "remediation_interrupted").count(), 1, "{timeline:?}");
    assert_eq!(timeline.iter().filter(|k| *k == "remediation_started").count(), 1, "{timeline:?}");
    assert!(!timeline.contains(&"remediation_finished".to_owned()), "{timeline:?}");
    slack.assert_faithful();
}
