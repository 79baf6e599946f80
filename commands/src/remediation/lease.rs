//! Leases on running remediations, so that several replicas can share one store: the replica
//! that starts a run holds a lease on it and renews it while the action and its verification go
//! on; a `running` request whose lease ran out lost its replica (crash, `kill -9`, node gone).
//! Every replica looks for those in a background round ([`interrupt_expired`]) and marks them
//! interrupted by compare-and-set, so exactly one replica reports each in its channel — and a
//! run that another live replica is carrying out is never touched.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use futures_util::future::{select, Either};
use jiff::{SignedDuration, Timestamp};

use super::request::{RequestId, RequestState};
use crate::engine::{CommandError, Context};

/// How long a lease lasts from its last renewal. Long enough to ride out a slow store call or
/// a stalled renewal or two; short enough that a dead replica's run is reported within a minute.
pub const LEASE: SignedDuration = SignedDuration::from_secs(45);
/// How often the running replica renews its lease: several chances within one [`LEASE`].
pub const RENEW_EVERY: Duration = Duration::from_secs(10);
/// The result recorded on a request whose run was cut off.
pub const INTERRUPTED: &str = "interrupted — state unknown";
/// Why a store refuses a plain move into `running`.
pub const RUN_NEEDS_LEASE: &str = "a remediation starts running only through start_run, which leases it to its replica";

/// When a lease taken or renewed now ends.
pub fn lease_end(ctx: &Context) -> Timestamp {
    let now = ctx.clock.now();
    now.checked_add(LEASE).unwrap_or(now)
}

/// Runs `work` (the action, its verification and reporting) while renewing the lease on `id`
/// every [`RENEW_EVERY`]. Losing the lease (another replica found it expired) cannot stop an
/// action already under way; it is logged, and the run's final move then finds the request
/// `interrupted` and leaves it so.
pub async fn holding<F: Future>(ctx: &Context, id: RequestId, work: F) -> F::Output {
    let renewing = async {
        let mut tick = tokio::time::interval(RENEW_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // The first tick is immediate; the lease was just taken.
        loop {
            tick.tick().await;
            match ctx.requests.renew_lease(id, lease_end(ctx)).await {
                Ok(true) => {}
                // No longer running under this replica: finished (the outcome is recorded before
                // verification ends), or — only then worth a warning — declared interrupted.
                Ok(false) => {
                    if let Ok(Some(request)) = ctx.requests.request(id).await
                        && request.state == RequestState::Interrupted
                    {
                        tracing::warn!(request = %id, "lost the lease on a running remediation: another replica reported it interrupted");
                    }
                    return std::future::pending::<Infallible>().await;
                }
                // The next tick tries again; the lease outlives a few failed renewals.
                Err(error) => tracing::warn!(request = %id, %error, "could not renew the lease on a running remediation"),
            }
        }
    };
    match select(pin!(work), pin!(renewing)).await {
        Either::Left((output, _)) => output,
        Either::Right((never, _)) => match never {},
    }
}

/// One round: marks interrupted the runs whose replica died and reports each in its channel.
/// Every replica runs it (at start-up and then periodically); the store's compare-and-set makes
/// each report happen once. Returns how many this replica reported.
pub async fn interrupt_expired(ctx: &Context) -> Result<usize, CommandError> {
    let ids = ctx.requests.interrupt_expired(ctx.clock.now()).await?;
    if !ids.is_empty() {
        tracing::warn!(count = ids.len(), "remediations lost their replica mid-run; marked interrupted, state unknown");
        super::flow::report_interrupted(ctx, &ids).await;
    }
    Ok(ids.len())
}
