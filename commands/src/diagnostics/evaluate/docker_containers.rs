//! `docker_containers`: state, health, restarts, OOM kills and uptime of the selected containers.

use jiff::Timestamp;

use crate::diagnostics::facts::ContainerFacts;
use crate::diagnostics::ports::{Containers, ProbeError};
use crate::diagnostics::result::{Outcome, Verdict};
use crate::diagnostics::spec::ContainerFilter;

pub(super) async fn check(containers: &dyn Containers, filter: &ContainerFilter, now: Timestamp) -> Verdict {
    match containers.containers(filter).await {
        Ok(found) => judge(filter, &found, now),
        Err(ProbeError::NotFound(_)) => judge(filter, &[], now),
        Err(error) => Verdict::error(format!("could not list containers: {error}")),
    }
}

/// What the filter selects, for summaries: `named api` / `of compose service shop/api`.
fn describe(filter: &ContainerFilter) -> String {
    match filter {
        ContainerFilter::Name(name) => format!("named {name}"),
        ContainerFilter::ComposeService { project: Some(project), service } => {
            format!("of compose service {project}/{service}")
        }
        ContainerFilter::ComposeService { project: None, service } => format!("of compose service {service}"),
    }
}

/// What is wrong with one container, worst first; `None` when it looks fine.
fn problem(container: &ContainerFacts) -> Option<(Outcome, String)> {
    let name = &container.name;
    let exit = container.exit_code.unwrap_or(0);
    if container.oom_killed {
        return Some((Outcome::Fail, format!("{name} was OOM-killed")));
    }
    match container.state.as_str() {
        "restarting" => return Some((Outcome::Fail, format!("{name} is restarting (exit code {exit})"))),
        "exited" | "dead" if exit != 0 => {
            return Some((Outcome::Fail, format!("{name} is {} with exit code {exit}", container.state)));
        }
        _ => {}
    }
    match container.health.as_deref() {
        Some("unhealthy") => return Some((Outcome::Fail, format!("{name} is unhealthy"))),
        Some("starting") => return Some((Outcome::Warn, format!("{name} health check is starting"))),
        _ => {}
    }
    if container.restart_count > 0 {
        return Some((Outcome::Warn, format!("{name} restarted {}×", container.restart_count)));
    }
    None
}

fn judge(filter: &ContainerFilter, found: &[ContainerFacts], now: Timestamp) -> Verdict {
    if found.is_empty() {
        return Verdict::new(Outcome::Fail, format!("no container {}", describe(filter)));
    }
    let details = found.iter().map(|c| detail(c, now)).collect();
    let mut problems: Vec<(Outcome, String)> = found.iter().filter_map(problem).collect();
    // Worst first; the sort is stable, so containers keep their order within an outcome.
    problems.sort_by_key(|(outcome, _)| std::cmp::Reverse(*outcome));
    let worst = problems.first().map(|(outcome, _)| *outcome);
    let summary = match worst {
        Some(_) => problems.into_iter().map(|(_, text)| text).collect::<Vec<_>>().join("; "),
        None => healthy_summary(found),
    };
    Verdict::new(worst.unwrap_or(Outcome::Ok), summary).with_details(details)
}

/// `2/2 running, healthy` (or `2/2 running` without health checks, `1/2 running` with a stopped one).
fn healthy_summary(found: &[ContainerFacts]) -> String {
    let running = found.iter().filter(|c| c.state == "running").count();
    let healthy = found.iter().any(|c| c.health.is_some());
    let suffix = if healthy { ", healthy" } else { "" };
    format!("{running}/{} running{suffix}", found.len())
}

/// `api-1: running, health healthy, 0 restarts, up 3h 12m`.
fn detail(container: &ContainerFacts, now: Timestamp) -> String {
    let mut parts = vec![container.state.clone()];
    if let Some(health) = &container.health {
        parts.push(format!("health {health}"));
    }
    parts.push(format!("{} restarts", container.restart_count));
    if container.oom_killed {
        parts.push("OOM-killed".to_owned());
    }
    match (container.state == "running", container.exit_code, container.started_at) {
        (true, _, Some(started)) => parts.push(format!("up {}", human_duration(now.as_second() - started.as_second()))),
        (false, Some(code), _) => parts.push(format!("exit code {code}")),
        _ => {}
    }
    format!("{}: {}", container.name, parts.join(", "))
}

