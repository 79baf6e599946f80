//! The postmortem draft, drawn only from the timeline into the seed's Post-Incident Template.

use jiff::{Timestamp, tz::TimeZone};
use serde::Serialize;

use crate::incident::Incident;
use crate::status::Status;
use crate::timeline::{EventKind, TimelineEvent};

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
    pub timeline: Vec<Line>,
    pub root_cause: String,
    pub resolution: Vec<String>,
    pub action_items: Vec<String>,
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

/// Events that are plumbing, not history.
fn is_noise(kind: &EventKind) -> bool {
    matches!(kind, EventKind::TopicSet { .. } | EventKind::CardPosted | EventKind::CardPinned)
}

/// The key time set by hand, if any (the latest correction wins).
fn set_by_hand(events: &[TimelineEvent], which: &str) -> Option<Timestamp> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::KeyTimeSet { which: w, at } if w == which => Some(*at),
        _ => None,
    })
}

fn human(duration: jiff::SignedDuration) -> String {
    let minutes = duration.as_secs() / 60;
    if minutes < 60 { format!("{minutes} min") } else { format!("{} h {} min", minutes / 60, minutes % 60) }
}

/// Builds the postmortem from the incident and its timeline, times in `zone`.
pub fn build(incident: &Incident, events: &[TimelineEvent], zone: &TimeZone, now: Timestamp) -> Postmortem {
    let detected = set_by_hand(events, "detected").unwrap_or(incident.declared_at);
    let started = set_by_hand(events, "started").unwrap_or(incident.declared_at).min(detected);
    let resolved = set_by_hand(events, "resolved").or(incident.resolved_at);
    let clock = |at: Timestamp| at.to_zoned(zone.clone()).strftime("%H:%M").to_string();
    let by_hand = |which: &str| set_by_hand(events, which).is_some();
    let mut mitigated_marked = by_hand("mitigated");
    let mark_for = |kind: &EventKind, mitigated_marked: &mut bool| -> Option<String> {
        match kind {
            EventKind::Declared { .. } if !by_hand("detected") => Some("Detected".to_owned()),
            EventKind::StatusChanged { to: Status::Mitigated, .. } if !*mitigated_marked => {
                *mitigated_marked = true;
                Some("Mitigated".to_owned())
            }
            EventKind::Resolved { .. } if !by_hand("resolved") => Some("Resolved".to_owned()),
            _ => None,
        }
    };
    let mut timeline: Vec<Line> = Vec::new();
    for e in events.iter().filter(|e| !is_noise(&e.kind) && !matches!(e.kind, EventKind::KeyTimeSet { .. })) {
        let mark = mark_for(&e.kind, &mut mitigated_marked);
        timeline.push(Line { time: clock(e.at), text: format!("{} {}", e.actor.mention(), e.kind.describe()), mark, at: e.at });
    }
    // Key times corrected by hand stand on their own line at the time they name.
    for name in ["detected", "mitigated", "resolved"] {
        if let Some(at) = set_by_hand(events, name) {
            let label = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
            timeline.push(Line { time: clock(at), text: label.clone(), mark: Some(label), at });
        }
    }
    timeline.sort_by_key(|l| l.at);
    let duration = match resolved {
        Some(end) => human(end.duration_since(started)),
        None => format!("ongoing ({} so far)", human(now.duration_since(started))),
    };
    let root_cause = events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Note { text } => text.to_lowercase().starts_with("root cause:").then(|| text["root cause:".len()..].trim().to_owned()),
            _ => None,
        })
        .unwrap_or_else(|| "_To be written by the incident lead (a note starting with \"root cause:\" fills this in)._".to_owned());
    let resolution = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RemediationFinished { action, success, summary, .. } => {
                Some(format!("`{action}` {}: {summary}", if *success { "ran" } else { "failed" }))
            }
            EventKind::RemediationVerified { action, success, summary, .. } => {
                Some(format!("`{action}` {}: {summary}", if *success { "verified" } else { "not verified" }))
            }
            EventKind::StatusChanged { to, note: Some(note), .. } => Some(format!("{to}: {note}")),
            EventKind::Resolved { summary: Some(summary) } => Some(format!("Resolved: {summary}")),
            _ => None,
        })
        .collect();
    let action_items = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ActionItem { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    Postmortem {
        number: incident.number.0,
        title: incident.title.clone(),
        date: started.to_zoned(zone.clone()).strftime("%Y-%m-%d").to_string(),
        duration,
        severity: incident.severity.to_string(),
        impact: format!("{} — {}", incident.severity.definition(), incident.title),
        timeline,
        root_cause,
        resolution,
        action_items,
    }
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
