//! Diagnostics against a real Docker engine: `DockerHost` facts and `docker_*` verdicts for
//! running, failed, OOM-killed, unhealthy, compose-labelled and chatty containers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use firebreak::adapters::docker::bollard::models::{HealthConfig, HostConfig};
use firebreak::adapters::docker::bollard::query_parameters::{EventsOptions, InspectContainerOptions, KillContainerOptions};
use firebreak::adapters::docker::bollard::Docker;
use firebreak::adapters::docker::DockerHost;
use firebreak_commands::diagnostics::evaluate::evaluate;
use firebreak_commands::diagnostics::facts::ContainerFacts;
use firebreak_commands::diagnostics::result::{Outcome, Verdict};
use firebreak_commands::diagnostics::spec::{CheckSpec, CheckTarget, ContainerFilter, LogPattern};
use firebreak_commands::diagnostics::{Containers, DiagnosticPorts, ProbeError};
use firebreak_commands::testing::diagnostics::FakeTargets;
use firebreak_tests::containers::{start, unique, Cleanup};
use firebreak_tests::docker_images::ensure_busybox_image;

/// The engine and our image, or `None` (with a notice) when no engine runs outside CI.
async fn engine() -> Option<Arc<DockerHost>> {
    let host = Arc::new(DockerHost::from_environment());
    if let Err(error) = host.docker().await {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("no Docker engine but CI=true: {error} (use scripts/test.sh)");
        }
        eprintln!("skipping Docker diagnostics test: {error}");
        return None;
    }
    if let Err(error) = ensure_busybox_image(&host).await {
        panic!("could not import the busybox test image: {error:#}");
    }
    Some(host)
}


