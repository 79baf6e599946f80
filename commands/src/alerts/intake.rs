//! An Alertmanager notification becomes an incident: a firing group whose alert a runbook
//! names (or whose `severity` label maps to a severity) opens one, once per group however
//! often Alertmanager repeats itself or how many replicas it reaches; new alerts of the group
//! and resolutions land on that incident's timeline, once per alert.

use crate::command::{open_incident, Opening};
use crate::engine::{CommandError, Context, Invocation};
use crate::ids::ChannelId;
use crate::incident::{Incident, MAX_TITLE_CHARS};
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::timeline::{Actor, EventKind, NewEvent, Source, TimelineEvent};

use super::notification::{AlertStatus, Notification};

/// What became of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Recorded on incident `number` (`opened` when this notification opened it); `recorded`
    /// counts the alert events that were new.
    Recorded { number: i64, opened: bool, recorded: usize },
    /// Nothing to do, and why (told to Alertmanager in the answer).
    Ignored(String),
}

/// Handles one notification.
pub async fn receive(ctx: &Context, notification: &Notification) -> Result<Received, CommandError> {
    let (team, bot) = ctx.chat.identity().await.map_err(|e| CommandError::Internal(format!("asking Slack who Firebreak is: {e}")))?;
    let inv = Invocation {
        team: team.clone(),
        user: bot,
        channel: ChannelId::new("alertmanager"),
        source: Source::Alertmanager,
        cause: None,
        incident: None,
        response_url: None,
    };
    let key = notification.group_key.as_str();
    let firing = notification.alerts.iter().any(|a| a.status == AlertStatus::Firing);
    let (incident, opened) = match ctx.store.open_incident_for_alert(&team, key).await? {
        Some(incident) => (incident, false),
        None if !firing => return Ok(Received::Ignored("resolved alerts of a group with no open incident".into())),
        None => match opening(ctx, notification) {
            Ok(opening) => match open_incident(ctx, &inv, opening).await {
                Ok((incident, _)) => (incident, true),
                // Another delivery (Alertmanager in HA, a retry, a replica) opened it first.
                Err(error) => match ctx.store.open_incident_for_alert(&team, key).await? {
                    Some(incident) => (incident, false),
                    None => return Err(error),
                },
            },
            Err(why) => return Ok(Received::Ignored(why)),
        },
    };
    let recorded = record_alerts(ctx, &incident, notification, !opened).await?;
    if recorded > 0 {
        crate::escalation::check_services(ctx, &incident).await?;
        crate::escalation::raise_alert_flags(ctx, &incident, notification).await?;
    }
    Ok(Received::Recorded { number: incident.number.0, opened, recorded })
}

/// Severity, title and runbook for a new incident, or why none is opened.
fn opening(ctx: &Context, notification: &Notification) -> Result<Opening, String> {
    let alertname = notification.alertname().unwrap_or("alert");
    let runbook = ctx.settings.runbooks.for_alert(alertname).cloned();
    let label = notification.severity_label();
    let severity = runbook
        .as_ref()
        .and_then(|r| r.severity)
        .or_else(|| label.and_then(|l| ctx.settings.alert_severities.get(&l.to_lowercase()).copied()))
        .ok_or_else(|| {
            format!(
                "no runbook handles alert `{alertname}` and its severity label ({}) maps to no severity; \
                 add the alert to a runbook's `alerts` or map the label under [alertmanager] severity_labels",
                label.unwrap_or("none")
            )
        })?;
    let summary = notification.summary().unwrap_or("firing");
    let title: String = format!("{alertname}: {summary}").chars().take(MAX_TITLE_CHARS).collect();
    Ok(Opening { severity, title, alert_key: Some(notification.group_key.clone()), runbook })
}

/// Appends the firing and resolved alerts (once per alert and start); tells the channel about
/// changes after the first notification, and when every alert has cleared.
async fn record_alerts(ctx: &Context, incident: &Incident, notification: &Notification, tell: bool) -> Result<usize, CommandError> {
    let mut recorded = 0;
    let mut lines = Vec::new();
    for alert in &notification.alerts {
        let alertname = alert.labels.get("alertname").cloned().or_else(|| notification.alertname().map(str::to_owned)).unwrap_or_default();
        let (kind, cause, line) = match alert.status {
            AlertStatus::Firing => (
                EventKind::AlertFiring {
                    alertname: alertname.clone(),
                    fingerprint: alert.fingerprint.clone(),
                    summary: alert.summary(),
                    starts_at: alert.starts_at,
                    service: alert.labels.get("service").cloned(),
                },
                format!("alert:{}:{}", alert.fingerprint, alert.starts_at.as_second()),
                format!(":rotating_light: New alert in this incident's group: `{}` — {}", escape(&alertname), escape(&alert.summary())),
            ),
            AlertStatus::Resolved => (
                EventKind::AlertResolved { alertname: alertname.clone(), fingerprint: alert.fingerprint.clone(), summary: alert.summary() },
                format!("alert-resolved:{}:{}", alert.fingerprint, alert.starts_at.as_second()),
                format!(":white_check_mark: Alert resolved: `{}` — {}", escape(&alertname), escape(&alert.summary())),
            ),
        };
        let at = if alert.status == AlertStatus::Firing { alert.starts_at.min(ctx.clock.now()) } else { ctx.clock.now() };
        let event = NewEvent { incident: incident.id, at, actor: Actor::Firebreak, source: Source::Alertmanager, kind, cause: Some(cause) };
        if ctx.store.append(event).await? {
            recorded += 1;
            lines.push(line);
        }
    }
    // The first notification is told by the incident's opening; later ones line by line.
    let mut told: Vec<String> = if tell { lines } else { Vec::new() };
    if recorded > 0 && incident.is_open() && all_cleared(&ctx.store.timeline(incident.id).await?) {
        told.push(":tada: Every alert of this incident has cleared. If the service is healthy, close it with `/incident resolve &lt;summary&gt;`.".into());
    }
    if let Some(channel) = &incident.channel {
        for line in told {
            if let Err(error) = ctx.chat.post(channel, &Reply::in_channel(line)).await {
                tracing::warn!(incident.id = %incident.id, %error, "could not tell the channel about an alert");
            }
        }
    }
    Ok(recorded)
}

/// Whether every alert that fired has been resolved since.
fn all_cleared(events: &[TimelineEvent]) -> bool {
    let mut firing: Vec<&str> = Vec::new();
    for event in events {
        match &event.kind {
            EventKind::AlertFiring { fingerprint, .. } if !firing.contains(&fingerprint.as_str()) => firing.push(fingerprint),
            EventKind::AlertResolved { fingerprint, .. } => firing.retain(|f| f != fingerprint),
            _ => {}
        }
    }
    firing.is_empty()
}
