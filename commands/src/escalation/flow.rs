//! Escalating an incident: once per level, in the channel, to the level's people, on the
//! timeline. Levels only go up.

use crate::engine::{CommandError, Context};
use crate::ids::{ChannelId, SlackUserId};
use crate::incident::Incident;
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::timeline::{Actor, EventKind, NewEvent, Source, TimelineEvent};

use super::level::{EscalationLevel, Pager};

/// Who or what escalates, and why.
#[derive(Debug, Clone)]
pub struct Escalation {
    pub actor: Actor,
    pub source: Source,
    pub reason: String,
}

/// The highest level reached so far (0 = none).
pub fn current_level(events: &[TimelineEvent]) -> usize {
    events.iter().filter_map(|e| match &e.kind {
        EventKind::Escalated { level, .. } => Some(*level),
        _ => None,
    }).max().unwrap_or(0)
}

/// The next level above the current one, if configured.
pub fn next_level(ctx: &Context, events: &[TimelineEvent]) -> Option<usize> {
    let next = current_level(events) + 1;
    (next <= ctx.settings.escalation.len()).then_some(next)
}

/// Escalates `incident` to `level` (1-based) unless it is there already. Returns whether it
/// escalated now.
pub async fn escalate(ctx: &Context, incident: &Incident, level: usize, why: Escalation) -> Result<bool, CommandError> {
    let Some(config) = ctx.settings.escalation.get(level.wrapping_sub(1)) else {
        return Err(CommandError::User(format!("There is no escalation level {level}.")));
    };
    let events = ctx.store.timeline(incident.id).await?;
    if current_level(&events) >= level || !incident.is_open() {
        return Ok(false);
    }
    let paged: Vec<String> = config.page.iter().map(Pager::mention).collect();
    let kind = EventKind::Escalated { level, name: config.name.clone(), reason: why.reason.clone(), paged: paged.clone() };
    let event = NewEvent { incident: incident.id, at: ctx.clock.now(), actor: why.actor.clone(), source: why.source, kind, cause: Some(format!("escalate:{level}")) };
    // The cause makes the level count once, whichever replica or timer gets here first.
    if !ctx.store.append(event).await? {
        return Ok(false);
    }
    if let Some(channel) = &incident.channel {
        tell_channel(ctx, incident, channel, config, &why, &paged).await;
    }
    // After Slack, so the channel hears of the escalation first; and in the background, so a
    // slow pager (up to three 5 s attempts) holds up nobody — not Alertmanager's webhook
    // request (which times out at 10 s and then retries), a timer round nor a slash command.
    super::page::spawn_webhook(ctx, incident, level, config, &why.reason);
    Ok(true)
}

/// Invites the level's people and posts the escalation in the incident's channel.
async fn tell_channel(ctx: &Context, incident: &Incident, channel: &ChannelId, config: &EscalationLevel, why: &Escalation, paged: &[String]) {
    let people = people_to_invite(ctx, &config.page).await;
    if !people.is_empty()
        && let Err(error) = ctx.chat.invite(channel, &people).await
    {
        tracing::warn!(incident.id = %incident.id, %error, "could not invite the escalation level's people");
    }
    let text = format!(
        ":rotating_light: *Escalated to {}* — {} (by {})\n{} please join: #{} {} ({}).",
        escape(&config.name),
        escape(&why.reason),
        why.actor.mention(),
        if paged.is_empty() { "Nobody is configured for this level;".to_owned() } else { paged.join(" ") },
        incident.number,
        escape(&incident.title),
        incident.severity
    );
    if let Err(error) = ctx.chat.post(channel, &Reply::in_channel(text).urgent()).await {
        tracing::warn!(incident.id = %incident.id, %error, "could not post the escalation");
    }
}

/// Users and user-group members of a level, each once.
async fn people_to_invite(ctx: &Context, page: &[Pager]) -> Vec<SlackUserId> {
    let mut people: Vec<SlackUserId> = Vec::new();
    for pager in page {
        let found = match pager {
            Pager::User(user) => vec![user.clone()],
            Pager::Group(group) => ctx.chat.usergroup_members(group).await.unwrap_or_else(|error| {
                tracing::warn!(%group, %error, "could not read an escalation group's members");
                Vec::new()
            }),
        };
        for person in found {
            if !people.contains(&person) {
                people.push(person);
            }
        }
    }
    people
}

/// Escalates to every level whose `min_services` the incident's alerts now reach.
pub async fn check_services(ctx: &Context, incident: &Incident) -> Result<(), CommandError> {
    let events = ctx.store.timeline(incident.id).await?;
    let services = affected_services(&events);
    for (index, level) in ctx.settings.escalation.iter().enumerate() {
        if level.min_services.is_some_and(|min| services.len() >= min) {
            let why = Escalation { actor: Actor::Firebreak, source: Source::Firebreak, reason: format!("{} services affected ({})", services.len(), services.join(", ")) };
            escalate(ctx, incident, index + 1, why).await?;
        }
    }
    Ok(())
}

/// Distinct services named by the incident's firing alerts.
fn affected_services(events: &[TimelineEvent]) -> Vec<String> {
    let mut services: Vec<String> = Vec::new();
    for event in events {
        if let EventKind::AlertFiring { service: Some(service), .. } = &event.kind
            && !services.contains(service)
        {
            services.push(service.clone());
        }
    }
    services
}
