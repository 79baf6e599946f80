//! The postmortem draft, drawn only from the timeline into the seed's Post-Incident Template.

use jiff::{Timestamp, tz::TimeZone};
use serde::Serialize;

use crate::incident::Incident;
use crate::pins::{pinned_messages, PinnedMessage};
use crate::ports::{IncidentStore, StoreError};
use crate::settings::Settings;
use crate::timeline::{EventKind, TimelineEvent};

mod key_times;
pub use key_times::{KeyTime, KeyTimes};

/// The default template (`templates/postmortem.md.j2`), embedded.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/postmortem.md.j2");

/// What the template sees.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Postmortem {
    pub number: i64,
    pub title: String,
    pub date: String,
    pub duration: String,
    pub severity: String,
    pub impact: String,
    /// Started, detected, acknowledged, mitigated, resolved — those known.
    pub key_times: Vec<KeyTimeLine>,
    pub timeline: Vec<Line>,
    pub root_cause: String,
    pub resolution: Vec<String>,
    pub action_items: Vec<String>,
}

impl Postmortem {
    /// A small filled-in draft, for checking a template renders before it is needed.
    pub fn sample() -> Self {
        let line = |time: &str, text: &str, mark: Option<&str>| Line {
            time: time.into(),
            text: text.into(),
            mark: mark.map(str::to_owned),
            at: Timestamp::UNIX_EPOCH,
        };
        Self {
            number: 1,
            title: "API returns 502".into(),
            date: "2026-11-23".into(),
            duration: "42 min".into(),
            severity: "SEV1".into(),
            impact: "Complete outage — API returns 502".into(),
            key_times: vec![KeyTimeLine { name: "Detected".into(), time: "03:12".into(), corrected: false }],
            timeline: vec![line("03:12", "<@U1> declared SEV1: API returns 502", Some("Detected")), line("03:20", "<@U1> note: rolled back", None)],
            root_cause: "a config push removed the upstream pool".into(),
            resolution: vec!["`restart api` ran: rollout complete".into()],
            action_items: vec!["alert on upstream pool size".into()],
        }
    }
}

/// One key time as shown: `Detected` at `03:05` (with the date when it differs).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyTimeLine {
    pub name: String,
    pub time: String,
    /// Set by hand with `/incident time`, rather than taken from the events.
    pub corrected: bool,
}

/// One timeline entry: `HH:MM`, what happened, and a key-time mark.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Line {
    pub time: String,
    pub text: String,
    pub mark: Option<String>,
    #[serde(skip)]
    at: Timestamp,
}

/// A template that does not render, with the line where it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("postmortem template{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct TemplateError {
    pub line: Option<usize>,
    pub message: String,
}

/// Events that are plumbing, or folded into another line (pins), not history of their own.
fn is_own_line(kind: &EventKind) -> bool {
    !matches!(
        kind,
        EventKind::TopicSet { .. }
            | EventKind::CardPosted
            | EventKind::CardPinned
            | EventKind::KeyTimeSet { .. }
            | EventKind::MessagePinned { .. }
            | EventKind::PinRemoved { .. }
            | EventKind::PinnedMessageEdited { .. }
            | EventKind::PinnedMessageDeleted { .. }
    )
}

fn human(duration: jiff::SignedDuration) -> String {
    let minutes = duration.as_secs() / 60;
    if minutes < 60 { format!("{minutes} min") } else { format!("{} h {} min", minutes / 60, minutes % 60) }
}

/// What a diagnostics run found wrong, so the timeline says more than a tally.
fn findings(kind: &EventKind) -> String {
    let EventKind::DiagnosticsRan { results, .. } = kind else {
        return String::new();
    };
    let wrong: Vec<String> = results.iter().filter(|r| r.outcome != "ok").map(|r| format!("{} {}: {}", r.outcome, r.name, r.summary)).collect();
    if wrong.is_empty() { String::new() } else { format!(" ({})", wrong.join("; ")) }
}

/// A pinned message as one timeline line, quoting what it says now and what it said before.
fn pin_line(pin: &PinnedMessage) -> String {
    let who = pin.author.as_ref().map_or_else(|| "a message".to_owned(), |a| a.mention());
    let mut text = format!("📌 {who}: \"{}\"", pin.text);
    if pin.edited() {
        text.push_str(&format!(" (edited; first pinned as \"{}\")", pin.original_text));
    }
    if pin.deleted {
        text.push_str(" (since deleted in Slack)");
    }
    if let Some(link) = &pin.permalink {
        text.push_str(&format!(" [message]({link})"));
    }
    text
}

