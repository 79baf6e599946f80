//! Kubernetes and Docker unreachable, end to end: the real `firebreak serve` process, the fake
//! Slack, the fake Kubernetes API and the real Docker engine, each target behind a `CutProxy`
//! (the shared dockerd is never stopped). During diagnostics the summary says which checks could
//! not reach their target and still reports the others; during a remediation the request ends
//! failed, the card says the target was unreachable and nothing was changed, nothing was
//! written, nothing runs again by itself, and a new request works once the target is back.
//! Postgres only: the test reads the store while the replica process writes it.

use std::future::Future;
use std::time::{Duration, Instant};

use firebreak::adapters::docker::bollard::query_parameters::InspectContainerOptions;
use firebreak::adapters::docker::bollard::Docker;
use firebreak::adapters::docker::DockerHost;
use firebreak_commands::ids::IncidentId;
use firebreak_commands::ports::RemediationStore;
use firebreak_commands::remediation::request::{RemediationRequest, RequestId, RequestState};
use firebreak_tests::backend::Backend;
use firebreak_tests::containers::{docker_engine, restart_runbook, start, unique, Cleanup};
use firebreak_tests::cut_proxy::CutProxy;
use firebreak_tests::fake_kube::{deployment, pod, FakeKube, RecordedRequest};
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::spawn::{TestApp, BOT_TOKEN};
use firebreak_tests::spawn_replica::{spawn_replica_process_with_env, ReplicaProcess, ReplicaSetup};
use serde_json::Value;

