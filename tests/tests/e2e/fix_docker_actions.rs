//! Docker remediations against a real engine: `DockerActions` restarts a container and a
//! compose service (leaving one-off runs alone), and verification tells running from exited,
//! healthy from unhealthy, and reports missing containers and engines.

use std::collections::HashMap;
use std::time::Duration;

use firebreak::adapters::docker::bollard::models::HealthConfig;
use firebreak::adapters::docker::bollard::query_parameters::InspectContainerOptions;
use firebreak::adapters::docker::bollard::Docker;
use firebreak::adapters::docker::DockerHost;
use firebreak::adapters::docker_actions::DockerActions;
use firebreak_commands::remediation::{ActionError, ActionTarget, ContainerActions};
use firebreak_tests::containers::{start, unique, Cleanup};
use firebreak_tests::docker_images::ensure_busybox_image;

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
    let mut cleanup = Cleanup::default();
    let web = unique("fix-web");
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
    let mut cleanup = Cleanup::default();
    let project = unique("fix-proj");
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
    let mut cleanup = Cleanup::default();
    let (crashing, sick, fine) = (unique("fix-exit3"), unique("fix-sick"), unique("fix-fine"));
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

    let missing = ActionTarget::DockerRestart { container: unique("fix-missing") };
    assert!(matches!(actions.execute(&missing).await, Err(ActionError::NotFound(m)) if m.contains("fb-fix-missing-")));
    assert!(matches!(actions.verify(&missing, Duration::from_secs(1)).await, Err(ActionError::NotFound(_))));
}

