//! `/incident escalate [reason]`: escalate by hand to the next configured level.

use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::escalation::{escalate, next_level, Escalation};
use crate::reply::Reply;
use crate::timeline::Actor;

pub(super) async fn execute(ctx: &Context, inv: &Invocation, reason: Option<String>) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    if !incident.is_open() {
        return Err(CommandError::User(format!("Incident #{} is not open; there is nobody to escalate to.", incident.number)));
    }
    let events = ctx.store.timeline(incident.id).await?;
    let Some(level) = next_level(ctx, &events) else {
        let names: Vec<&str> = ctx.settings.escalation.iter().map(|l| l.name.as_str()).collect();
        return Err(CommandError::User(if names.is_empty() {
            "No escalation levels are configured ([[escalation.levels]] in firebreak.toml); nothing was changed.".to_owned()
        } else {
            format!("Incident #{} is at the highest level already ({}).", incident.number, names.join(" → "))
        }));
    };
    let reason = reason.unwrap_or_else(|| format!("escalated by {}", inv.user.mention()));
    let why = Escalation { actor: Actor::User(inv.user.clone()), source: inv.source, reason };
    let name = ctx.settings.escalation[level - 1].name.clone();
    if escalate(ctx, &incident, level, why).await? {
        Ok(Some(Reply::ephemeral(format!(":rotating_light: Escalated #{} to {name}.", incident.number))))
    } else {
        Ok(Some(Reply::ephemeral(format!("#{} was escalated to {name} already.", incident.number))))
    }
}