/// Polls `docker inspect` through the port until `done` holds for the container's facts.
async fn wait_for(host: &DockerHost, name: &str, what: &str, done: impl Fn(&ContainerFacts) -> bool) -> ContainerFacts {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let found = host.containers(&ContainerFilter::Name(name.into())).await.unwrap_or_default();
        if let Some(facts) = found.into_iter().find(|f| done(f)) {
            return facts;
        }
        assert!(tokio::time::Instant::now() < deadline, "{name} never became {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Watches, from now on, for the engine's `oom` event for `name` (asked from a second before
/// now, so an event published before the watch is connected still counts).
///
/// Docker sets `State.OOMKilled` only if this event reaches it before the container's exit event;
/// when the killed process is the container's only one, the two race, and a busy engine (Docker
/// 20.10 on cgroup v1 in CI) can lose the flag. Waiting for the event before stopping the
/// container makes the engine's answer certain; the test is about how Firebreak reads it.
fn oom_event(docker: &Docker, name: &str) -> tokio::task::JoinHandle<Result<(), String>> {
    let since = (jiff::Timestamp::now().as_second() - 1).to_string();
    let filters = HashMap::from([("container".to_owned(), vec![name.to_owned()]), ("event".to_owned(), vec!["oom".to_owned()])]);
    let docker = docker.clone();
    tokio::spawn(async move {
        let mut events = docker.events(Some(EventsOptions { since: Some(since), until: None, filters: Some(filters) }));
        match events.next().await {
            Some(Ok(_)) => Ok(()),
            Some(Err(error)) => Err(format!("the event stream failed: {error}")),
            None => Err("the event stream ended".to_owned()),
        }
    })
}

async fn verdict(host: &Arc<DockerHost>, target: CheckTarget) -> Verdict {
    // The other ports are fakes that refuse: a Docker check must not touch them.
    let others = Arc::new(FakeTargets::default());
    let ports = DiagnosticPorts { cluster: others.clone(), containers: host.clone(), gpus: others.clone(), probes: others };
    let spec = CheckSpec { name: "docker".into(), timeout: Duration::from_secs(30), target };
    evaluate(&ports, &spec, jiff::Timestamp::now()).await
}

fn by_name(name: &str) -> CheckTarget {
    CheckTarget::DockerContainers { filter: ContainerFilter::Name(name.into()) }
}

#[tokio::test]
async fn running_and_compose_containers_are_ok_and_names_match_exactly() {
    let Some(host) = engine().await else { return };
    let docker = host.docker().await.unwrap_or_else(|e| panic!("{e}"));
    let mut cleanup = Cleanup::default();
    let (web, project) = (unique("web"), unique("proj"));
    start(docker, &mut cleanup, &web, "sleep 300", |_| {}).await;
    for replica in 1..=2 {
        let labels = HashMap::from([
            ("com.docker.compose.project".to_owned(), project.clone()),
            ("com.docker.compose.service".to_owned(), "api".to_owned()),
        ]);
        start(docker, &mut cleanup, &format!("{project}-api-{replica}"), "sleep 300", |b| b.labels = Some(labels)).await;
    }

    let facts = wait_for(&host, &web, "running", |f| f.state == "running").await;
    assert_eq!((facts.name.as_str(), facts.health.as_deref(), facts.exit_code), (web.as_str(), None, Some(0)));
    assert!(facts.started_at.is_some() && facts.finished_at.is_none(), "{facts:?}");
    // `web` must not match a longer name that contains it.
    let prefix = &web[..web.len() - 4];
    assert!(host.containers(&ContainerFilter::Name(prefix.into())).await.map(|f| f.is_empty()).unwrap_or(false));

    let ok = verdict(&host, by_name(&web)).await;
    assert_eq!((ok.outcome, ok.summary.as_str()), (Outcome::Ok, "1/1 running"), "{ok:?}");
    assert!(ok.details[0].starts_with(&format!("{web}: running, 0 restarts, up ")), "{ok:?}");

    let service = ContainerFilter::ComposeService { project: Some(project.clone()), service: "api".into() };
    let replicas = host.containers(&service).await.unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<_> = replicas.iter().map(|f| f.name.clone()).collect();
    assert_eq!(names, [format!("{project}-api-1"), format!("{project}-api-2")]);
    let ok = verdict(&host, CheckTarget::DockerContainers { filter: service }).await;
    assert_eq!((ok.outcome, ok.details.len()), (Outcome::Ok, 2), "{ok:?}");
    assert!(ok.summary.ends_with("/2 running"), "{ok:?}");

    let missing = verdict(&host, by_name(&unique("missing"))).await;
    assert_eq!(missing.outcome, Outcome::Fail);
    assert!(missing.summary.starts_with("no container named fb-missing-"), "{missing:?}");
}

#[tokio::test]
async fn exited_oom_killed_and_unhealthy_containers_fail() {
    let Some(host) = engine().await else { return };
    let docker = host.docker().await.unwrap_or_else(|e| panic!("{e}"));
    let mut cleanup = Cleanup::default();
    let (crashed, oom, sick) = (unique("exit3"), unique("oom"), unique("sick"));
    start(docker, &mut cleanup, &crashed, "exit 3", |_| {}).await;
    let oom_seen = oom_event(docker, &oom);
    // `tail` is the container's biggest process, so the kernel kills it and `sh` lives on: the
    // engine hears of the kill while the container still runs (see `oom_event`).
    start(docker, &mut cleanup, &oom, "tail /dev/zero; sleep 300", |b| {
        let limit = 16 * 1024 * 1024;
        b.host_config = Some(HostConfig { memory: Some(limit), memory_swap: Some(limit), ..HostConfig::default() });
    })
    .await;
    start(docker, &mut cleanup, &sick, "sleep 300", |b| {
        let second = 1_000_000_000;
        b.healthcheck = Some(HealthConfig {
            test: Some(vec!["CMD".into(), "false".into()]),
            interval: Some(second),
            timeout: Some(second),
            retries: Some(1),
            ..HealthConfig::default()
        });
    })
    .await;

    let facts = wait_for(&host, &crashed, "exited", |f| f.state == "exited").await;
    assert_eq!((facts.exit_code, facts.oom_killed), (Some(3), false));
    assert!(facts.finished_at.is_some());
    let failed = verdict(&host, by_name(&crashed)).await;
    assert_eq!(failed.outcome, Outcome::Fail);
    assert_eq!(failed.summary, format!("{crashed} is exited with exit code 3"));

    match tokio::time::timeout(Duration::from_secs(60), oom_seen).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(error))) => panic!("waiting for the OOM kill in {oom}: {error}"),
        Ok(Err(error)) => panic!("waiting for the OOM kill in {oom}: {error}"),
        Err(_) => panic!("the engine reported no OOM kill in {oom} within 60 s"),
    }
    docker.kill_container(&oom, None::<KillContainerOptions>).await.unwrap_or_else(|e| panic!("kill {oom}: {e}"));
    let facts = wait_for(&host, &oom, "exited with OOMKilled", |f| f.state == "exited" && f.oom_killed).await;
    let inspect = docker.inspect_container(&oom, None::<InspectContainerOptions>).await.ok();
    let engine_says = inspect.and_then(|i| i.state).and_then(|s| s.oom_killed);
    assert_eq!((facts.oom_killed, engine_says), (true, Some(true)), "{facts:?}");
    let failed = verdict(&host, by_name(&oom)).await;
    assert_eq!((failed.outcome, failed.summary.clone()), (Outcome::Fail, format!("{oom} was OOM-killed")));

    let facts = wait_for(&host, &sick, "unhealthy", |f| f.health.as_deref() == Some("unhealthy")).await;
    assert_eq!(facts.state, "running");
    let failed = verdict(&host, by_name(&sick)).await;
    assert_eq!((failed.outcome, failed.summary.clone()), (Outcome::Fail, format!("{sick} is unhealthy")));
}