/// Through Slack: `/incident fix`, the approval card, a refused self-approval, an approval by
/// an approver clicking ten times at once — the real container restarts once and the card is
/// replaced with the evidence.
async fn a_restart_approved_in_slack_runs_once(backend: firebreak_tests::backend::Backend) {
    use firebreak_commands::diagnostics::runbook::{Runbook, Runbooks};
    use firebreak_commands::ids::SlackUserId;
    use firebreak_commands::remediation::policy::ApprovalPolicy;
    use firebreak_commands::remediation::{ActionSpec, RunbookAction};
    use firebreak_commands::settings::Settings;

    let Some(_actions) = engine().await else { return };
    let host = DockerHost::from_environment();
    let docker = client(&host).await;
    let mut cleanup = Cleanup::default();
    let name = unique("fix-slack");
    start(docker, &mut cleanup, &name, LONG_RUNNING, |_| {}).await;
    let before = running_since(docker, &name).await;

    let action = RunbookAction {
        spec: ActionSpec { name: "restart-web".into(), target: ActionTarget::DockerRestart { container: name.clone() } },
        policy: ApprovalPolicy { approvers: vec![SlackUserId::parse("U0BOB").unwrap_or_else(|| panic!()), SlackUserId::parse("U0ALICE").unwrap_or_else(|| panic!())], ..ApprovalPolicy::default() },
    };
    let runbook = Runbook { name: "web".into(), description: String::new(), alerts: vec![], services: vec!["web".into()], severity: None, checks: vec![], actions: vec![action] };
    let settings = Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() };
    let Some(app) = firebreak_tests::spawn::spawn_app(backend, settings).await else { return };
    let channel = app.declare("U0ALICE", "start sev1 web is down").await;
    let incident = app.open_incidents().await.remove(0);

    let (menu, _) = app.slash("U0ALICE", &channel, "fix").await;
    assert!(menu.body.contains("fix_request.restart-web"), "{}", menu.body);
    app.click("U0ALICE", &channel, "fix_request.restart-web", &incident.id.to_string()).await;
    app.slack
        .wait_for("the approval card", |s| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("Approval needed"))))
        .await;
    let value = format!("{}:1", incident.id);
    let (_, self_url) = app.click("U0ALICE", &channel, "fix_approve", &value).await;
    app.slack.wait_for("the two-person refusal", |s| !s.responses(&self_url).is_empty()).await;
    assert!(app.slack.responses(&self_url)[0].to_string().contains("two-person rule"));
    // Ten Approve clicks at once (a double-clicking approver, Slack retries): one run.
    let app = std::sync::Arc::new(app);
    let clicks: Vec<_> = (0..10)
        .map(|_| {
            let (app, channel, value) = (app.clone(), channel.clone(), value.clone());
            tokio::spawn(async move { app.click("U0BOB", &channel, "fix_approve", &value).await.1 })
        })
        .collect();
    let mut urls = Vec::new();
    for click in clicks {
        urls.push(click.await.unwrap_or_else(|e| panic!("{e}")));
    }
    app.slack
        .wait_for("the settled card", |s| urls.iter().any(|u| s.responses(u).iter().any(|r| r.to_string().contains("Succeeded"))))
        .await;
    let approve_url = urls.iter().find(|u| app.slack.responses(u).iter().any(|r| r.to_string().contains("Succeeded"))).cloned().unwrap_or_default();
    let settled = app.slack.responses(&approve_url).last().map(|r| r.to_string()).unwrap_or_default();
    assert!(settled.contains("\"replace_original\":true") && settled.contains("Verification"), "{settled}");
    let (_, again_url) = app.click("U0BOB", &channel, "fix_approve", &value).await;
    app.slack.wait_for("the second approval's answer", |s| !s.responses(&again_url).is_empty()).await;
    assert!(app.slack.responses(&again_url)[0].to_string().contains("succeeded already"));
    assert_ne!(running_since(docker, &name).await, before, "the container restarted");
    let timeline = app.store_timeline(incident.id).await;
    for kind in ["remediation_requested", "remediation_refused", "remediation_approved", "remediation_started", "remediation_finished", "remediation_verified"] {
        assert!(timeline.contains(&kind.to_owned()), "timeline lacks {kind}: {timeline:?}");
    }
    assert_eq!(timeline.iter().filter(|k| *k == "remediation_started").count(), 1);
    app.slack.assert_faithful();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_approved_in_slack_runs_once_on_sqlite() {
    a_restart_approved_in_slack_runs_once(firebreak_tests::backend::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_approved_in_slack_runs_once_on_postgres() {
    a_restart_approved_in_slack_runs_once(firebreak_tests::backend::Backend::Postgres).await;
}

/// Approver groups: a member of the configured user group may approve; Slack is asked at the
/// click; someone outside it may not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_an_approver_group_may_approve() {
    use firebreak_commands::diagnostics::runbook::{Runbook, Runbooks};
    use firebreak_commands::remediation::policy::ApprovalPolicy;
    use firebreak_commands::remediation::{ActionSpec, RunbookAction};
    use firebreak_commands::settings::Settings;

    let Some(_actions) = engine().await else { return };
    let host = DockerHost::from_environment();
    let docker = client(&host).await;
    let mut cleanup = Cleanup::default();
    let name = unique("fix-group");
    start(docker, &mut cleanup, &name, LONG_RUNNING, |_| {}).await;
    let action = RunbookAction {
        spec: ActionSpec { name: "restart-web".into(), target: ActionTarget::DockerRestart { container: name.clone() } },
        policy: ApprovalPolicy { approver_groups: vec!["S0LEADS".into()], ..ApprovalPolicy::default() },
    };
    let runbook = Runbook { name: "web".into(), description: String::new(), alerts: vec![], services: vec!["web".into()], severity: None, checks: vec![], actions: vec![action] };
    let settings = Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() };
    let Some(app) = firebreak_tests::spawn::spawn_app(firebreak_tests::backend::Backend::Sqlite, settings).await else { return };
    app.slack.add_usergroup("S0LEADS", &["U0CAROL"]);
    let channel = app.declare("U0ALICE", "start sev2 web slow").await;
    let incident = app.open_incidents().await.remove(0);
    app.slash("U0ALICE", &channel, "fix restart-web").await;
    app.slack
        .wait_for("the approval card", |s| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.blocks.to_string().contains("<!subteam^S0LEADS>"))))
        .await;
    let value = format!("{}:1", incident.id);
    let (_, outsider) = app.click("U0DAVE", &channel, "fix_approve", &value).await;
    app.slack.wait_for("the outsider's refusal", |s| !s.responses(&outsider).is_empty()).await;
    assert!(app.slack.responses(&outsider)[0].to_string().contains("not an approver"));
    let (_, member) = app.click("U0CAROL", &channel, "fix_approve", &value).await;
    app.slack.wait_for("the run", |s| s.responses(&member).iter().any(|r| r.to_string().contains("Succeeded"))).await;
    assert_eq!(app.slack.calls_to("usergroups.users.list").len(), 2);
    app.slack.assert_faithful();
}
