//! Runs every check of a runbook at once. Each check has its own timeout, so a hung target
//! delays nothing but itself; the overall deadline bounds the whole run.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use jiff::Timestamp;

use super::evaluate::evaluate;
use super::ports::DiagnosticPorts;
use super::redact::redact;
use super::result::{CheckResult, Outcome, Verdict};
use super::spec::CheckSpec;

/// Runs `checks` concurrently; results come back in the checks' order, secrets redacted.
pub async fn run_checks(ports: &DiagnosticPorts, checks: &[CheckSpec], deadline: Duration, now: Timestamp) -> Vec<CheckResult> {
    let runs = checks.iter().map(|spec| run_one(ports, spec, deadline, now));
    join_all(runs).await
}

async fn run_one(ports: &DiagnosticPorts, spec: &CheckSpec, deadline: Duration, now: Timestamp) -> CheckResult {
    let started = Instant::now();
    let limit = spec.timeout.min(deadline);
    let verdict = match tokio::time::timeout(limit, evaluate(ports, spec, now)).await {
        Ok(verdict) => verdict,
        Err(_elapsed) => Verdict::new(Outcome::Error, format!("timed out after {}", seconds(limit))),
    };
    CheckResult {
        name: spec.name.clone(),
        kind: spec.target.kind().to_owned(),
        outcome: verdict.outcome,
        summary: redact(&verdict.summary),
        details: verdict.details.iter().map(|line| redact(line)).collect(),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) { format!("{} s", millis / 1000) } else { format!("{:.1} s", duration.as_secs_f64()) }
}
