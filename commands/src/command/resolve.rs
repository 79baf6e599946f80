//! `/incident resolve [summary]`: close the incident.

use crate::engine::{CommandError, Context, Invocation};
use crate::lifecycle;
use crate::reply::Reply;
use crate::status::Status;
use crate::timeline::EventKind;

pub(super) async fn execute(ctx: &Context, inv: &Invocation, summary: Option<String>) -> Result<Option<Reply>, CommandError> {
    let now = ctx.clock.now();
    lifecycle::apply(ctx, inv, |incident| {
        incident.status = Status::Resolved;
        incident.resolved_at = Some(now);
        Ok(EventKind::Resolved { summary: summary.clone() })
    })
    .await
}
