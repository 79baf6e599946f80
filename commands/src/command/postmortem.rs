//! `/incident postmortem`: the draft, rendered from the timeline and attached in the thread of
//! the incident card.

use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::postmortem::{build, render, DEFAULT_TEMPLATE};
use crate::reply::Reply;

pub(super) async fn execute(ctx: &Context, inv: &Invocation) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    let events = ctx.store.timeline(incident.id).await?;
    let draft = build(&incident, &events, &ctx.settings.time_zone, ctx.clock.now());
    let markdown = render(DEFAULT_TEMPLATE, &draft).map_err(|e| CommandError::Internal(e.to_string()))?;
    let filename = format!("postmortem-{}.md", incident.number);
    if let (Some(channel), Some(card)) = (&incident.channel, &incident.card_ts) {
        ctx.chat
            .upload_text(channel, card, &filename, &markdown)
            .await
            .map_err(|e| CommandError::Internal(format!("could not attach the postmortem: {e}")))?;
        return Ok(Some(Reply::ephemeral(format!(":memo: Drafted `{filename}` from the timeline; it is attached in the thread of the incident card."))));
    }
    let shown: String = markdown.chars().take(2800).collect();
    Ok(Some(Reply::ephemeral(format!("```{shown}```"))))
}
