//! `/incident note <text>`: add a note to the timeline.

use crate::engine::{CommandError, Context, Invocation};
use crate::lifecycle;
use crate::reply::Reply;
use crate::timeline::EventKind;

pub(super) async fn execute(ctx: &Context, inv: &Invocation, text: String) -> Result<Option<Reply>, CommandError> {
    lifecycle::apply(ctx, inv, |_incident| Ok(EventKind::Note { text: text.clone() })).await
}