/// How long a step may take on a loaded two-core machine (a refused connection fails at once).
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// Polls `cond` every 100 ms until it holds; panics naming `what` after `limit`.
pub(crate) async fn until<F, Fut>(what: &str, limit: Duration, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !cond().await {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The container's `StartedAt`.
pub(crate) async fn started_at(docker: &Docker, name: &str) -> String {
    let inspect = docker.inspect_container(name, None::<InspectContainerOptions>).await.unwrap_or_else(|e| panic!("inspect {name}: {e}"));
    inspect.state.and_then(|s| s.started_at).unwrap_or_default()
}

pub(crate) async fn request(app: &TestApp, id: i64) -> Option<RemediationRequest> {
    app.store.request(RequestId(id)).await.unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) async fn request_state(app: &TestApp, id: i64) -> Option<RequestState> {
    request(app, id).await.map(|r| r.state)
}

/// Waits until request `id` is in a final state; returns it.
async fn settled_request(app: &TestApp, id: i64) -> RemediationRequest {
    until(&format!("request #{id} to settle"), PATIENCE, || async { request_state(app, id).await.is_some_and(RequestState::is_final) }).await;
    request(app, id).await.unwrap_or_else(|| panic!("request #{id} vanished"))
}

/// Kubernetes writes that change something (server-side dry runs change nothing).
fn real_writes(fake: &FakeKube) -> Vec<RecordedRequest> {
    fake.requests().into_iter().filter(|r| r.is_write() && r.query_value("dryRun").is_none()).collect()
}

/// The diagnostics summaries of runbook `runbook` in `channel` so far, as rendered blocks.
fn summaries(slack: &FakeSlack, channel: &str, runbook: &str) -> Vec<String> {
    let title = format!("Diagnostics `{runbook}`:");
    let messages = slack.channel(channel).map(|c| c.messages).unwrap_or_default();
    messages.iter().filter(|m| m.text.starts_with(&title)).map(|m| m.blocks.to_string()).collect()
}

/// Waits for summary number `n` (1-based) of `runbook` and returns it.
async fn nth_summary(slack: &FakeSlack, channel: &str, runbook: &str, n: usize) -> String {
    until(&format!("diagnostics summary #{n}"), PATIENCE, || async { summaries(slack, channel, runbook).len() >= n }).await;
    summaries(slack, channel, runbook).remove(n - 1)
}

/// `/incident diag <runbook>` in the channel: acknowledged at once, before any check ran.
async fn diag(app: &TestApp, channel: &str, runbook: &str) {
    let (ack, _) = app.slash("U0ALICE", channel, &format!("diag {runbook}")).await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    assert!(ack.text().contains("Working on"), "{}", ack.body);
}

/// Alice asks for remediation number `n` (`restart-web`); Bob approves it once its card is up.
/// Returns the approve click's `response_url`, where the card is replaced with the outcome.
async fn request_and_approve(app: &TestApp, channel: &str, incident: IncidentId, n: i64) -> String {
    let (ack, _) = app.slash("U0ALICE", channel, "fix restart-web").await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    let card = format!("Approval needed for remediation #{n}:");
    until("the approval card", PATIENCE, || async {
        app.slack.channel(channel).is_some_and(|c| c.messages.iter().any(|m| m.text.starts_with(&card)))
    })
    .await;
    let (ack, url) = app.click("U0BOB", channel, "fix_approve", &format!("{incident}:{n}")).await;
    assert_eq!(ack.status, 200, "the approval was not acknowledged: {}", ack.body);
    url
}

/// The last card posted through `url` (the approval card replaced in place), as text.
async fn final_card(slack: &FakeSlack, url: &str) -> String {
    until("the settled card", PATIENCE, || async {
        slack.responses(url).iter().any(|r| r.to_string().contains("Succeeded") || r.to_string().contains("Failed"))
    })
    .await;
    slack.responses(url).last().map(Value::to_string).unwrap_or_default()
}

fn kube_runbook() -> String {
    r#"
[[runbooks]]
name = "web"
description = "web is down"
services = ["web"]

[[runbooks.checks]]
name = "web pods"
kind = "k8s_pods"
namespace = "default"
selector = "app=web"

[[runbooks.checks]]
name = "web deployment"
kind = "k8s_deployment"
namespace = "default"
deployment = "web"

[[runbooks.actions]]
name = "restart-web"
kind = "k8s_rollout_restart"
namespace = "default"
deployment = "web"
approvers = ["U0BOB"]
"#
    .to_owned()
        + DISK_CHECK
}

/// A check of the runner's own disk that always passes: the one that must keep reporting
/// while the cluster or the engine is cut off.
const DISK_CHECK: &str = r#"
[[runbooks.checks]]
name = "disk space"
kind = "disk"
paths = ["/"]
warn_free_percent = 1
fail_free_percent = 1
"#;

/// A fake cluster with a healthy `web` Deployment and its pod, behind a proxy; the replica's
/// kubeconfig names the proxy.
async fn kube_replica(database_url: &str, slack: &FakeSlack, config: &str) -> (FakeKube, CutProxy, ReplicaProcess) {
    let fake = FakeKube::start().await;
    fake.add_deployment(deployment("web", 1).build());
    fake.add_pod(pod("web-7f9c6b5d8-abcde").label("app", "web").build());
    let proxy = CutProxy::tcp(fake.url().trim_start_matches("http://")).await;
    let url = proxy.url();
    let setup = ReplicaSetup { database_url, slack, redis_url: None, config: Some(config), kube_url: Some(&url) };
    let replica = spawn_replica_process_with_env(setup, &[]).await;
    (fake, proxy, replica)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_unreachable_during_diagnostics_is_reported_and_the_other_checks_still_run() {
    let Some(database_url) = Backend::Postgres.fresh_database_url().await else { return };
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let (fake, proxy, replica) = kube_replica(&database_url, &slack, &kube_runbook()).await;
    let app = &replica.app;
    // "web" in the title: the runbook runs at start, with the cluster reachable.
    let channel = app.declare("U0ALICE", "start sev2 web is down").await;
    let first = nth_summary(&slack, &channel, "web", 1).await;
    assert!(first.contains(":white_check_mark: *web pods* — 1/1 pods ready"), "{first}");
    assert!(proxy.accepted() > 0, "the replica did not reach the cluster through the proxy");

    proxy.cut().await;
    let reached = fake.requests().len();
    diag(app, &channel, "web").await;
    let cut = nth_summary(&slack, &channel, "web", 2).await;
    for check in ["web pods", "web deployment"] {
        let line = cut.split("\\n").find(|l| l.contains(&format!("*{check}*"))).unwrap_or_else(|| panic!("no line for {check}: {cut}"));
        assert!(line.contains(":grey_question:") && line.contains("unreachable"), "{check} is not reported unreachable: {line}");
        assert!(line.contains("Kubernetes API did not answer"), "{line}");
    }
    assert!(cut.contains(":white_check_mark: *disk space*"), "the other checks still report: {cut}");
    assert!(cut.contains("1 ok · 2 could not check"), "{cut}");
    assert_eq!(fake.requests().len(), reached, "a request reached the cluster while it was cut off");

    proxy.restore().await;
    diag(app, &channel, "web").await;
    let again = nth_summary(&slack, &channel, "web", 3).await;
    assert!(again.contains(":white_check_mark: *web pods* — 1/1 pods ready"), "{again}");
    assert!(again.contains(":white_check_mark: *web deployment*"), "{again}");
    let incident = app.open_incidents().await.remove(0);
    // The summary is posted before the run lands on the timeline: wait for the third record.
    let runs = || async { app.store_timeline(incident.id).await.iter().filter(|k| *k == "diagnostics_ran").count() };
    until("three diagnostics runs on the timeline", PATIENCE, || async { runs().await >= 3 }).await;
    assert_eq!(runs().await, 3);
    slack.assert_faithful();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_unreachable_during_a_remediation_fails_it_changes_nothing_and_a_new_request_works() {
    let Some(database_url) = Backend::Postgres.fresh_database_url().await else { return };
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let (fake, proxy, replica) = kube_replica(&database_url, &slack, &kube_runbook()).await;
    let app = &replica.app;
    let channel = app.declare("U0ALICE", "start sev2 checkout is slow").await;
    let incident = app.open_incidents().await.remove(0).id;
    // The card's dry run reaches the cluster; the cluster goes away before Bob approves.
    let (ack, _) = app.slash("U0ALICE", &channel, "fix restart-web").await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    until("the approval card with its dry run", PATIENCE, || async {
        slack.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.blocks.to_string().contains("server-side dry run")))
    })
    .await;
    proxy.cut().await;
    let (ack, url) = app.click("U0BOB", &channel, "fix_approve", &format!("{incident}:1")).await;
    assert_eq!(ack.status, 200, "the approval was not acknowledged: {}", ack.body);

    let failed = settled_request(app, 1).await;
    assert_eq!(failed.state, RequestState::Failed, "{failed:?}");
    let card = final_card(&slack, &url).await;
    assert!(card.contains(":x: Failed") && card.contains("unreachable"), "{card}");
    assert!(card.contains("Kubernetes API did not answer") && card.contains("nothing was changed"), "{card}");
    assert!(real_writes(&fake).is_empty(), "the cluster was changed: {:?}", real_writes(&fake));
    let timeline = app.store_timeline(incident).await;
    assert_eq!(timeline.iter().filter(|k| *k == "remediation_finished").count(), 1, "{timeline:?}");
    assert!(!timeline.contains(&"remediation_verified".to_owned()), "{timeline:?}");

    // Back again: nothing re-runs by itself, and the person can ask again.
    proxy.restore().await;
    let url = request_and_approve(app, &channel, incident, 2).await;
    let card = final_card(&slack, &url).await;
    assert!(card.contains(":white_check_mark: Succeeded"), "{card}");
    let writes = real_writes(&fake);
    assert_eq!(writes.len(), 1, "one restart, by the second request: {writes:?}");
    assert_eq!(writes[0].path, "/apis/apps/v1/namespaces/default/deployments/web");
    assert_eq!(request_state(app, 1).await, Some(RequestState::Failed), "the failed request moved again");
    let timeline = app.store_timeline(incident).await;
    assert_eq!(timeline.iter().filter(|k| *k == "remediation_started").count(), 2, "{timeline:?}");
    slack.assert_faithful();
}

fn docker_runbook(container: &str) -> String {
    // The multi-replica tests' restart runbook, with the checks the diagnostics run.
    let checks = format!(
        r#"
[[runbooks.checks]]
name = "web container"
kind = "docker_containers"
container = "{container}"
"#
    );
    restart_runbook(container) + &checks + DISK_CHECK
}

/// Docker goes away (its socket behind a proxy that is cut) and comes back: diagnostics say the
/// engine could not be reached, an approved restart fails without restarting anything, and once
/// the engine is back both work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_unreachable_during_diagnostics_and_a_restart_is_reported_and_restarts_nothing() {
    let host = DockerHost::from_environment();
    let Some(docker) = docker_engine(&host).await else { return };
    let Some(database_url) = Backend::Postgres.fresh_database_url().await else { return };
    let (mut cleanup, container) = (Cleanup::default(), unique("fault-web"));
    start(docker, &mut cleanup, &container, "trap 'exit 0' TERM; sleep 300 & wait", |_| {}).await;
    let before = started_at(docker, &container).await;
    let proxy = CutProxy::docker_engine().await;
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let config = docker_runbook(&container);
    let setup = ReplicaSetup { database_url: &database_url, slack: &slack, redis_url: None, config: Some(&config), kube_url: None };
    let docker_host = proxy.docker_host();
    let replica = spawn_replica_process_with_env(setup, &[("DOCKER_HOST", docker_host.as_str())]).await;
    let app = &replica.app;

    let channel = app.declare("U0ALICE", "start sev2 web is down").await;
    let first = nth_summary(&slack, &channel, "web", 1).await;
    assert!(first.contains(":white_check_mark: *web container*"), "{first}");
    assert!(proxy.accepted() > 0, "the replica did not reach Docker through the proxy");

    proxy.cut().await;
    diag(app, &channel, "web").await;
    let cut = nth_summary(&slack, &channel, "web", 2).await;
    let line = cut.split("\\n").find(|l| l.contains("*web container*")).unwrap_or_else(|| panic!("no container line: {cut}"));
    assert!(line.contains(":grey_question:") && line.contains("unreachable") && line.contains("Docker engine"), "{line}");
    assert!(cut.contains(":white_check_mark: *disk space*"), "the other checks still report: {cut}");

    let incident = app.open_incidents().await.remove(0).id;
    let url = request_and_approve(app, &channel, incident, 1).await;
    let failed = settled_request(app, 1).await;
    assert_eq!(failed.state, RequestState::Failed, "{failed:?}");
    let card = final_card(&slack, &url).await;
    assert!(card.contains(":x: Failed") && card.contains("unreachable") && card.contains("nothing was changed"), "{card}");
    assert_eq!(started_at(docker, &container).await, before, "the container was restarted while Docker was unreachable");

    proxy.restore().await;
    diag(app, &channel, "web").await;
    let again = nth_summary(&slack, &channel, "web", 3).await;
    assert!(again.contains(":white_check_mark: *web container*"), "{again}");
    let url = request_and_approve(app, &channel, incident, 2).await;
    let card = final_card(&slack, &url).await;
    assert!(card.contains(":white_check_mark: Succeeded"), "{card}");
    assert_ne!(started_at(docker, &container).await, before, "the second request restarted the container");
    assert_eq!(request_state(app, 1).await, Some(RequestState::Failed), "the failed request moved again");
    let timeline = app.store_timeline(incident).await;
    assert_eq!(timeline.iter().filter(|k| *k == "remediation_started").count(), 2, "{timeline:?}");
    slack.assert_faithful();
}

/// An API server that answers every GET with `deployment` and drops the connection on any
/// other request, having read it: a write cut off in flight. Its `host:port`.
async fn drops_writes(deployment: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}")).to_string();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let deployment = deployment.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0_u8; 1];
                while stream.read(&mut byte).await.is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                    if !head.ends_with(b"\r\n\r\n") {
                        continue;
                    }
                    if !head.starts_with(b"GET ") {
                        return; // The write was received; the answer never comes.
                    }
                    let answer = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{deployment}", deployment.len());
                    if stream.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                    head.clear();
                }
            });
        }
    });
    address
}

