//! The background round that fires due timers (response time, reminders, escalation). Every
//! replica runs it; the store's compare-and-set claim makes each timer fire once.

use std::time::Duration;

use firebreak_commands::timers::fire_due;
use firebreak_commands::Context;
use tokio::sync::watch;

/// How often due timers are looked for: a reminder is at most this late.
pub const TICK: Duration = Duration::from_secs(5);

/// Fires due timers at once and then every `tick`, until `stopped` turns true.
pub async fn run(ctx: Context, tick: Duration, stopped: watch::Receiver<bool>) {
    crate::rounds::every(tick, stopped, || async {
        match fire_due(&ctx).await {
            Ok(0) => {}
            Ok(fired) => {
                metrics::counter!("firebreak_timers_fired_total").increment(fired as u64);
                tracing::info!(fired, "timers fired");
            }
            Err(error) => tracing::warn!(%error, "could not fire due timers; trying again next round"),
        }
    })
    .await;
}
