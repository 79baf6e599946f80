//! `k8s_deployment`: replicas, rollout progress and resource limits of one deployment.

use std::collections::BTreeMap;

use crate::diagnostics::facts::{ContainerResources, DeploymentFacts};
use crate::diagnostics::ports::Cluster;
use crate::diagnostics::result::{Outcome, Verdict};

pub(super) async fn check(cluster: &dyn Cluster, namespace: &str, name: &str) -> Verdict {
    match cluster.deployment(namespace, name).await {
        Ok(deployment) => judge(&deployment),
        Err(error) => Verdict::error(format!("could not read deployment {name} in {namespace}: {error}")),
    }
}

fn quantities(map: &BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

fn container_lines(container: &ContainerResources) -> Vec<String> {
    let mut lines = vec![format!(
        "container {} ({}): limits {}; requests {}",
        container.name,
        container.image,
        quantities(&container.limits),
        quantities(&container.requests)
    )];
    if !container.limits.contains_key("memory") {
        lines.push(format!("container {}: no memory limit (an OOM can take the node's memory)", container.name));
    }
    lines
}

fn details(d: &DeploymentFacts) -> Vec<String> {
    let mut lines = vec![format!(
        "replicas: desired {}, updated {}, ready {}, available {}, unavailable {}",
        d.desired, d.updated, d.ready, d.available, d.unavailable
    )];
    lines.push(format!("generation {}, observed {}{}", d.generation, d.observed_generation, if d.paused { ", paused" } else { "" }));
    for (kind, (status, reason, message)) in &d.conditions {
        lines.push(format!("condition {kind}={status} {reason}: {message}"));
    }
    lines.extend(d.containers.iter().flat_map(container_lines));
    lines
}

fn judge(d: &DeploymentFacts) -> Verdict {
    let details = details(d);
    let counts = format!("{}/{} available", d.available, d.desired);
    if d.progress_deadline_exceeded() {
        let message = d.conditions.get("Progressing").map(|(_, _, m)| m.as_str()).unwrap_or_default();
        return Verdict::new(Outcome::Fail, format!("rollout stuck (ProgressDeadlineExceeded), {counts}: {message}")).with_details(details);
    }
    if d.available < d.desired {
        let outcome = if d.available == 0 { Outcome::Fail } else { Outcome::Warn };
        return Verdict::new(outcome, format!("only {counts}")).with_details(details);
    }
    if d.observed_generation < d.generation || d.updated < d.desired {
        let paused = if d.paused { " (paused)" } else { "" };
        return Verdict::new(Outcome::Warn, format!("rollout in progress{paused}: {}/{} updated, {counts}", d.updated, d.desired))
            .with_details(details);
    }
    Verdict::new(Outcome::Ok, counts).with_details(details)
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::diagnostics::facts::{EventFacts, PodFacts};
    use crate::diagnostics::ports::ProbeError;
    use crate::diagnostics::spec::LabelSelector;

    struct FakeCluster(Result<DeploymentFacts, ProbeError>);

    #[async_trait]
    impl Cluster for FakeCluster {
        async fn pods(&self, _: &str, _: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> {
            Ok(Vec::new())
        }
        async fn deployment(&self, _: &str, _: &str) -> Result<DeploymentFacts, ProbeError> {
            self.0.clone()
        }
        async fn warning_events(&self, _: &str) -> Result<Vec<EventFacts>, ProbeError> {
            Ok(Vec::new())
        }
        async fn pod_logs(&self, _: &str, _: &str, _: u32) -> Result<Vec<String>, ProbeError> {
            Ok(Vec::new())
        }
    }

    fn settled(desired: u32) -> DeploymentFacts {
        DeploymentFacts {
            name: "nerf-web".into(),
            desired,
            updated: desired,
            ready: desired,
            available: desired,
            generation: 2,
            observed_generation: 2,
            containers: vec![ContainerResources {
                name: "web".into(),
                image: "nerf/web:1.4".into(),
                limits: BTreeMap::from([("memory".into(), "512Mi".into()), ("cpu".into(), "1".into())]),
                requests: BTreeMap::from([("cpu".into(), "250m".into())]),
            }],
            ..DeploymentFacts::default()
        }
    }

    async fn run(facts: DeploymentFacts) -> Verdict {
        check(&FakeCluster(Ok(facts)), "default", "nerf-web").await
    }

    #[tokio::test]
    async fn settled_deployment_is_ok_with_resources_in_details() {
        let verdict = run(settled(3)).await;
        assert_eq!(verdict.outcome, Outcome::Ok);
        assert_eq!(verdict.summary, "3/3 available");
        assert!(verdict.details.iter().any(|l| l == "container web (nerf/web:1.4): limits cpu=1, memory=512Mi; requests cpu=250m"), "{:?}", verdict.details);
        assert!(!verdict.details.iter().any(|l| l.contains("no memory limit")));
    }

    #[tokio::test]
    async fn missing_memory_limit_is_called_out() {
        let mut facts = settled(1);
        facts.containers[0].limits.clear();
        let verdict = run(facts).await;
        assert!(verdict.details.iter().any(|l| l.contains("container web: no memory limit")), "{:?}", verdict.details);
    }

    #[tokio::test]
    async fn progress_deadline_exceeded_fails_as_stuck() {
        let mut facts = settled(3);
        facts.conditions.insert(
            "Progressing".into(),
            ("False".into(), "ProgressDeadlineExceeded".into(), "ReplicaSet \"nerf-web-5d\" has timed out progressing.".into()),
        );
        let verdict = run(facts).await;
        assert_eq!(verdict.outcome, Outcome::Fail);
        assert!(verdict.summary.starts_with("rollout stuck"), "{}", verdict.summary);
    }

    #[tokio::test]
    async fn unavailable_replicas_warn_or_fail() {
        let mut some = settled(3);
        some.available = 1;
        let verdict = run(some.clone()).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Warn, "only 1/3 available"));
        some.available = 0;
        assert_eq!(run(some).await.outcome, Outcome::Fail);
    }

    #[tokio::test]
    async fn rollout_in_progress_warns() {
        let mut facts = settled(3);
        facts.generation = 3;
        let verdict = run(facts.clone()).await;
        assert_eq!(verdict.outcome, Outcome::Warn);
        assert!(verdict.summary.starts_with("rollout in progress"), "{}", verdict.summary);
        facts.generation = 2;
        facts.updated = 1;
        assert_eq!(run(facts).await.outcome, Outcome::Warn);
    }

    #[tokio::test]
    async fn not_found_is_an_error() {
        let verdict = check(&FakeCluster(Err(ProbeError::NotFound("deployment nerf-web".into()))), "default", "nerf-web").await;
        assert_eq!(verdict.outcome, Outcome::Error);
        assert!(verdict.summary.contains("not found"), "{}", verdict.summary);
    }
}
