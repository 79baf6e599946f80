//! Docker remediations against a real engine: `DockerActions` restarts a container and a
//! compose service (leaving one-off runs alone), and verification tells running from exited,
//! healthy from unhealthy, and reports missing containers and engines.

use std::collections::HashMap;
use std::time::Duration;

use firebreak::adapters::docker::bollard::models::{ContainerCreateBody, HealthConfig};
use firebreak::adapters::docker::bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, RemoveContainerOptionsBuilder, StartContainerOptions,
};
use firebreak::adapters::docker::bollard::Docker;
use firebreak::adapters::docker::DockerHost;
use firebreak::adapters::docker_actions::DockerActions;
use firebreak_commands::remediation::{ActionError, ActionTarget, ContainerActions};
use firebreak_tests::docker_images::{ensure_busybox_image, BUSYBOX_IMAGE};

/// A command that runs until stopped and stops at once on SIGTERM (PID 1 ignores it otherwise).
const LONG_RUNNING: &str = "trap 'exit 0' TERM; sleep 300 & wait";
const VERIFY_TIMEOUT: Duration = Duration::from_secs(20);

/// The actions, or `None` (with a notice) when no engine runs outside CI.
async fn engine() -> Option<DockerActions> {
    let host = DockerHost::from_environment();
    if let Err(error) = host.docker().await {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("no Docker engine but CI=true: {error} (use scripts/test.sh)");
        }
        eprintln!("skipping Docker remediation test: {error}");
        return None;
    }
    if let Err(error) = ensure_busybox_image(&host).await {
        panic!("could not import the busybox test image: {error:#}");
    }
    Some(DockerActions::from_environment())
}

/// Our own client for setting up and inspecting containers.
async fn client(host: &DockerHost) -> &Docker {
    host.docker().await.unwrap_or_else(|e| panic!("{e}"))
}

/// Removes (with force) every container it created, even when the test panics.
struct Cleanup {
    names: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let names = std::mem::take(&mut self.names);
        let removal = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async {
                let host = DockerHost::from_environment();
                let Ok(docker) = host.docker().await else { return };
                for name in names {
                    let options = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
                    let _ = docker.remove_container(&name, Some(options)).await;
                }
            });
        });
        let _ = removal.join();
    }
}

