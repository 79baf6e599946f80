//! Flags such as `data-integrity`: a concern that escalates on its own (the seed's "data
//! corruption suspected → Level 3"). A flag is raised by an alert that carries it in its flag
//! label, or by `/incident escalate <flag> [reason]`; it lands on the timeline once, and
//! every level that lists it in `on_flags` is reached (each level once, levels only go up).

use crate::alerts::notification::{AlertStatus, Notification};
use crate::engine::{CommandError, Context};
use crate::incident::Incident;
use crate::timeline::{Actor, EventKind, NewEvent, Source};

use super::flow::{escalate, Escalation};

/// Longest flag name accepted.
const MAX_FLAG_CHARS: usize = 40;

/// Whether `text` can be a flag: lowercase letters, digits, `-` and `_`.
pub fn is_flag_name(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_FLAG_CHARS && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Splits `data-integrity: checksums differ` into a flag some level lists and the rest;
/// `None` when the first word is no such flag (then it is an ordinary reason).
pub fn split_flag(ctx: &Context, reason: &str) -> Option<(String, Option<String>)> {
    let trimmed = reason.trim_start();
    let (word, rest) = trimmed.split_once(char::is_whitespace).unwrap_or((trimmed, ""));
    let word = word.trim_end_matches(':').to_lowercase();
    let listed = ctx.settings.escalation.iter().any(|level| level.on_flags.contains(&word));
    let rest = rest.trim();
    listed.then(|| (word, (!rest.is_empty()).then(|| rest.to_owned())))
}

/// Raises `flag` on `incident` (recorded once) and reaches every level that lists it; returns
/// the names of the levels reached now.
pub async fn raise_flag(ctx: &Context, incident: &Incident, flag: &str, why: Escalation) -> Result<Vec<String>, CommandError> {
    let kind = EventKind::FlagRaised { flag: flag.to_owned(), reason: why.reason.clone() };
    let event = NewEvent { incident: incident.id, at: ctx.clock.now(), actor: why.actor.clone(), source: why.source, kind, cause: Some(format!("flag:{flag}")) };
    ctx.store.append(event).await?;
    let mut reached = Vec::new();
    for (index, level) in ctx.settings.escalation.iter().enumerate() {
        if level.on_flags.iter().any(|f| f == flag) {
            let reason = Escalation { reason: format!("{flag} flag — {}", why.reason), ..why.clone() };
            if escalate(ctx, incident, index + 1, reason).await? {
                reached.push(level.name.clone());
            }
        }
    }
    Ok(reached)
}

/// Raises the flags the firing alerts of `notification` carry in the configured flag label
/// (`firebreak_flag: data-integrity`, several separated by commas).
pub async fn raise_alert_flags(ctx: &Context, incident: &Incident, notification: &Notification) -> Result<(), CommandError> {
    let label = ctx.settings.alert_flag_label.as_str();
    for alert in notification.alerts.iter().filter(|a| a.status == AlertStatus::Firing) {
        let Some(value) = alert.labels.get(label) else { continue };
        let alertname = alert.labels.get("alertname").map_or("alert", String::as_str);
        for flag in value.split(',').map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty()) {
            if !is_flag_name(&flag) {
                tracing::warn!(incident.id = %incident.id, alertname, "an alert's flag label holds no flag name (a-z, 0-9, - and _); ignored");
                continue;
            }
            let why = Escalation { actor: Actor::Firebreak, source: Source::Alertmanager, reason: format!("alert `{alertname}` has {label}={flag}") };
            raise_flag(ctx, incident, &flag, why).await?;
        }
    }
    Ok(())
}
