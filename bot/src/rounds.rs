//! The skeleton of a background round: run at once, then every tick, until shutdown. The
//! severity-clock timers and the remediation lease check both run on it.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Runs `round` at once and then every `tick` (a late round delays the next rather than
/// bunching them up), until `stopped` turns true.
pub async fn every<F, Fut>(tick: Duration, mut stopped: watch::Receiver<bool>, mut round: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.changed() => return,
        }
        if *stopped.borrow() {
            return;
        }
        round().await;
    }
}
