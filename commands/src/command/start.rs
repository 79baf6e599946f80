//! `/incident start <sev> <title>`: declare an incident and open its Slack side.
//!
//! The incident is stored first (so it has its number), then its channel is created. If no
//! channel can be made the incident is marked failed and the requester is told; every later
//! step (invite, topic, card, pin, announcement) is attempted, recorded, and reported.

use std::time::Duration;

use super::diag::{run as run_diagnostics, Trigger};
use super::{required_text, Command, UsageError};
use crate::diagnostics::runbook::Runbook;
use crate::card;
use crate::channel_name::ChannelName;
use crate::engine::{CommandError, Context, Invocation};
use crate::incident::{Incident, NewIncident, Setup, MAX_TITLE_CHARS};
use crate::ports::{ChatError, CreatedChannel};
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::severity::Severity;
use crate::timeline::{Actor, EventKind, NewEvent, Source};

const USAGE: &str = "start <sev1..sev4> <title>";
/// Channel names tried after `name_taken` before giving up.
const MAX_NAME_ATTEMPTS: u32 = 10;
/// Attempts for a channel creation that failed for a transient reason.
const MAX_TRANSIENT_ATTEMPTS: u32 = 3;

pub(super) fn parse(rest: &str) -> Result<Command, UsageError> {
    let rest = rest.trim();
    let (word, title) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let severity = Severity::parse(word).ok_or_else(|| {
        UsageError::new("Start with a severity: sev1, sev2, sev3 or sev4.", USAGE)
    })?;
    let title = required_text(title, "start", "a title")?;
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(UsageError::new(
            format!("The title is too long ({} characters; at most {MAX_TITLE_CHARS}).", title.chars().count()),
            USAGE,
        ));
    }
    Ok(Command::Start { severity, title })
}

pub(super) async fn execute(
    ctx: &Context,
    inv: &Invocation,
    severity: Severity,
    title: String,
) -> Result<Option<Reply>, CommandError> {
    let runbook = ctx.settings.runbooks.for_title(&title).cloned();
    let opening = Opening { severity, title, alert_key: None, runbook };
    open(ctx, inv, opening).await.map(|(_, reply)| reply)
}

/// What to open: asked for with `/incident start`, or an alert group.
#[derive(Debug, Clone)]
pub struct Opening {
    pub severity: Severity,
    pub title: String,
    /// The Alertmanager group the incident stands for (one open incident per group).
    pub alert_key: Option<String>,
    /// The runbook whose diagnostics run as soon as the channel is up.
    pub runbook: Option<Runbook>,
}

/// Declares the incident and opens its channel; returns it with the requester's confirmation.
pub async fn open(ctx: &Context, inv: &Invocation, opening: Opening) -> Result<(Incident, Option<Reply>), CommandError> {
    let Opening { severity, title, alert_key, runbook } = opening;
    let new = NewIncident {
        team: inv.team.clone(),
        title: title.clone(),
        severity,
        declared_by: inv.user.clone(),
        declared_at: ctx.clock.now(),
        alert_key,
    };
    let declared = inv.event(ctx, EventKind::Declared { severity, title });
    let incident = ctx.store.create_incident(new, declared).await?;
    let channel = match create_channel(ctx, &incident).await {
        Ok(channel) => channel,
        Err(error) => return mark_failed(ctx, inv, incident.clone(), &error).await.map(|reply| (incident, reply)),
    };
    let mut incident = incident;
    incident.setup = Setup::Open;
    incident.channel = Some(channel.id.clone());
    incident.channel_name = Some(channel.name.clone());
    let created = EventKind::ChannelCreated { channel: channel.id.clone(), name: channel.name.clone() };
    let incident = ctx.store.save(&incident, vec![system_event(ctx, inv, &incident, created)]).await?;
    let (incident, problems) = set_up_channel(ctx, inv, incident, &channel).await?;
    if let Err(error) = crate::timers::schedule_for_new_incident(ctx, &incident).await {
        tracing::error!(incident.id = %incident.id, %error, "could not start the incident's clock (response time, reminders, escalation)");
    }
    if let Some(runbook) = &runbook {
        start_diagnostics(ctx, &incident, &channel, runbook.clone());
    }
    let reply = confirmation(&incident, &channel, &problems, runbook.as_ref().map(|r| r.name.as_str()));
    Ok((incident, Some(reply)))
}

/// Creates the channel, moving to the next name on `name_taken` and retrying transient errors.
async fn create_channel(ctx: &Context, incident: &Incident) -> Result<CreatedChannel, ChatError> {
    let date = incident.declared_at.to_zoned(ctx.settings.time_zone.clone()).date();
    let mut transient_failures = 0;
    let mut attempt = 0;
    while attempt < MAX_NAME_ATTEMPTS {
        let name = ChannelName::for_incident(&ctx.settings.channel_prefix, date, incident.number, &incident.title, attempt);
        match ctx.chat.create_channel(name.as_str()).await {
            Ok(channel) => return Ok(channel),
            Err(ChatError::NameTaken) => attempt += 1,
            Err(ChatError::Unavailable(reason)) if transient_failures + 1 < MAX_TRANSIENT_ATTEMPTS => {
                transient_failures += 1;
                tracing::warn!(incident.id = %incident.id, %reason, "channel creation failed; retrying");
                tokio::time::sleep(Duration::from_millis(250 * u64::from(transient_failures))).await;
            }
            Err(other) => return Err(other),
        }
    }
    Err(ChatError::Refused(format!("every channel name tried was taken ({MAX_NAME_ATTEMPTS} names)")))
}

