//! Firing due timers: each is claimed once (store compare-and-set), then acts only if the
//! incident still needs it — nobody leads yet, no recent update, not resolved.

use std::time::Duration;

use crate::engine::{CommandError, Context};
use crate::escalation::{escalate, Escalation};
use crate::incident::Incident;
use crate::postmortem::KeyTimes;
use crate::reply::Reply;
use crate::timeline::{Actor, EventKind, NewEvent, Source, TimelineEvent};

use super::{Timer, TimerKind};

/// Timers claimed per round; the rest wait for the next round.
const CLAIM_LIMIT: u32 = 50;

/// Claims and fires every timer due now; returns how many fired.
pub async fn fire_due(ctx: &Context) -> Result<usize, CommandError> {
    let due = ctx.timers.claim_due(ctx.clock.now(), CLAIM_LIMIT).await?;
    for timer in &due {
        if let Err(error) = fire(ctx, timer).await {
            tracing::warn!(incident.id = %timer.incident, timer = %timer.kind.key(), %error, "a timer failed");
        }
    }
    Ok(due.len())
}

/// Does what `timer` is for, if its incident still needs it.
pub async fn fire(ctx: &Context, timer: &Timer) -> Result<(), CommandError> {
    let Some(incident) = ctx.store.incident(timer.incident).await? else { return Ok(()) };
    if !incident.is_open() || incident.channel.is_none() {
        return Ok(());
    }
    match timer.kind {
        TimerKind::Response => response_due(ctx, &incident, timer).await,
        TimerKind::Reminder(n) => remind(ctx, &incident, timer, n).await,
        TimerKind::Escalation(level) => {
            let minutes = ctx.settings.escalation.get(level.wrapping_sub(1)).and_then(|l| l.after).map_or(0, |d| d.as_secs() / 60);
            let why = Escalation { actor: Actor::Firebreak, source: Source::Firebreak, reason: format!("still unresolved after {minutes} min") };
            escalate(ctx, &incident, level, why).await.map(drop)
        }
    }
}

async fn response_due(ctx: &Context, incident: &Incident, timer: &Timer) -> Result<(), CommandError> {
    let events = ctx.store.timeline(incident.id).await?;
    if incident.lead.is_some() || KeyTimes::from_events(incident, &events).acknowledged.is_some() {
        return Ok(());
    }
    let minutes = incident.severity.response_time().as_secs() / 60;
    let oncall: Vec<String> = ctx.settings.oncall.get(&incident.severity).into_iter().flatten().map(|p| p.mention()).collect();
    let who = if oncall.is_empty() { "On-call:".to_owned() } else { oncall.join(" ") };
    let text = format!(
        ":alarm_clock: {who} the {} response time ({minutes} min) of #{} has passed and nobody has taken the lead. \
         Take it with `/incident lead @you`.",
        incident.severity, incident.number
    );
    // A page: it goes ahead of the channel's bulk output when Slack is slow.
    record_and_post(ctx, incident, timer, EventKind::ResponseOverdue { minutes }, Reply::in_channel(text).urgent()).await
}

async fn remind(ctx: &Context, incident: &Incident, timer: &Timer, n: u32) -> Result<(), CommandError> {
    let Some(every) = ctx.settings.update_every.get(&incident.severity).copied() else { return Ok(()) };
    // The next one first: a reminder that fails to post must not stop the cadence.
    ctx.timers.schedule(incident.id, &TimerKind::Reminder(n + 1), timer.due_at + every).await?;
    let events = ctx.store.timeline(incident.id).await?;
    if updated_within(&events, ctx.clock.now(), every) {
        return Ok(());
    }
    let to = incident.lead.clone();
    let who = to.as_ref().map_or_else(|| "Whoever leads this incident:".to_owned(), |lead| lead.mention());
    let text = format!(
        ":memo: {who} time for a status update on #{} ({} updates every {} min): `/incident status &lt;state&gt; &lt;what changed&gt;` or `/incident note &lt;text&gt;`.",
        incident.number,
        incident.severity,
        every.as_secs() / 60
    );
    record_and_post(ctx, incident, timer, EventKind::UpdateReminded { to }, Reply::in_channel(text)).await
}

/// Whether a person posted a status change or a note in the last `every`.
fn updated_within(events: &[TimelineEvent], now: jiff::Timestamp, every: Duration) -> bool {
    events.iter().any(|e| {
        matches!(e.actor, Actor::User(_))
            && matches!(e.kind, EventKind::StatusChanged { .. } | EventKind::Note { .. } | EventKind::SeverityChanged { .. })
            && e.at + every > now
    })
}

async fn record_and_post(ctx: &Context, incident: &Incident, timer: &Timer, kind: EventKind, reply: Reply) -> Result<(), CommandError> {
    let event = NewEvent { incident: incident.id, at: ctx.clock.now(), actor: Actor::Firebreak, source: Source::Firebreak, kind, cause: Some(format!("timer:{}", timer.id)) };
    if !ctx.store.append(event).await? {
        return Ok(());
    }
    if let Some(channel) = &incident.channel {
        ctx.chat.post(channel, &reply).await.map_err(|e| CommandError::Internal(format!("posting a timer's message: {e}")))?;
    }
    Ok(())
}