/// Below Slack: when the connection breaks after the change was sent, Firebreak does not claim
/// that nothing changed — the outcome is unknown and it says the change may have been made.
#[tokio::test]
async fn a_kubernetes_write_cut_off_in_flight_may_have_been_made() {
    use firebreak::adapters::kube_actions::KubeActions;
    use firebreak_commands::remediation::{ActionError, ActionTarget, ClusterActions};

    let fake = FakeKube::start().await;
    fake.add_deployment(deployment("web", 1).build());
    let stored = serde_json::to_string(&fake.stored_deployment("default", "web")).unwrap_or_else(|e| panic!("{e}"));
    let server = drops_writes(stored).await;
    let actions = KubeActions::for_url(&format!("http://{server}")).unwrap_or_else(|e| panic!("{e}"));
    let restart = ActionTarget::K8sRolloutRestart { namespace: "default".into(), deployment: "web".into() };
    match actions.execute(&restart).await {
        Err(ActionError::Unanswered(why)) => {
            assert!(why.contains("patch deployments web"), "{why}");
            assert!(why.ends_with("the change may have been made: check the target before requesting it again"), "{why}");
            assert!(!why.contains("nothing was changed"), "{why}");
        }
        other => panic!("expected Unanswered, got {other:?}"),
    }
    // A dry run cut off the same way changed nothing, whatever happened to it.
    match actions.preview(&restart).await {
        Err(ActionError::Unreachable(why)) => assert!(why.contains("patch deployments web") && !why.contains("may have been made"), "{why}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }

    // Refused outright (nothing listens): nothing was changed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"));
    let refused = KubeActions::for_url(&format!("http://127.0.0.1:{port}")).unwrap_or_else(|e| panic!("{e}"));
    match refused.execute(&restart).await {
        Err(ActionError::Unreachable(why)) => assert!(why.ends_with("; nothing was changed"), "{why}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
}
