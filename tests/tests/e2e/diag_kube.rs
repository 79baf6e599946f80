//! Kubernetes diagnostics end to end: the real kubectl against the fake API server (the proof the
//! fake is faithful), `KubeCluster` against the fake, and whole checks through `evaluate`.

use std::sync::Arc;
use std::time::Duration;

use firebreak::adapters::kube::KubeCluster;
use firebreak_commands::diagnostics::evaluate::evaluate;
use firebreak_commands::diagnostics::spec::{LabelSelector, LogPattern};
use firebreak_commands::diagnostics::{CheckSpec, CheckTarget, Cluster, DiagnosticPorts, Outcome, ProbeError};
use firebreak_commands::testing::diagnostics::FakeTargets;
use firebreak_tests::kubectl::Kubectl;
use firebreak_tests::fake_kube::{FakeKube, deployment, event, pod};
use jiff::Timestamp;

const APP: &str = "app=nerf-edge-kit";

fn selector() -> LabelSelector {
    LabelSelector::parse(APP).expect("valid selector")
}

// ---- the real kubectl against the fake ----

fn seed(fake: &FakeKube) {
    fake.add_pod(pod("nerf-edge-kit-7f9c6b5d8-abcde").label("app", "nerf-edge-kit").container("edge", "nerf/edge-kit:2.1").build());
    fake.add_pod(pod("nerf-edge-kit-7f9c6b5d8-fghij").label("app", "nerf-edge-kit").container("edge", "nerf/edge-kit:2.1").crash_loop(7).build());
    fake.add_pod(pod("redis-0").label("app", "redis").build());
    fake.set_logs("nerf-edge-kit-7f9c6b5d8-abcde", "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nGET /health 200\n");
    fake.set_logs("nerf-edge-kit-7f9c6b5d8-fghij", "boot\nFATAL: OutOfMemory allocating texture\n");
    fake.add_deployment(deployment("nerf-web", 3).replicas(3, 2, 2).build());
}

#[tokio::test]
async fn real_kubectl_lists_pods_from_the_fake() {
    let fake = FakeKube::start().await;
    seed(&fake);
    let Some(kubectl) = Kubectl::new(&fake) else { return };
    let (code, out, err) = kubectl.run(&["get", "pods", "-l", APP, "-n", "default"]).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].split_whitespace().eq(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]), "{out}");
    let row = |name: &str| lines.iter().find(|l| l.starts_with(name)).map(|l| l.split_whitespace().take(4).collect::<Vec<_>>());
    assert_eq!(row("nerf-edge-kit-7f9c6b5d8-abcde"), Some(vec!["nerf-edge-kit-7f9c6b5d8-abcde", "1/1", "Running", "0"]), "{out}");
    assert_eq!(row("nerf-edge-kit-7f9c6b5d8-fghij"), Some(vec!["nerf-edge-kit-7f9c6b5d8-fghij", "0/1", "CrashLoopBackOff", "7"]), "{out}");
    assert!(!out.contains("redis-0"), "the label selector must filter: {out}");
    let listed = fake.requests().into_iter().find(|r| r.path == "/api/v1/namespaces/default/pods").expect("kubectl listed pods");
    assert_eq!(listed.query_value("labelSelector"), Some(APP));
    assert!(listed.accept.as_deref().is_some_and(|a| a.contains("as=Table")), "{listed:?}");
}

#[tokio::test]
async fn real_kubectl_reads_logs_by_label_from_the_fake() {
    let fake = FakeKube::start().await;
    seed(&fake);
    let Some(kubectl) = Kubectl::new(&fake) else { return };
    let (code, out, err) = kubectl.run(&["logs", "-l", APP, "--tail=5", "-n", "default"]).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    for line in ["line 3", "line 6", "GET /health 200", "FATAL: OutOfMemory allocating texture"] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in {out}");
    }
    assert!(!out.lines().any(|l| l == "line 2"), "--tail=5 must cut earlier lines: {out}");
    let log_requests: Vec<_> = fake.requests().into_iter().filter(|r| r.path.ends_with("/log")).collect();
    assert_eq!(log_requests.len(), 2, "{log_requests:?}");
    assert!(log_requests.iter().all(|r| r.query_value("tailLines") == Some("5") && r.query_value("container") == Some("edge")));
}

#[tokio::test]
async fn real_kubectl_shows_the_deployment_from_the_fake() {
    let fake = FakeKube::start().await;
    seed(&fake);
    let Some(kubectl) = Kubectl::new(&fake) else { return };
    let (code, out, err) = kubectl.run(&["get", "deployment", "nerf-web", "-n", "default"]).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], "{out}");
    assert_eq!(lines[1][..4], ["nerf-web", "2/3", "3", "2"], "{out}");

    let (code, _, err) = kubectl.run(&["get", "deployment", "missing", "-n", "default"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("deployments.apps \"missing\" not found"), "{err}");
}

