//! Benchmark: 12 checks, one of them hanging, finish in about one check timeout, not the sum.
//!
//! Run: `cargo bench -p firebreak-commands --features testing --bench diagnostics_fanout`.
//! Each of 11 targets answers after 200 ms; the 12th never answers and times out after 1 s.
//! Run one after another they would take 11 × 0.2 + 1 = 3.2 s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use firebreak_commands::diagnostics::facts::HttpFacts;
use firebreak_commands::diagnostics::runner::run_checks;
use firebreak_commands::diagnostics::spec::{CheckSpec, CheckTarget};
use firebreak_commands::testing::diagnostics::{ports, FakeTargets};

const LATENCY: Duration = Duration::from_millis(200);
const HUNG_TIMEOUT: Duration = Duration::from_secs(1);
const RUNS: u32 = 5;

#[tokio::main]
async fn main() {
    let targets = Arc::new(FakeTargets::default());
    *targets.latency.lock().unwrap_or_else(|e| e.into_inner()) = LATENCY;
    let mut checks = Vec::new();
    for i in 0..11 {
        let url = format!("http://service-{i}/health");
        let facts = HttpFacts { status: 200, latency: LATENCY, body_snippet: "ok".into() };
        targets.http.lock().unwrap_or_else(|e| e.into_inner()).push((url.clone(), Ok(facts)));
        checks.push(CheckSpec { name: format!("service {i}"), timeout: Duration::from_secs(5), target: CheckTarget::Http { url } });
    }
    targets.hang.lock().unwrap_or_else(|e| e.into_inner()).push("http://hung/health".into());
    checks.push(CheckSpec { name: "hung".into(), timeout: HUNG_TIMEOUT, target: CheckTarget::Http { url: "http://hung/health".into() } });
    let ports = ports(targets);

    let mut total = Duration::ZERO;
    for _ in 0..RUNS {
        let started = Instant::now();
        let results = run_checks(&ports, &checks, Duration::from_secs(30), jiff::Timestamp::now()).await;
        total += started.elapsed();
        assert_eq!(results.len(), 12);
    }
    let mean = total / RUNS;
    let sequential = LATENCY * 11 + HUNG_TIMEOUT;
    println!("12 checks (1 hung, timeout {:?}): mean {:.3} s over {RUNS} runs", HUNG_TIMEOUT, mean.as_secs_f64());
    println!("  = {:.2}× the hung check's timeout; sequential would be {:.1} s ({:.1}× slower)",
        mean.as_secs_f64() / HUNG_TIMEOUT.as_secs_f64(), sequential.as_secs_f64(), sequential.as_secs_f64() / mean.as_secs_f64());
}
