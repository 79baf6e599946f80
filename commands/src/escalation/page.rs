//! Calling a level's pager webhook when the level is reached, and saying what came of it:
//! on the timeline either way, and in the channel when the pager was NOT reached — the
//! people there must not believe someone was paged who was not.

use jiff::Timestamp;

use crate::engine::Context;
use crate::ids::{ChannelId, TeamId};
use crate::incident::Incident;
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::severity::Severity;
use crate::status::Status;
use crate::timeline::{Actor, EventKind, NewEvent, Source};

use super::level::EscalationLevel;

/// What a pager is told about an escalation (the adapter turns it into the webhook's body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub team: TeamId,
    /// The incident's number in its workspace (`#7`).
    pub incident: i64,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// The level reached, 1-based, and its name.
    pub level: usize,
    pub level_name: String,
    pub reason: String,
    pub channel: Option<ChannelId>,
    pub channel_name: Option<String>,
    pub at: Timestamp,
    /// The same for every attempt and every replica: receivers (PagerDuty's `dedup_key`)
    /// open one alert however often it arrives.
    pub dedup_key: String,
}

impl Page {
    pub fn new(incident: &Incident, level: usize, config: &EscalationLevel, reason: &str, at: Timestamp) -> Self {
        Self {
            team: incident.team.clone(),
            incident: incident.number.0,
            title: incident.title.clone(),
            severity: incident.severity,
            status: incident.status,
            level,
            level_name: config.name.clone(),
            reason: reason.to_owned(),
            channel: incident.channel.clone(),
            channel_name: incident.channel_name.clone(),
            at,
            dedup_key: format!("firebreak-{}-{}-level-{level}", incident.team.as_str(), incident.number.0),
        }
    }
}

/// Pages `config`'s webhook, if it has one, in a task of its own; the outcome is recorded
/// (and a failure said in the channel) when the pager has answered.
pub(super) fn spawn_webhook(ctx: &Context, incident: &Incident, level: usize, config: &EscalationLevel, reason: &str) {
    if config.webhook.is_none() {
        return;
    }
    let (ctx, incident, config, reason) = (ctx.clone(), incident.clone(), config.clone(), reason.to_owned());
    ctx.background.clone().spawn(async move { call_webhook(&ctx, &incident, level, &config, &reason).await });
}

/// Pages `config`'s webhook, if it has one, and records the outcome once per level.
async fn call_webhook(ctx: &Context, incident: &Incident, level: usize, config: &EscalationLevel, reason: &str) {
    let Some(webhook) = &config.webhook else { return };
    let page = Page::new(incident, level, config, reason, ctx.clock.now());
    let outcome = ctx.paging.page(webhook, &page).await;
    let (success, detail) = match &outcome {
        Ok(sent) => (true, format!("HTTP {}, {} attempt(s)", sent.status, sent.attempts)),
        Err(error) => (false, error.to_string()),
    };
    if !success {
        tracing::warn!(incident.id = %incident.id, level, error = %detail, "a pager webhook was not reached");
    }
    let kind = EventKind::PagerNotified { level, name: config.name.clone(), success, detail: detail.clone() };
    let event = NewEvent { incident: incident.id, at: ctx.clock.now(), actor: Actor::Firebreak, source: Source::Firebreak, kind, cause: Some(format!("pager:{level}")) };
    if let Err(error) = ctx.store.append(event).await {
        tracing::warn!(incident.id = %incident.id, %error, "could not record the pager's outcome");
    }
    if success {
        return;
    }
    let Some(channel) = &incident.channel else { return };
    let text = format!(
        ":warning: *The pager of {} was NOT reached* — {}. Nobody outside Slack has been paged for this level: \
         call them another way.",
        escape(&config.name),
        escape(&detail)
    );
    if let Err(error) = ctx.chat.post(channel, &Reply::in_channel(text).urgent()).await {
        tracing::warn!(incident.id = %incident.id, %error, "could not say that the pager was not reached");
    }
}