// ---- KubeCluster against the fake ----

#[tokio::test]
async fn kube_cluster_reads_facts_from_the_fake() {
    let fake = FakeKube::start().await;
    seed(&fake);
    fake.add_deployment(
        deployment("nerf-api", 2).resources(&[("memory", "512Mi"), ("cpu", "1")], &[("cpu", "250m")]).generation(4, 3).build(),
    );
    let now = Timestamp::now();
    let minute = jiff::SignedDuration::from_mins(1);
    fake.add_event(event("Warning", "Pod", "nerf-edge-kit-7f9c6b5d8-fghij", "BackOff", "Back-off restarting failed container", 7, now - minute));
    fake.add_event(event("Normal", "Pod", "nerf-edge-kit-7f9c6b5d8-abcde", "Pulled", "Pulled image", 1, now));
    fake.add_event(event("Warning", "Pod", "nerf-edge-kit-7f9c6b5d8-abcde", "Unhealthy", "Readiness probe failed", 2, now));
    let cluster = KubeCluster::for_url(fake.url()).expect("client");

    let pods = cluster.pods("default", &selector()).await.expect("pods");
    assert_eq!(pods.len(), 2);
    let crashing = pods.iter().find(|p| p.name.ends_with("fghij")).expect("crashing pod");
    assert_eq!(crashing.phase, "Running");
    assert!(!crashing.ready);
    assert_eq!(crashing.node.as_deref(), Some("gpu-node-1"));
    assert!(crashing.started_at.is_some());
    assert_eq!(crashing.containers[0].waiting_reason.as_deref(), Some("CrashLoopBackOff"));
    assert_eq!(crashing.containers[0].restarts, 7);
    assert_eq!(crashing.containers[0].last_termination_reason.as_deref(), Some("Error"));
    assert_eq!(crashing.containers[0].last_exit_code, Some(1));
    assert!(pods.iter().any(|p| p.ready && p.containers[0].ready));

    let api = cluster.deployment("default", "nerf-api").await.expect("deployment");
    assert_eq!((api.desired, api.updated, api.available, api.generation, api.observed_generation), (2, 2, 2, 4, 3));
    assert_eq!(api.containers[0].limits.get("memory").map(String::as_str), Some("512Mi"));
    assert_eq!(api.containers[0].requests.get("cpu").map(String::as_str), Some("250m"));
    assert_eq!(api.conditions.get("Available").map(|c| c.0.as_str()), Some("True"));

    let events = cluster.warning_events("default").await.expect("events");
    assert_eq!(events.iter().map(|e| e.reason.as_str()).collect::<Vec<_>>(), ["Unhealthy", "BackOff"], "newest first, Warning only");
    assert_eq!(events[1].count, 7);
    let listed = fake.requests().into_iter().find(|r| r.path.ends_with("/events")).expect("events listed");
    assert_eq!(listed.query_value("fieldSelector"), Some("type=Warning"));

    let logs = cluster.pod_logs("default", "nerf-edge-kit-7f9c6b5d8-abcde", 2).await.expect("logs");
    assert_eq!(logs, ["line 6", "GET /health 200"]);
    let log_request = fake.requests().into_iter().rev().find(|r| r.path.ends_with("/log")).expect("log request");
    assert_eq!((log_request.query_value("container"), log_request.query_value("tailLines")), (Some("edge"), Some("2")));
}

