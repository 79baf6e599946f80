//! `/incident resolve [summary]`: close the incident and share the postmortem draft.

use super::postmortem::share_on_resolve;
use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::lifecycle;
use crate::reply::Reply;
use crate::status::Status;
use crate::timeline::EventKind;

pub(super) async fn execute(ctx: &Context, inv: &Invocation, summary: Option<String>) -> Result<Option<Reply>, CommandError> {
    let now = ctx.clock.now();
    let warning = lifecycle::apply(ctx, inv, |incident| {
        incident.status = Status::Resolved;
        incident.resolved_at = Some(now);
        Ok(EventKind::Resolved { summary: summary.clone() })
    })
    .await?;
    let incident = current_incident(ctx, inv).await?;
    let share_warning = share_on_resolve(ctx, &incident).await;
    crate::remediation::statuspage_resolve::spawn_resolve_posted(ctx, &incident);
    Ok(warning.or(share_warning))
}
