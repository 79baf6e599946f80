//! `/incident postmortem`: the draft, rendered from the timeline and attached in the thread of
//! the incident card. Resolving shares it in the channel by itself ([`share_on_resolve`]).

use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::incident::Incident;
use crate::mrkdwn::escape_cut;
use crate::postmortem::{draft, filename, DraftError};
use crate::reply::Reply;

pub(super) async fn execute(ctx: &Context, inv: &Invocation) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    let markdown = render(ctx, &incident).await?;
    let filename = filename(&incident);
    if let (Some(channel), Some(card)) = (&incident.channel, &incident.card_ts) {
        ctx.chat
            .upload_text(channel, card, &filename, &markdown)
            .await
            .map_err(|e| CommandError::Internal(format!("could not attach the postmortem: {e}")))?;
        return Ok(Some(Reply::ephemeral(format!(":memo: Drafted `{filename}` from the timeline; it is attached in the thread of the incident card."))));
    }
    // Slack parses `<…>` inside code blocks too: the draft is escaped like any other text.
    Ok(Some(Reply::ephemeral(format!("```{}```", escape_cut(&markdown, 2800)))))
}

/// Shares the draft of a just-resolved incident in its channel, with a short message. Returns a
/// warning for the person who resolved when it could not (the resolution stands either way).
pub(super) async fn share_on_resolve(ctx: &Context, incident: &Incident) -> Option<Reply> {
    let channel = incident.channel.as_ref()?;
    let shared = match render(ctx, incident).await {
        Ok(markdown) => {
            let comment = format!(
                ":memo: Incident #{} is resolved. Here is the postmortem draft, written from the timeline — \
                 edit it into the final version; `/incident postmortem` drafts it again after more notes, pins or action items.",
                incident.number
            );
            ctx.chat.share_text(channel, &filename(incident), &markdown, &comment).await.map_err(|e| e.to_string())
        }
        Err(error) => Err(error.to_string()),
    };
    let error = shared.err()?;
    tracing::warn!(incident.id = %incident.id, %error, "resolved, but the postmortem draft could not be shared");
    Some(Reply::ephemeral(format!(
        ":warning: The incident is resolved, but the postmortem draft could not be shared ({}). Try `/incident postmortem`.",
        crate::mrkdwn::escape(&error)
    )))
}

async fn render(ctx: &Context, incident: &Incident) -> Result<String, CommandError> {
    draft(ctx.store.as_ref(), &ctx.settings, incident, ctx.clock.now()).await.map_err(|error| match error {
        DraftError::Store(e) => CommandError::from(e),
        // The template was checked at start-up; a failure now is an operator's problem to see.
        DraftError::Template(e) => CommandError::Internal(e.to_string()),
    })
}