/// Builds the postmortem from the incident and its timeline, times in `zone`.
pub fn build(incident: &Incident, events: &[TimelineEvent], zone: &TimeZone, now: Timestamp) -> Postmortem {
    let keys = KeyTimes::from_events(incident, events);
    let clock = |at: Timestamp| at.to_zoned(zone.clone()).strftime("%H:%M").to_string();
    let mut timeline: Vec<Line> = Vec::new();
    for e in events.iter().filter(|e| is_own_line(&e.kind)) {
        let mark = keys.mark(e.seq);
        let text = format!("{} {}{}", e.actor.mention(), e.kind.describe(), findings(&e.kind));
        timeline.push(Line { time: clock(e.at), text, mark, at: e.at });
    }
    for pin in pinned_messages(events).iter().filter(|p| p.is_pinned()) {
        timeline.push(Line { time: clock(pin.posted_at), text: pin_line(pin), mark: None, at: pin.posted_at });
    }
    // Key times corrected by hand stand on their own line at the time they name.
    for key in keys.all().into_iter().filter(|k| k.by_hand && k.name != "Started") {
        timeline.push(Line { time: clock(key.at), text: key.name.to_owned(), mark: Some(key.name.to_owned()), at: key.at });
    }
    // Stable: events of one minute keep the order they were recorded in.
    timeline.sort_by_key(|l| l.at);
    let duration = match &keys.resolved {
        Some(end) => human(end.at.duration_since(keys.started.at)),
        None => format!("ongoing ({} so far)", human(now.duration_since(keys.started.at))),
    };
    let day = |at: Timestamp| at.to_zoned(zone.clone()).strftime("%Y-%m-%d").to_string();
    let first_day = day(keys.started.at);
    let key_times = keys
        .all()
        .into_iter()
        .map(|k| {
            let shown = if day(k.at) == first_day { clock(k.at) } else { format!("{} {}", day(k.at), clock(k.at)) };
            KeyTimeLine { name: k.name.to_owned(), time: shown, corrected: k.by_hand }
        })
        .collect();
    Postmortem {
        number: incident.number.0,
        title: incident.title.clone(),
        date: first_day,
        duration,
        severity: incident.severity.to_string(),
        impact: format!("{} — {}", incident.severity.definition(), incident.title),
        key_times,
        timeline,
        root_cause: root_cause(events),
        resolution: resolution(events),
        action_items: action_items(events),
    }
}

/// The lead's root cause: the latest note starting with "root cause:".
fn root_cause(events: &[TimelineEvent]) -> String {
    const PREFIX: &str = "root cause:";
    events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Note { text } => text.to_lowercase().starts_with(PREFIX).then(|| text[PREFIX.len()..].trim().to_owned()),
            _ => None,
        })
        .unwrap_or_else(|| "_To be written by the incident lead (a note starting with \"root cause:\" fills this in)._".to_owned())
}

/// What was done: remediations that ran and their verification, and status notes.
fn resolution(events: &[TimelineEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RemediationFinished { action, success, summary, .. } => {
                Some(format!("`{action}` {}: {summary}", if *success { "ran" } else { "failed" }))
            }
            EventKind::RemediationOutcomeUnknown { action, summary, .. } => Some(format!("`{action}` outcome unknown: {summary}")),
            EventKind::RemediationVerified { action, success, summary, .. } => {
                Some(format!("`{action}` {}: {summary}", if *success { "verified" } else { "not verified" }))
            }
            EventKind::StatusChanged { to, note: Some(note), .. } => Some(format!("{to}: {note}")),
            EventKind::Resolved { summary: Some(summary) } => Some(format!("Resolved: {summary}")),
            _ => None,
        })
        .collect()
}

fn action_items(events: &[TimelineEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ActionItem { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Why a draft could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// The Markdown draft of `incident`, from its stored timeline and the configured template.
pub async fn draft(store: &dyn IncidentStore, settings: &Settings, incident: &Incident, now: Timestamp) -> Result<String, DraftError> {
    let events = store.timeline(incident.id).await?;
    Ok(draft_from(incident, &events, settings, now)?)
}

/// The Markdown draft of `incident` from `events` already read, with the configured template.
pub fn draft_from(incident: &Incident, events: &[TimelineEvent], settings: &Settings, now: Timestamp) -> Result<String, TemplateError> {
    render(&settings.postmortem_template, &build(incident, events, &settings.time_zone, now))
}

/// The file name a draft is shared under.
pub fn filename(incident: &Incident) -> String {
    format!("postmortem-{}.md", incident.number)
}

/// Renders `postmortem` with `template` (minijinja).
pub fn render(template: &str, postmortem: &Postmortem) -> Result<String, TemplateError> {
    let mut env = minijinja::Environment::new();
    let to_error = |e: minijinja::Error| TemplateError { line: e.line(), message: e.to_string() };
    env.add_template("postmortem", template).map_err(to_error)?;
    let compiled = env.get_template("postmortem").map_err(to_error)?;
    compiled.render(minijinja::value::Serde(postmortem)).map_err(to_error)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_golden;