async fn mark_failed(ctx: &Context, inv: &Invocation, mut incident: Incident, error: &ChatError) -> Result<Option<Reply>, CommandError> {
    incident.setup = Setup::Failed;
    let failed = EventKind::SetupFailed { error: format!("could not create the channel: {error}") };
    let event = system_event(ctx, inv, &incident, failed);
    ctx.store.save(&incident, vec![event]).await?;
    Err(CommandError::User(format!(
        ":x: Incident #{} was recorded but its channel could not be created: {}. \
         It is marked failed; declare it again with `/incident start` once Slack answers.",
        incident.number,
        escape(&error.to_string())
    )))
}

fn system_event(ctx: &Context, inv: &Invocation, incident: &Incident, kind: EventKind) -> NewEvent {
    inv.event(ctx, kind).for_incident(incident.id)
}

/// Invite, topic, card, pin, announcement. Each failure is recorded and reported, not fatal:
/// the channel exists, so the incident is usable.
async fn set_up_channel(ctx: &Context, inv: &Invocation, mut incident: Incident, channel: &CreatedChannel) -> Result<(Incident, Vec<String>), CommandError> {
    let mut events = Vec::new();
    let mut problems = Vec::new();
    let mut failed = |step: &str, error: ChatError, events: &mut Vec<EventKind>| {
        problems.push(format!("{step} ({error})"));
        events.push(EventKind::SetupStepFailed { step: step.to_owned(), error: error.to_string() });
    };
    let mut people = ctx.settings.people_to_invite(incident.severity, &inv.user);
    // An alert has no requester: the bot made the channel and is in it already.
    if inv.source == Source::Alertmanager {
        people.retain(|person| person != &inv.user);
    }
    if !people.is_empty() {
        match ctx.chat.invite(&channel.id, &people).await {
            Ok(()) => events.push(EventKind::PeopleInvited { users: people }),
            Err(error) => failed("invite the responders", error, &mut events),
        }
    }
    let topic = card::topic(&incident);
    match ctx.chat.set_topic(&channel.id, &topic).await {
        Ok(()) => events.push(EventKind::TopicSet { topic }),
        Err(error) => failed("set the channel topic", error, &mut events),
    }
    match ctx.chat.post(&channel.id, &card::card(&incident)).await {
        Ok(ts) => {
            events.push(EventKind::CardPosted);
            match ctx.chat.pin(&channel.id, &ts).await {
                Ok(()) => events.push(EventKind::CardPinned),
                Err(error) => failed("pin the incident card", error, &mut events),
            }
            incident.card_ts = Some(ts);
        }
        Err(error) => failed("post the incident card", error, &mut events),
    }
    if let (true, Some(broadcast)) = (incident.severity.is_major(), ctx.settings.broadcast_channel.as_ref()) {
        // Queued, not awaited: the broadcast channel is paced (about one post a second), and
        // the requester's confirmation must not wait behind other incidents' announcements.
        // A later refusal (Firebreak not in that channel) is told in the incident channel.
        match ctx.chat.post_and_forget(broadcast, &announcement(&incident, channel), Some(&channel.id)).await {
            Ok(()) => events.push(EventKind::Announced { channel: broadcast.clone() }),
            Err(error) => failed("announce in the broadcast channel", error, &mut events),
        }
    }
    let events = events.into_iter().map(|kind| system_event(ctx, inv, &incident, kind)).collect();
    let saved = ctx.store.save(&incident, events).await?;
    Ok((saved, problems))
}

fn announcement(incident: &Incident, channel: &CreatedChannel) -> Reply {
    Reply::in_channel(format!(
        ":rotating_light: *{} declared* — #{} {}\n{} · join {}",
        incident.severity,
        incident.number,
        escape(&incident.title),
        incident.severity.definition(),
        channel.id.link()
    ))
}

/// Runs the matching runbook's diagnostics in the background: the requester's confirmation
/// does not wait for them.
fn start_diagnostics(ctx: &Context, incident: &Incident, channel: &CreatedChannel, runbook: Runbook) {
    let (ctx, incident, channel) = (ctx.clone(), incident.clone(), channel.id.clone());
    ctx.background.clone().spawn(async move {
        let trigger = Trigger { actor: Actor::Firebreak, source: Source::Firebreak, cause: None };
        if let Err(error) = run_diagnostics(&ctx, trigger, &incident, &channel, &runbook).await {
            tracing::warn!(incident.id = %incident.id, %error, "automatic diagnostics failed");
        }
    });
}

fn confirmation(incident: &Incident, channel: &CreatedChannel, problems: &[String], runbook: Option<&str>) -> Reply {
    let mut text = format!(
        ":white_check_mark: Declared {} incident #{} — {}",
        incident.severity,
        incident.number,
        channel.id.link()
    );
    if let Some(runbook) = runbook {
        text.push_str(&format!("\n:stethoscope: Running the diagnostics of runbook `{}` in the channel.", escape(runbook)));
    }
    if !problems.is_empty() {
        text.push_str("\n:warning: Firebreak could not ");
        text.push_str(&escape(&problems.join("; nor ")));
        text.push_str(". The incident is open; you can do these by hand.");
    }
    Reply::ephemeral(text)
}
