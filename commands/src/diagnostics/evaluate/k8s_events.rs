//! `k8s_events`: recent Warning events for the runbook's objects.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

use crate::diagnostics::facts::EventFacts;
use crate::diagnostics::ports::Cluster;
use crate::diagnostics::result::{Outcome, Verdict};

/// Reasons that fail the check once seen this many times in the window.
const SERIOUS: [&str; 5] = ["OOMKilling", "BackOff", "FailedScheduling", "FailedMount", "Unhealthy"];
const SERIOUS_COUNT: u32 = 3;

pub(super) async fn check(cluster: &dyn Cluster, namespace: &str, objects: &[String], since: Duration, now: Timestamp) -> Verdict {
    match cluster.warning_events(namespace).await {
        Ok(events) => judge(&events, namespace, objects, since, now),
        Err(error) => Verdict::error(format!("could not list events in {namespace}: {error}")),
    }
}

fn recent(event: &EventFacts, objects: &[String], since: Duration, now: Timestamp) -> bool {
    let wanted = objects.is_empty() || objects.iter().any(|prefix| event.object_name.starts_with(prefix.as_str()));
    let fresh = event.last_seen.is_some_and(|seen| now.duration_since(seen).unsigned_abs() <= since || seen > now);
    event.event_type == "Warning" && wanted && fresh
}

fn age(seen: Option<Timestamp>, now: Timestamp) -> String {
    let Some(seen) = seen else { return "at an unknown time".to_owned() };
    let secs = now.duration_since(seen).as_secs().max(0);
    match secs {
        0..60 => format!("{secs}s ago"),
        60..3600 => format!("{}m ago", secs / 60),
        _ => format!("{}h ago", secs / 3600),
    }
}

fn judge(events: &[EventFacts], namespace: &str, objects: &[String], since: Duration, now: Timestamp) -> Verdict {
    let window = format!("{}m", since.as_secs().div_ceil(60));
    let recent: Vec<&EventFacts> = events.iter().filter(|e| recent(e, objects, since, now)).collect();
    if recent.is_empty() {
        return Verdict::new(Outcome::Ok, format!("no Warning events in {namespace} in the last {window}"));
    }
    let mut by_reason: BTreeMap<&str, u32> = BTreeMap::new();
    for event in &recent {
        *by_reason.entry(event.reason.as_str()).or_default() += event.count.max(1);
    }
    let serious = by_reason.iter().any(|(reason, n)| SERIOUS.contains(reason) && *n >= SERIOUS_COUNT);
    let outcome = if serious { Outcome::Fail } else { Outcome::Warn };
    let total: u32 = by_reason.values().sum();
    let reasons = by_reason.iter().map(|(reason, n)| format!("{reason} ×{n}")).collect::<Vec<_>>().join(", ");
    let details = recent
        .iter()
        .map(|e| format!("{}/{}: {} ×{} ({}): {}", e.object_kind, e.object_name, e.reason, e.count.max(1), age(e.last_seen, now), e.message))
        .collect();
    Verdict::new(outcome, format!("{total} Warning events in the last {window}: {reasons}")).with_details(details)
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::diagnostics::facts::{DeploymentFacts, PodFacts};
    use crate::diagnostics::ports::ProbeError;
    use crate::diagnostics::spec::LabelSelector;

    struct FakeCluster(Vec<EventFacts>);

    #[async_trait]
    impl Cluster for FakeCluster {
        async fn pods(&self, _: &str, _: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> {
            Ok(Vec::new())
        }
        async fn deployment(&self, _: &str, name: &str) -> Result<DeploymentFacts, ProbeError> {
            Err(ProbeError::NotFound(name.to_owned()))
        }
        async fn warning_events(&self, _: &str) -> Result<Vec<EventFacts>, ProbeError> {
            Ok(self.0.clone())
        }
        async fn pod_logs(&self, _: &str, _: &str, _: u32) -> Result<Vec<String>, ProbeError> {
            Ok(Vec::new())
        }
    }

    const NOW: i64 = 1_795_000_000;

    fn event(object: &str, reason: &str, count: u32, secs_ago: i64) -> EventFacts {
        EventFacts {
            event_type: "Warning".into(),
            object_kind: "Pod".into(),
            object_name: object.into(),
            reason: reason.into(),
            message: format!("{reason} happened"),
            count,
            last_seen: Timestamp::from_second(NOW - secs_ago).ok(),
        }
    }

    async fn run(events: Vec<EventFacts>, objects: &[&str]) -> Verdict {
        let objects: Vec<String> = objects.iter().map(|o| (*o).to_owned()).collect();
        let now = Timestamp::from_second(NOW).unwrap_or(Timestamp::UNIX_EPOCH);
        check(&FakeCluster(events), "default", &objects, Duration::from_secs(900), now).await
    }

    #[tokio::test]
    async fn no_recent_events_is_ok() {
        let verdict = run(vec![event("nerf-web-1", "BackOff", 9, 3600)], &[]).await;
        assert_eq!(verdict.outcome, Outcome::Ok);
        assert_eq!(verdict.summary, "no Warning events in default in the last 15m");
    }

    #[tokio::test]
    async fn frequent_serious_reasons_fail() {
        let verdict = run(vec![event("nerf-web-1", "BackOff", 5, 60), event("nerf-web-2", "Unhealthy", 1, 30)], &["nerf-web"]).await;
        assert_eq!(verdict.outcome, Outcome::Fail);
        assert_eq!(verdict.summary, "6 Warning events in the last 15m: BackOff ×5, Unhealthy ×1");
        assert_eq!(verdict.details[0], "Pod/nerf-web-1: BackOff ×5 (1m ago): BackOff happened");
    }

    #[tokio::test]
    async fn other_warnings_warn_and_objects_filter() {
        let events = vec![event("nerf-web-1", "Unhealthy", 2, 60), event("redis-0", "BackOff", 7, 60)];
        let verdict = run(events.clone(), &["nerf-web"]).await;
        assert_eq!(verdict.outcome, Outcome::Warn);
        assert_eq!(verdict.details.len(), 1);
        assert_eq!(run(events, &[]).await.outcome, Outcome::Fail);
    }
}
