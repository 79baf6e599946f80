//! `k8s_pods`: phase, readiness, restarts and failure reasons of the selected pods.

use crate::diagnostics::facts::PodFacts;
use crate::diagnostics::ports::Cluster;
use crate::diagnostics::result::{Outcome, Verdict};
use crate::diagnostics::spec::LabelSelector;

/// Waiting reasons that mean the pod will not come up by itself.
const FATAL_WAITING: [&str; 5] = ["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "InvalidImageName"];

pub(super) async fn check(cluster: &dyn Cluster, namespace: &str, selector: &LabelSelector) -> Verdict {
    match cluster.pods(namespace, selector).await {
        Ok(pods) => judge(&pods, namespace, selector),
        Err(error) => Verdict::error(format!("could not list pods {selector} in {namespace}: {error}")),
    }
}

/// The reasons a pod is failing, worst first (empty when it is not failing).
fn failures(pod: &PodFacts) -> Vec<String> {
    let mut reasons = Vec::new();
    if pod.phase == "Failed" {
        reasons.push("phase Failed".to_owned());
    }
    for c in &pod.containers {
        if let Some(reason) = c.waiting_reason.as_deref().filter(|r| FATAL_WAITING.contains(r)) {
            reasons.push(format!("{}: {reason}", c.name));
        }
        if c.last_termination_reason.as_deref() == Some("OOMKilled") {
            reasons.push(format!("{}: OOMKilled", c.name));
        }
    }
    reasons
}

fn ready_count(pod: &PodFacts) -> (usize, usize) {
    (pod.containers.iter().filter(|c| c.ready).count(), pod.containers.len())
}

fn restarts(pod: &PodFacts) -> u32 {
    pod.containers.iter().map(|c| c.restarts).sum()
}

/// `nerf-1: Running, ready 1/1, 3 restarts, edge waiting CrashLoopBackOff (back-off 5m), edge last exit OOMKilled (137)`.
fn detail(pod: &PodFacts) -> String {
    let (ready, total) = ready_count(pod);
    let mut line = format!("{}: {}, ready {ready}/{total}, {} restarts", pod.name, pod.phase, restarts(pod));
    if let Some(node) = &pod.node {
        line.push_str(&format!(", node {node}"));
    }
    for c in &pod.containers {
        if let Some(reason) = &c.waiting_reason {
            line.push_str(&format!(", {} waiting {reason}", c.name));
            if let Some(message) = c.waiting_message.as_deref().filter(|m| !m.is_empty()) {
                line.push_str(&format!(" ({})", message.chars().take(200).collect::<String>()));
            }
        }
        if let Some(reason) = &c.last_termination_reason {
            line.push_str(&format!(", {} last exit {reason}", c.name));
            if let Some(code) = c.last_exit_code {
                line.push_str(&format!(" ({code})"));
            }
        }
    }
    line
}

fn judge(pods: &[PodFacts], namespace: &str, selector: &LabelSelector) -> Verdict {
    if pods.is_empty() {
        return Verdict::new(Outcome::Fail, format!("no pods match {selector} in {namespace}"));
    }
    let details = pods.iter().map(detail).collect();
    let failing: Vec<String> = pods
        .iter()
        .filter_map(|p| {
            let reasons = failures(p);
            (!reasons.is_empty()).then(|| format!("{} ({})", p.name, reasons.join(", ")))
        })
        .collect();
    let ready = pods.iter().filter(|p| p.ready).count();
    let total = pods.len();
    if !failing.is_empty() {
        return Verdict::new(Outcome::Fail, format!("{ready}/{total} pods ready; failing: {}", failing.join("; "))).with_details(details);
    }
    let restarted: Vec<String> =
        pods.iter().filter(|p| restarts(p) > 0).map(|p| format!("{} ×{}", p.name, restarts(p))).collect();
    if ready < total || !restarted.is_empty() {
        let mut summary = format!("{ready}/{total} pods ready");
        let not_ready: Vec<&str> = pods.iter().filter(|p| !p.ready).map(|p| p.name.as_str()).collect();
        if !not_ready.is_empty() {
            summary.push_str(&format!("; not ready: {}", not_ready.join(", ")));
        }
        if !restarted.is_empty() {
            summary.push_str(&format!("; restarts: {}", restarted.join(", ")));
        }
        return Verdict::new(Outcome::Warn, summary).with_details(details);
    }
    Verdict::new(Outcome::Ok, format!("{ready}/{total} pods ready")).with_details(details)
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::diagnostics::facts::{DeploymentFacts, EventFacts, PodContainerFacts};
    use crate::diagnostics::ports::ProbeError;

    struct FakeCluster(Result<Vec<PodFacts>, ProbeError>);

    #[async_trait]
    impl Cluster for FakeCluster {
        async fn pods(&self, _: &str, _: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> {
            self.0.clone()
        }
        async fn deployment(&self, _: &str, name: &str) -> Result<DeploymentFacts, ProbeError> {
            Err(ProbeError::NotFound(name.to_owned()))
        }
        async fn warning_events(&self, _: &str) -> Result<Vec<EventFacts>, ProbeError> {
            Ok(Vec::new())
        }
        async fn pod_logs(&self, _: &str, _: &str, _: u32) -> Result<Vec<String>, ProbeError> {
            Ok(Vec::new())
        }
    }

    fn pod(name: &str, ready: bool, container: PodContainerFacts) -> PodFacts {
        PodFacts { name: name.into(), phase: "Running".into(), ready, containers: vec![container], ..PodFacts::default() }
    }

    fn healthy() -> PodContainerFacts {
        PodContainerFacts { name: "edge".into(), ready: true, ..PodContainerFacts::default() }
    }

    async fn run(result: Result<Vec<PodFacts>, ProbeError>) -> Verdict {
        let selector = LabelSelector::parse("app=nerf-edge-kit").map_err(|e| e.to_string());
        let Ok(selector) = selector else { panic!("selector") };
        check(&FakeCluster(result), "default", &selector).await
    }

    #[tokio::test]
    async fn healthy_pods_are_ok() {
        let pods = vec![pod("a", true, healthy()), pod("b", true, healthy()), pod("c", true, healthy())];
        let verdict = run(Ok(pods)).await;
        assert_eq!(verdict.outcome, Outcome::Ok);
        assert_eq!(verdict.summary, "3/3 pods ready");
        assert_eq!(verdict.details.len(), 3);
        assert!(verdict.details[0].contains("ready 1/1"), "{:?}", verdict.details);
    }

    #[tokio::test]
    async fn no_pods_fail() {
        let verdict = run(Ok(Vec::new())).await;
        assert_eq!(verdict.outcome, Outcome::Fail);
        assert!(verdict.summary.contains("no pods match app=nerf-edge-kit"), "{}", verdict.summary);
    }

    #[tokio::test]
    async fn crash_loops_and_oom_kills_fail_naming_pod_and_reason() {
        let crashing = PodContainerFacts {
            waiting_reason: Some("CrashLoopBackOff".into()),
            restarts: 4,
            ready: false,
            ..healthy()
        };
        let verdict = run(Ok(vec![pod("a", true, healthy()), pod("b", false, crashing)])).await;
        assert_eq!(verdict.outcome, Outcome::Fail);
        assert!(verdict.summary.contains("b (edge: CrashLoopBackOff)"), "{}", verdict.summary);

        let oom = PodContainerFacts { last_termination_reason: Some("OOMKilled".into()), last_exit_code: Some(137), restarts: 1, ..healthy() };
        let verdict = run(Ok(vec![pod("a", true, oom)])).await;
        assert_eq!(verdict.outcome, Outcome::Fail);
        assert!(verdict.summary.contains("a (edge: OOMKilled)"), "{}", verdict.summary);
        assert!(verdict.details[0].contains("last exit OOMKilled (137)"), "{:?}", verdict.details);

        let mut failed = pod("f", false, healthy());
        failed.phase = "Failed".into();
        assert_eq!(run(Ok(vec![failed])).await.outcome, Outcome::Fail);
    }

    #[tokio::test]
    async fn restarts_or_unready_warn() {
        let restarted = PodContainerFacts { restarts: 2, last_termination_reason: Some("Error".into()), ..healthy() };
        let verdict = run(Ok(vec![pod("a", true, restarted)])).await;
        assert_eq!(verdict.outcome, Outcome::Warn);
        assert!(verdict.summary.contains("restarts: a ×2"), "{}", verdict.summary);

        let starting = PodContainerFacts { ready: false, waiting_reason: Some("ContainerCreating".into()), ..healthy() };
        let verdict = run(Ok(vec![pod("a", false, starting)])).await;
        assert_eq!(verdict.outcome, Outcome::Warn);
        assert!(verdict.summary.contains("0/1 pods ready; not ready: a"), "{}", verdict.summary);
    }

    #[tokio::test]
    async fn probe_errors_are_errors() {
        let verdict = run(Err(ProbeError::Forbidden("list pods".into()))).await;
        assert_eq!(verdict.outcome, Outcome::Error);
        assert!(verdict.summary.contains("forbidden: list pods"), "{}", verdict.summary);
    }
}
