//! Changing an open incident: compare-and-set in the store, then card, topic and a channel line.

use crate::card;
use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::incident::{Incident, Setup};
use crate::ports::StoreError;
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::timeline::EventKind;

/// How often a change is re-read and re-applied when someone else saved in between.
const MAX_CONFLICT_RETRIES: usize = 5;

/// Applies `change` to the current incident and tells the channel.
///
/// `change` edits the incident and returns the event that describes the edit, or a user error
/// (nothing to change, not allowed). It may run more than once when saves race, so it must
/// only look at the incident it is given.
pub async fn apply<F>(ctx: &Context, inv: &Invocation, change: F) -> Result<Option<Reply>, CommandError>
where
    F: Fn(&mut Incident) -> Result<EventKind, CommandError>,
{
    for _ in 0..MAX_CONFLICT_RETRIES {
        let mut incident = current_incident(ctx, inv).await?;
        ensure_changeable(&incident)?;
        let kind = change(&mut incident)?;
        let event = inv.event(ctx, kind.clone()).for_incident(incident.id);
        match ctx.store.save(&incident, vec![event]).await {
            Ok(saved) => return Ok(tell_channel(ctx, inv, &saved, &kind).await),
            Err(StoreError::Conflict) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(CommandError::Internal("the incident kept changing while being updated".to_owned()))
}

fn ensure_changeable(incident: &Incident) -> Result<(), CommandError> {
    match incident.setup {
        Setup::Opening => Err(CommandError::User(format!(
            "Incident #{} is still being opened; try again in a moment.",
            incident.number
        ))),
        Setup::Failed => Err(CommandError::User(format!(
            "Incident #{} could not be opened; declare it again with `/incident start`.",
            incident.number
        ))),
        Setup::Open if !incident.status.is_open() => Err(CommandError::User(format!(
            "Incident #{} is resolved already.",
            incident.number
        ))),
        Setup::Open => Ok(()),
    }
}

/// Refreshes the card and topic and posts one line; returns a warning for the requester when
/// Slack refused part of it (the change itself is saved either way).
async fn tell_channel(ctx: &Context, inv: &Invocation, incident: &Incident, kind: &EventKind) -> Option<Reply> {
    let channel = incident.channel.as_ref()?;
    let mut problems = Vec::new();
    if let Some(ts) = incident.card_ts.as_ref()
        && let Err(error) = ctx.chat.update(channel, ts, &card::card(incident)).await
    {
        problems.push(format!("update the incident card ({error})"));
    }
    let changes_topic = matches!(
        kind,
        EventKind::StatusChanged { .. } | EventKind::SeverityChanged { .. } | EventKind::LeadChanged { .. } | EventKind::Resolved { .. }
    );
    if changes_topic
        && let Err(error) = ctx.chat.set_topic(channel, &card::topic(incident)).await
    {
        problems.push(format!("set the channel topic ({error})"));
    }
    let line = Reply::in_channel(format!("{} {}", inv.user.mention(), kind.describe_mrkdwn()));
    if let Err(error) = ctx.chat.post(channel, &line).await {
        problems.push(format!("post the update in the channel ({error})"));
    }
    if problems.is_empty() {
        return None;
    }
    tracing::warn!(incident.id = %incident.id, problems = problems.len(), "incident change saved but Slack refused part of the update");
    Some(Reply::ephemeral(format!(
        "Saved, but Firebreak could not {}.",
        escape(&problems.join(", nor "))
    )))
}
