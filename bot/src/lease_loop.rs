//! The background round that finds remediations whose replica died mid-run (their lease ran
//! out) and reports them interrupted. Every replica runs it, first at start-up; the store's
//! compare-and-set makes each report happen once, and a live replica's run is never touched.

use std::time::Duration;

use firebreak_commands::remediation::lease::interrupt_expired;
use firebreak_commands::Context;
use tokio::sync::watch;

/// How often expired leases are looked for: a dead replica's run is reported at most this long
/// after its lease ([`firebreak_commands::remediation::lease::LEASE`]) ran out.
pub const TICK: Duration = Duration::from_secs(15);

/// Runs a round at once and then every `tick`, until `stopped` turns true.
pub async fn run(ctx: Context, tick: Duration, stopped: watch::Receiver<bool>) {
    crate::rounds::every(tick, stopped, || async {
        match interrupt_expired(&ctx).await {
            Ok(0) => {}
            Ok(reported) => metrics::counter!("firebreak_remediations_interrupted_total").increment(reported as u64),
            Err(error) => tracing::warn!(%error, "could not look for interrupted remediations; trying again next round"),
        }
    })
    .await;
}