#[tokio::test]
async fn logs_from_stdout_and_stderr_are_highlighted() {
    let Some(host) = engine().await else { return };
    let docker = host.docker().await.unwrap_or_else(|e| panic!("{e}"));
    let mut cleanup = Cleanup::default();
    let chatty = unique("logs");
    let script = "echo 'GET /health 200'; echo 'FATAL OutOfMemory in renderer'; echo 'db: connection refused' >&2; sleep 1; echo 'GET / 200'";
    start(docker, &mut cleanup, &chatty, script, |_| {}).await;
    wait_for(&host, &chatty, "exited", |f| f.state == "exited").await;

    // stdout and stderr are separate pipes, so only each stream's own order is certain.
    let mut lines = host.logs(&chatty, 100, None).await.unwrap_or_else(|e| panic!("{e}"));
    lines.sort();
    assert_eq!(lines, ["FATAL OutOfMemory in renderer", "GET / 200", "GET /health 200", "db: connection refused"]);
    let last = host.logs(&chatty, 1, Some(Duration::from_secs(600))).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(last, ["GET / 200"], "the sleep makes this line last");

    let logs = |container: &str, tail| CheckTarget::DockerLogs {
        container: container.to_owned(),
        tail,
        since: None,
        patterns: LogPattern::seed_defaults(),
    };
    let warned = verdict(&host, logs(&chatty, 100)).await;
    assert_eq!(warned.outcome, Outcome::Warn, "{warned:?}");
    assert!(warned.summary.contains("database connection error ×1, out of memory ×1"), "{warned:?}");
    assert!(warned.details.contains(&"[database connection error] db: connection refused".to_owned()), "{warned:?}");
    let clean = verdict(&host, logs(&chatty, 1)).await;
    assert_eq!((clean.outcome, clean.summary.clone()), (Outcome::Ok, format!("no known error patterns in 1 lines of {chatty}")));
    let missing = unique("gone");
    let gone = verdict(&host, logs(&missing, 10)).await;
    assert_eq!((gone.outcome, gone.summary.clone()), (Outcome::Fail, format!("no container named {missing}")));
    assert_eq!(host.logs(&missing, 10, None).await, Err(ProbeError::NotFound(missing.clone())));
}

#[tokio::test]
async fn an_absent_engine_is_reported_unreachable() {
    let host = DockerHost::at(Some("unix:///nonexistent/firebreak-docker.sock"));
    let error = host.containers(&ContainerFilter::Name("x".into())).await.err();
    assert!(matches!(&error, Some(ProbeError::Unreachable(m)) if m.contains("not reachable")), "{error:?}");
}