fn unique(prefix: &str) -> String {
    format!("fb-fix-{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Creates and starts a busybox container running `cmd`; `tweak` adds labels and health.
async fn start(docker: &Docker, cleanup: &mut Cleanup, name: &str, cmd: &str, tweak: impl FnOnce(&mut ContainerCreateBody)) {
    let mut body = ContainerCreateBody {
        image: Some(BUSYBOX_IMAGE.to_owned()),
        cmd: Some(vec!["sh".into(), "-c".into(), cmd.into()]),
        ..ContainerCreateBody::default()
    };
    tweak(&mut body);
    cleanup.names.push(name.to_owned());
    let options = CreateContainerOptionsBuilder::new().name(name).build();
    docker.create_container(Some(options), body).await.unwrap_or_else(|e| panic!("create {name}: {e}"));
    docker.start_container(name, None::<StartContainerOptions>).await.unwrap_or_else(|e| panic!("start {name}: {e}"));
}

/// The container's status and `StartedAt`.
async fn state(docker: &Docker, name: &str) -> (String, String) {
    let inspect = docker.inspect_container(name, None::<InspectContainerOptions>).await.unwrap_or_else(|e| panic!("inspect {name}: {e}"));
    let state = inspect.state.unwrap_or_default();
    (state.status.map(|s| s.to_string()).unwrap_or_default(), state.started_at.unwrap_or_default())
}

/// The `StartedAt` of `name` once it runs.
async fn running_since(docker: &Docker, name: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, started_at) = state(docker, name).await;
        if status == "running" {
            return started_at;
        }
        assert!(tokio::time::Instant::now() < deadline, "{name} never ran (last {status})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn compose_labels(project: &str, oneoff: &str) -> HashMap<String, String> {
    HashMap::from([
        ("com.docker.compose.project".to_owned(), project.to_owned()),
        ("com.docker.compose.service".to_owned(), "api".to_owned()),
        ("com.docker.compose.oneoff".to_owned(), oneoff.to_owned()),
    ])
}

#[tokio::test]
async fn docker_restart_changes_started_at_and_verifies() {
    let Some(actions) = engine().await else { return };
    let host = DockerHost::from_environment();
    let docker = client(&host).await;
    let mut cleanup = Cleanup { names: Vec::new() };
    let web = unique("web");
    start(docker, &mut cleanup, &web, LONG_RUNNING, |_| {}).await;
    let before = running_since(docker, &web).await;

    let target = ActionTarget::DockerRestart { container: web.clone() };
    let outcome = actions.execute(&target).await.unwrap_or_else(|e| panic!("restart: {e}"));
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.summary, "restarted 1/1 container");
    assert_eq!(outcome.evidence.len(), 1, "{outcome:?}");
    assert!(outcome.evidence[0].starts_with(&format!("{web}: StartedAt {before} → ")), "{outcome:?}");

    let (status, after) = state(docker, &web).await;
    assert_eq!(status, "running");
    assert_ne!(after, before, "StartedAt did not change");
    assert!(outcome.evidence[0].ends_with(&after), "{outcome:?}");

    let verified = actions.verify(&target, VERIFY_TIMEOUT).await.unwrap_or_else(|e| panic!("verify: {e}"));
    assert_eq!((verified.success, verified.summary.as_str()), (true, "1/1 running"), "{verified:?}");
}

#[tokio::test]
async fn compose_restart_restarts_the_service_but_not_one_off_runs() {
    let Some(actions) = engine().await else { return };
    let host = DockerHost::from_environment();
    let docker = client(&host).await;
    let mut cleanup = Cleanup { names: Vec::new() };
    let project = unique("proj");
    let replicas = [format!("{project}-api-1"), format!("{project}-api-2")];
    for replica in &replicas {
        start(docker, &mut cleanup, replica, LONG_RUNNING, |b| b.labels = Some(compose_labels(&project, "False"))).await;
    }
    let oneoff = format!("{project}-api-run-1");
    start(docker, &mut cleanup, &oneoff, LONG_RUNNING, |b| b.labels = Some(compose_labels(&project, "True"))).await;
    let mut before = Vec::new();
    for replica in &replicas {
        before.push(running_since(docker, replica).await);
    }
    let oneoff_before = running_since(docker, &oneoff).await;

    let target = ActionTarget::ComposeRestart { project: Some(project.clone()), service: "api".into() };
    let outcome = actions.execute(&target).await.unwrap_or_else(|e| panic!("compose restart: {e}"));
    assert_eq!((outcome.success, outcome.summary.as_str()), (true, "restarted 2/2 containers"), "{outcome:?}");
    for ((replica, before), line) in replicas.iter().zip(&before).zip(&outcome.evidence) {
        assert!(line.starts_with(&format!("{replica}: StartedAt {before} → ")), "{outcome:?}");
        let (status, after) = state(docker, replica).await;
        assert_eq!(status, "running");
        assert_ne!(&after, before, "{replica} was not restarted");
    }
    assert_eq!(outcome.evidence.len(), 2, "{outcome:?}");
    assert_eq!(state(docker, &oneoff).await.1, oneoff_before, "the one-off run was restarted");

    let verified = actions.verify(&target, VERIFY_TIMEOUT).await.unwrap_or_else(|e| panic!("verify: {e}"));
    assert_eq!((verified.success, verified.summary.as_str()), (true, "2/2 running"), "{verified:?}");
    assert_eq!(verified.evidence.len(), 2, "{verified:?}");

    let other = ActionTarget::ComposeRestart { project: Some(project.clone()), service: "worker".into() };
    assert!(matches!(actions.execute(&other).await, Err(ActionError::NotFound(_))));
}

#[tokio::test]
async fn exited_and_unhealthy_containers_fail_verification_and_healthy_ones_pass() {
    let Some(actions) = engine().await else { return };
    let host = DockerHost::from_environment();
    let docker = client(&host).await;
    let mut cleanup = Cleanup { names: Vec::new() };
    let (crashing, sick, fine) = (unique("exit3"), unique("sick"), unique("fine"));
    start(docker, &mut cleanup, &crashing, "exit 3", |_| {}).await;
    let health = |check: &str| HealthConfig {
        test: Some(vec!["CMD".into(), check.into()]),
        interval: Some(1_000_000_000),
        timeout: Some(1_000_000_000),
        retries: Some(1),
        ..HealthConfig::default()
    };
    start(docker, &mut cleanup, &sick, LONG_RUNNING, |b| b.healthcheck = Some(health("false"))).await;
    start(docker, &mut cleanup, &fine, LONG_RUNNING, |b| b.healthcheck = Some(health("true"))).await;

    let target = ActionTarget::DockerRestart { container: crashing.clone() };
    let restarted = actions.execute(&target).await.unwrap_or_else(|e| panic!("restart: {e}"));
    assert!(restarted.success, "{restarted:?}");
    let verified = actions.verify(&target, VERIFY_TIMEOUT).await.unwrap_or_else(|e| panic!("verify: {e}"));
    assert!(!verified.success, "{verified:?}");
    assert_eq!(verified.summary, format!("{crashing}: exited (exit code 3)"));

    let sick_target = ActionTarget::DockerRestart { container: sick.clone() };
    let verified = actions.verify(&sick_target, VERIFY_TIMEOUT).await.unwrap_or_else(|e| panic!("verify: {e}"));
    assert_eq!((verified.success, verified.summary), (false, format!("{sick}: running but unhealthy")));

    let fine_target = ActionTarget::DockerRestart { container: fine.clone() };
    let verified = actions.verify(&fine_target, VERIFY_TIMEOUT).await.unwrap_or_else(|e| panic!("verify: {e}"));
    assert!(verified.success, "{verified:?}");
    let (_, started_at) = state(docker, &fine).await;
    assert_eq!(verified.evidence, [format!("{fine}: running since {started_at}")]);
}

#[tokio::test]
async fn missing_containers_other_kinds_and_absent_engines_are_errors() {
    let unreachable = DockerActions::at(Some("unix:///nonexistent/firebreak/docker.sock"));
    let target = ActionTarget::DockerRestart { container: "x".into() };
    assert!(matches!(unreachable.execute(&target).await, Err(ActionError::Unreachable(_))));

    let Some(actions) = engine().await else { return };
    let k8s = ActionTarget::K8sRolloutRestart { namespace: "n".into(), deployment: "d".into() };
    assert_eq!(actions.execute(&k8s).await, Err(ActionError::Refused("not a Docker action".into())));

    let missing = ActionTarget::DockerRestart { container: unique("missing") };
    assert!(matches!(actions.execute(&missing).await, Err(ActionError::NotFound(m)) if m.contains("fb-fix-missing-")));
    assert!(matches!(actions.verify(&missing, Duration::from_secs(1)).await, Err(ActionError::NotFound(_))));
}
