//! The timers a new incident starts with: its response time, the first status-update
//! reminder, and each escalation level that has a time condition.

use crate::engine::Context;
use crate::incident::Incident;
use crate::ports::StoreError;

use super::TimerKind;

/// Schedules the incident's clock, counted from its declaration.
pub async fn schedule_for_new_incident(ctx: &Context, incident: &Incident) -> Result<(), StoreError> {
    let start = incident.declared_at;
    ctx.timers.schedule(incident.id, &TimerKind::Response, start + incident.severity.response_time()).await?;
    if let Some(every) = ctx.settings.update_every.get(&incident.severity) {
        ctx.timers.schedule(incident.id, &TimerKind::Reminder(1), start + *every).await?;
    }
    for (index, level) in ctx.settings.escalation.iter().enumerate() {
        if let Some(after) = level.after {
            ctx.timers.schedule(incident.id, &TimerKind::Escalation(index + 1), start + after).await?;
        }
    }
    Ok(())
}
