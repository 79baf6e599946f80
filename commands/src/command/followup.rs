//! `/incident action <text>` and `/incident time <which> <HH:MM>`: what the postmortem needs,
//! recorded also after the incident is resolved (follow-ups come after the fire).

use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp};

use super::{Command, UsageError};
use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::incident::Incident;
use crate::reply::Reply;
use crate::timeline::EventKind;

pub(super) async fn action_item(ctx: &Context, inv: &Invocation, text: String) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    record(ctx, inv, &incident, EventKind::ActionItem { text }).await
}

pub(super) async fn key_time(ctx: &Context, inv: &Invocation, which: String, at: String) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    let at = resolve_clock_time(ctx, &at)?;
    if at < incident.declared_at.checked_sub(SignedDuration::from_hours(24 * 7)).unwrap_or(incident.declared_at) {
        return Err(CommandError::User("That time is more than a week before the incident was declared.".into()));
    }
    record(ctx, inv, &incident, EventKind::KeyTimeSet { which, at }).await
}

/// `HH:MM` in the configured time zone: the latest such moment that is not in the future.
fn resolve_clock_time(ctx: &Context, text: &str) -> Result<Timestamp, CommandError> {
    let bad = || CommandError::User("Give the time as HH:MM (24-hour).".into());
    let time: Time = text.parse().map_err(|_| bad())?;
    let now = ctx.clock.now().to_zoned(ctx.settings.time_zone.clone());
    let today = now.date().to_datetime(time).to_zoned(ctx.settings.time_zone.clone()).map_err(|_| bad())?;
    let moment = if today.timestamp() > now.timestamp() {
        today.yesterday().map_err(|_| bad())?.timestamp()
    } else {
        today.timestamp()
    };
    Ok(moment)
}

async fn record(ctx: &Context, inv: &Invocation, incident: &Incident, kind: EventKind) -> Result<Option<Reply>, CommandError> {
    let line = format!("{} {}", inv.user.mention(), kind.describe_mrkdwn());
    ctx.store.append(inv.event(ctx, kind).for_incident(incident.id)).await?;
    if let Some(channel) = &incident.channel
        && let Err(error) = ctx.chat.post(channel, &Reply::in_channel(line)).await
    {
        return Ok(Some(Reply::ephemeral(format!("Recorded, but Firebreak could not post it in the channel ({}).", crate::mrkdwn::escape(&error.to_string()))))) ;
    }
    Ok(None)
}

const TIME_USAGE: &str = "time <detected|acknowledged|mitigated|resolved> <HH:MM>";
const KEY_TIMES: [&str; 5] = ["started", "detected", "acknowledged", "mitigated", "resolved"];

pub(super) fn parse_time(rest: &str) -> Result<Command, UsageError> {
    let mut words = rest.split_whitespace();
    let (Some(which), Some(at), None) = (words.next(), words.next(), words.next()) else {
        return Err(UsageError::new("Name the key time and the time of day.", TIME_USAGE));
    };
    let which = which.to_ascii_lowercase();
    if !KEY_TIMES.contains(&which.as_str()) {
        return Err(UsageError::new(format!("Key times are {}.", KEY_TIMES.join(", ")), TIME_USAGE));
    }
    let valid_clock = at
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u8>().ok()?, m.parse::<u8>().ok()?)))
        .is_some_and(|(h, m)| h < 24 && m < 60 && at.len() == 5);
    if !valid_clock {
        return Err(UsageError::new("Give the time as HH:MM (24-hour).", TIME_USAGE));
    }
    Ok(Command::Time { which, at: at.to_owned() })
}
