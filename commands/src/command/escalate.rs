//! `/incident escalate [reason]`: escalate by hand to the next configured level — or, when the
//! reason starts with a flag a level lists (`escalate data-integrity checksums differ`), raise
//! that flag and reach the levels it names.

use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::escalation::{escalate, next_level, raise_flag, split_flag, Escalation};
use crate::incident::Incident;
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::timeline::Actor;

/// The reason recorded when none is given.
const NO_REASON: &str = "no reason given";

pub(super) async fn execute(ctx: &Context, inv: &Invocation, reason: Option<String>) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    if !incident.is_open() {
        return Err(CommandError::User(format!("Incident #{} is not open; there is nobody to escalate to.", incident.number)));
    }
    if let Some((flag, rest)) = reason.as_deref().and_then(|r| split_flag(ctx, r)) {
        return flagged(ctx, inv, &incident, &flag, rest).await;
    }
    let events = ctx.store.timeline(incident.id).await?;
    let Some(level) = next_level(ctx, &events) else {
        let names: Vec<&str> = ctx.settings.escalation.iter().map(|l| l.name.as_str()).collect();
        return Err(CommandError::User(if names.is_empty() {
            "No escalation levels are configured ([[escalation.levels]] in firebreak.toml); nothing was changed.".to_owned()
        } else {
            format!("Incident #{} is at the highest level already ({}).", incident.number, escape(&names.join(" → ")))
        }));
    };
    // Reasons are kept as written (timeline, pager); who escalated is the event's actor.
    let reason = reason.unwrap_or_else(|| NO_REASON.to_owned());
    let why = Escalation { actor: Actor::User(inv.user.clone()), source: inv.source, reason };
    let name = ctx.settings.escalation[level - 1].name.clone();
    if escalate(ctx, &incident, level, why).await? {
        Ok(Some(Reply::ephemeral(format!(":rotating_light: Escalated #{} to {}.", incident.number, escape(&name)))))
    } else {
        Ok(Some(Reply::ephemeral(format!("#{} was escalated to {} already.", incident.number, escape(&name)))))
    }
}

/// `escalate <flag> [reason]`: the flag goes on the timeline (once) and reaches its levels.
async fn flagged(ctx: &Context, inv: &Invocation, incident: &Incident, flag: &str, rest: Option<String>) -> Result<Option<Reply>, CommandError> {
    let reason = rest.unwrap_or_else(|| NO_REASON.to_owned());
    let why = Escalation { actor: Actor::User(inv.user.clone()), source: inv.source, reason };
    let reached = raise_flag(ctx, incident, flag, why).await?;
    Ok(Some(Reply::ephemeral(if reached.is_empty() {
        format!("The {} flag is on #{}'s timeline; the levels it reaches were reached already.", escape(flag), incident.number)
    } else {
        format!(":rotating_light: Raised the {} flag on #{}: escalated to {}.", escape(flag), incident.number, escape(&reached.join(" and ")))
    })))
}