#[tokio::test]
async fn kube_cluster_maps_errors() {
    let fake = FakeKube::start().await;
    let cluster = KubeCluster::for_url(fake.url()).expect("client");
    let missing = cluster.deployment("default", "nerf-web").await;
    assert_eq!(missing, Err(ProbeError::NotFound("deployments nerf-web in namespace default".into())));

    fake.deny("pods");
    match cluster.pods("default", &selector()).await {
        Err(ProbeError::Forbidden(why)) => assert!(why.contains("`list` on `pods`"), "{why}"),
        other => panic!("expected Forbidden, got {other:?}"),
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let stopped = KubeCluster::for_url(&format!("http://127.0.0.1:{port}")).expect("client");
    match stopped.warning_events("default").await {
        Err(ProbeError::Unreachable(why)) => assert!(why.contains("list events"), "{why}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

// ---- whole checks through evaluate ----

fn ports(fake: &FakeKube) -> DiagnosticPorts {
    let cluster: Arc<dyn Cluster> = Arc::new(KubeCluster::for_url(fake.url()).expect("client"));
    // The other ports are the commands crate's fakes, which answer "not configured".
    let others = Arc::new(FakeTargets::default());
    DiagnosticPorts { cluster, containers: others.clone(), gpus: others.clone(), probes: others }
}

async fn check(fake: &FakeKube, target: CheckTarget) -> firebreak_commands::diagnostics::result::Verdict {
    let spec = CheckSpec { name: "kube".into(), timeout: Duration::from_secs(10), target };
    evaluate(&ports(fake), &spec, Timestamp::now()).await
}

fn pods_target() -> CheckTarget {
    CheckTarget::K8sPods { namespace: "default".into(), selector: selector() }
}

#[tokio::test]
async fn crash_looping_pod_fails_the_pods_check() {
    let fake = FakeKube::start().await;
    seed(&fake);
    let verdict = check(&fake, pods_target()).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.contains("nerf-edge-kit-7f9c6b5d8-fghij (edge: CrashLoopBackOff)"), "{}", verdict.summary);
}

#[tokio::test]
async fn oom_killed_restart_fails_naming_oomkilled() {
    let fake = FakeKube::start().await;
    fake.add_pod(pod("nerf-edge-kit-1").label("app", "nerf-edge-kit").oom_killed(2).build());
    let verdict = check(&fake, pods_target()).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.contains("OOMKilled"), "{}", verdict.summary);
    assert!(verdict.details[0].contains("last exit OOMKilled (137)"), "{:?}", verdict.details);
}

#[tokio::test]
async fn healthy_pods_and_deployment_are_ok() {
    let fake = FakeKube::start().await;
    for name in ["nerf-edge-kit-a", "nerf-edge-kit-b", "nerf-edge-kit-c"] {
        fake.add_pod(pod(name).label("app", "nerf-edge-kit").build());
    }
    fake.add_deployment(deployment("nerf-web", 3).resources(&[("memory", "1Gi")], &[]).build());
    let verdict = check(&fake, pods_target()).await;
    assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "3/3 pods ready"), "{verdict:?}");
    let verdict = check(&fake, CheckTarget::K8sDeployment { namespace: "default".into(), name: "nerf-web".into() }).await;
    assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "3/3 available"), "{verdict:?}");
    let events = CheckTarget::K8sEvents { namespace: "default".into(), objects: vec!["nerf".into()], since: Duration::from_secs(900) };
    assert_eq!(check(&fake, events).await.outcome, Outcome::Ok);
}

#[tokio::test]
async fn stuck_rollout_fails_the_deployment_check() {
    let fake = FakeKube::start().await;
    fake.add_deployment(deployment("nerf-web", 3).replicas(1, 2, 2).generation(5, 5).progress_deadline_exceeded().build());
    let verdict = check(&fake, CheckTarget::K8sDeployment { namespace: "default".into(), name: "nerf-web".into() }).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.starts_with("rollout stuck"), "{}", verdict.summary);
    assert!(verdict.details.iter().any(|l| l.contains("no memory limit")), "{:?}", verdict.details);
    let missing = check(&fake, CheckTarget::K8sDeployment { namespace: "default".into(), name: "gone".into() }).await;
    assert_eq!(missing.outcome, Outcome::Error);
}

#[tokio::test]
async fn log_patterns_are_highlighted_and_quoted() {
    let fake = FakeKube::start().await;
    seed(&fake);
    let target = CheckTarget::K8sLogs { namespace: "default".into(), selector: selector(), tail: 100, patterns: LogPattern::seed_defaults() };
    let verdict = check(&fake, target).await;
    assert_eq!(verdict.outcome, Outcome::Warn, "{verdict:?}");
    assert!(verdict.summary.starts_with("out of memory ×1 in 9 lines from 2 pods"), "{}", verdict.summary);
    assert!(
        verdict.details.contains(&"nerf-edge-kit-7f9c6b5d8-fghij: [out of memory] FATAL: OutOfMemory allocating texture".to_owned()),
        "{:?}",
        verdict.details
    );
}

#[tokio::test]
async fn warning_events_fail_when_serious() {
    let fake = FakeKube::start().await;
    fake.add_event(event("Warning", "Pod", "nerf-edge-kit-1", "BackOff", "Back-off restarting failed container", 4, Timestamp::now()));
    let target = CheckTarget::K8sEvents { namespace: "default".into(), objects: vec!["nerf-edge-kit".into()], since: Duration::from_secs(900) };
    let verdict = check(&fake, target).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.contains("BackOff ×4"), "{}", verdict.summary);
}
