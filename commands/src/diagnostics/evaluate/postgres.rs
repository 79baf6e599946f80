//! `postgres`: `pg_isready` + `SELECT 1` + connections in use vs `max_connections`.

use std::time::Duration;

use crate::diagnostics::facts::PostgresFacts;
use crate::diagnostics::ports::{ProbeError, Probes};
use crate::diagnostics::redact::redact;
use crate::diagnostics::result::{Outcome, Verdict};

pub(super) async fn check(probes: &dyn Probes, url_env: &str, max_connections_percent: u8, timeout: Duration) -> Verdict {
    match probes.postgres(url_env, timeout).await {
        Ok(facts) => judge(&facts, max_connections_percent),
        // Firebreak is not set up for this database: the check could not run.
        Err(error @ ProbeError::NotConfigured(_)) => Verdict::error(error.to_string()),
        // Refused, timed out, wrong password: the application cannot connect either.
        Err(error) => Verdict::new(Outcome::Fail, redact(&error.to_string())),
    }
}

fn judge(facts: &PostgresFacts, max_connections_percent: u8) -> Verdict {
    let latency_ms = facts.connect_latency.as_millis();
    let in_use = format!("{}/{} connections", facts.connections, facts.max_connections);
    let percent = (facts.max_connections > 0).then(|| u64::from(facts.connections) * 100 / u64::from(facts.max_connections));
    let (outcome, summary) = if !facts.select_one {
        (Outcome::Fail, format!("connected in {latency_ms} ms but SELECT 1 did not return 1"))
    } else if percent.is_some_and(|p| p >= u64::from(max_connections_percent)) {
        (Outcome::Warn, format!("{} connections in use (warns at {max_connections_percent}%)", in_use.trim_end_matches(" connections")))
    } else {
        (Outcome::Ok, format!("SELECT 1 ok in {latency_ms} ms, {in_use}"))
    };
    let details = vec![
        format!("server version: {}", facts.server_version),
        format!("connect latency: {latency_ms} ms"),
        format!("connections: {} of max_connections {}", facts.connections, facts.max_connections),
    ];
    Verdict::new(outcome, summary).with_details(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::evaluate::http::fake_probes::FakeProbes;

    fn facts(connections: u32, max_connections: u32, select_one: bool) -> PostgresFacts {
        PostgresFacts {
            connect_latency: Duration::from_millis(4),
            select_one,
            connections,
            max_connections,
            server_version: "15.18".into(),
        }
    }

    #[test]
    fn connections_near_the_limit_warn() {
        let verdict = judge(&facts(12, 100, true), 90);
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "SELECT 1 ok in 4 ms, 12/100 connections"));
        let verdict = judge(&facts(91, 100, true), 90);
        assert_eq!(verdict.outcome, Outcome::Warn);
        assert!(verdict.summary.starts_with("91/100 connections in use"), "{}", verdict.summary);
        assert_eq!(judge(&facts(1, 100, false), 90).outcome, Outcome::Fail);
        assert_eq!(judge(&facts(5, 0, true), 90).outcome, Outcome::Ok);
    }

    #[tokio::test]
    async fn errors_fail_unless_not_configured() {
        let probes = FakeProbes { postgres: Some(Err(ProbeError::Unreachable("connection refused".into()))), ..FakeProbes::default() };
        let verdict = check(&probes, "DB_URL", 90, Duration::from_secs(1)).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Fail, "unreachable: connection refused"));
        let probes = FakeProbes { postgres: Some(Err(ProbeError::NotConfigured("environment variable DB_URL is not set".into()))), ..FakeProbes::default() };
        assert_eq!(check(&probes, "DB_URL", 90, Duration::from_secs(1)).await.outcome, Outcome::Error);
    }
}