/// `3h 12m`, `2d 4h`, `45s`.
fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m {}s", s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use async_trait::async_trait;

    use super::*;

    struct Fake(Result<Vec<ContainerFacts>, ProbeError>);

    #[async_trait]
    impl Containers for Fake {
        async fn containers(&self, _filter: &ContainerFilter) -> Result<Vec<ContainerFacts>, ProbeError> {
            self.0.clone()
        }
        async fn logs(&self, _c: &str, _tail: u32, _since: Option<Duration>) -> Result<Vec<String>, ProbeError> {
            Ok(Vec::new())
        }
    }

    fn now() -> Timestamp {
        Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn running(name: &str) -> ContainerFacts {
        ContainerFacts {
            name: name.into(),
            state: "running".into(),
            health: Some("healthy".into()),
            started_at: Timestamp::from_second(1_700_000_000 - (3 * 3600 + 12 * 60)).ok(),
            exit_code: Some(0),
            ..ContainerFacts::default()
        }
    }

    async fn run(found: Vec<ContainerFacts>) -> Verdict {
        check(&Fake(Ok(found)), &ContainerFilter::Name("api".into()), now()).await
    }

    #[tokio::test]
    async fn healthy_running_containers_are_ok_with_uptime() {
        let verdict = run(vec![running("api-1"), running("api-2")]).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "2/2 running, healthy"));
        assert_eq!(verdict.details[0], "api-1: running, health healthy, 0 restarts, up 3h 12m");
    }

    #[tokio::test]
    async fn missing_containers_fail_and_name_the_filter() {
        let verdict = run(Vec::new()).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Fail, "no container named api"));
        let filter = ContainerFilter::ComposeService { project: Some("shop".into()), service: "web".into() };
        let verdict = check(&Fake(Ok(Vec::new())), &filter, now()).await;
        assert_eq!(verdict.summary, "no container of compose service shop/web");
    }

    #[tokio::test]
    async fn oom_exit_restarting_and_unhealthy_fail() {
        let oom = ContainerFacts { oom_killed: true, state: "exited".into(), exit_code: Some(137), ..running("a") };
        let exited = ContainerFacts { state: "exited".into(), exit_code: Some(3), health: None, ..running("b") };
        let restarting = ContainerFacts { state: "restarting".into(), ..running("c") };
        let unhealthy = ContainerFacts { health: Some("unhealthy".into()), ..running("d") };
        for (facts, words) in [(oom, "OOM-killed"), (exited, "exit code 3"), (restarting, "restarting"), (unhealthy, "unhealthy")] {
            let verdict = run(vec![running("ok"), facts]).await;
            assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
            assert!(verdict.summary.contains(words), "{verdict:?}");
        }
    }

    #[tokio::test]
    async fn starting_health_and_restarts_warn_but_clean_exits_do_not() {
        let starting = ContainerFacts { health: Some("starting".into()), ..running("a") };
        assert_eq!(run(vec![starting]).await.outcome, Outcome::Warn);
        let restarted = ContainerFacts { restart_count: 2, ..running("b") };
        let verdict = run(vec![restarted]).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Warn, "b restarted 2×"));
        let done = ContainerFacts { state: "exited".into(), exit_code: Some(0), health: None, ..running("c") };
        assert_eq!(run(vec![done]).await.summary, "0/1 running");
    }

    #[tokio::test]
    async fn probe_errors_are_check_errors() {
        let fake = Fake(Err(ProbeError::Unreachable("Docker engine not reachable".into())));
        let verdict = check(&fake, &ContainerFilter::Name("api".into()), now()).await;
        assert_eq!(verdict.outcome, Outcome::Error);
        assert!(verdict.summary.contains("not reachable"));
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(125), "2m 5s");
        assert_eq!(human_duration(3 * 86_400 + 5 * 3600), "3d 5h");
    }
}
