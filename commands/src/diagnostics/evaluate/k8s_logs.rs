//! `k8s_logs`: last lines of every selected pod, with the runbook's patterns highlighted.

use crate::diagnostics::evaluate::log_lines;
use crate::diagnostics::ports::Cluster;
use crate::diagnostics::result::{Outcome, Verdict};
use crate::diagnostics::spec::{LabelSelector, LogPattern};

pub(super) async fn check(cluster: &dyn Cluster, namespace: &str, selector: &LabelSelector, tail: u32, patterns: &[LogPattern]) -> Verdict {
    let pods = match cluster.pods(namespace, selector).await {
        Ok(pods) => pods,
        Err(error) => return Verdict::error(format!("could not list pods {selector} in {namespace}: {error}")),
    };
    if pods.is_empty() {
        return Verdict::new(Outcome::Fail, format!("no pods match {selector} in {namespace}"));
    }
    let mut total_lines = 0;
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut details = Vec::new();
    let mut unreadable = Vec::new();
    for pod in &pods {
        match cluster.pod_logs(namespace, &pod.name, tail).await {
            Ok(lines) => {
                total_lines += lines.len();
                let found = log_lines::highlight(&lines, patterns);
                for (label, n) in found.counts {
                    *counts.entry(label).or_default() += n;
                }
                details.extend(found.quoted.into_iter().map(|line| format!("{}: {line}", pod.name)));
            }
            Err(error) => unreadable.push(format!("{}: logs unavailable: {error}", pod.name)),
        }
    }
    let pod_count = pods.len();
    if unreadable.len() == pod_count {
        return Verdict::error(format!("could not read logs of any of {pod_count} pods")).with_details(unreadable);
    }
    details.extend(unreadable);
    if counts.is_empty() {
        return Verdict::new(Outcome::Ok, format!("no known error patterns in {total_lines} lines from {pod_count} pods")).with_details(details);
    }
    let summary = counts.iter().map(|(label, n)| format!("{label} ×{n}")).collect::<Vec<_>>().join(", ");
    Verdict::new(Outcome::Warn, format!("{summary} in {total_lines} lines from {pod_count} pods")).with_details(details)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use async_trait::async_trait;

    use super::*;
    use crate::diagnostics::facts::{DeploymentFacts, EventFacts, PodFacts};
    use crate::diagnostics::ports::ProbeError;

    struct FakeCluster(BTreeMap<String, Vec<String>>);

    #[async_trait]
    impl Cluster for FakeCluster {
        async fn pods(&self, _: &str, _: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> {
            Ok(self.0.keys().map(|name| PodFacts { name: name.clone(), ..PodFacts::default() }).collect())
        }
        async fn deployment(&self, _: &str, name: &str) -> Result<DeploymentFacts, ProbeError> {
            Err(ProbeError::NotFound(name.to_owned()))
        }
        async fn warning_events(&self, _: &str) -> Result<Vec<EventFacts>, ProbeError> {
            Ok(Vec::new())
        }
        async fn pod_logs(&self, _: &str, pod: &str, tail: u32) -> Result<Vec<String>, ProbeError> {
            let lines = self.0.get(pod).cloned().unwrap_or_default();
            Ok(lines.into_iter().rev().take(tail as usize).rev().collect())
        }
    }

    async fn run(logs: &[(&str, &[&str])]) -> Verdict {
        let logs = logs.iter().map(|(pod, lines)| ((*pod).to_owned(), lines.iter().map(|l| (*l).to_owned()).collect())).collect();
        let Ok(selector) = LabelSelector::parse("app=nerf-edge-kit") else { panic!("selector") };
        check(&FakeCluster(logs), "default", &selector, 100, &LogPattern::seed_defaults()).await
    }

    #[tokio::test]
    async fn matching_lines_warn_and_are_quoted() {
        let verdict = run(&[("a", &["GET / 200", "FATAL: OutOfMemory allocating texture"]), ("b", &["ok"])]).await;
        assert_eq!(verdict.outcome, Outcome::Warn);
        assert_eq!(verdict.summary, "out of memory ×1 in 3 lines from 2 pods");
        assert_eq!(verdict.details, vec!["a: [out of memory] FATAL: OutOfMemory allocating texture".to_owned()]);
    }

    #[tokio::test]
    async fn clean_logs_are_ok_and_no_pods_fail() {
        let verdict = run(&[("a", &["GET / 200", "GET /health 200"])]).await;
        assert_eq!(verdict.outcome, Outcome::Ok);
        assert_eq!(verdict.summary, "no known error patterns in 2 lines from 1 pods");
        assert_eq!(run(&[]).await.outcome, Outcome::Fail);
    }
}
