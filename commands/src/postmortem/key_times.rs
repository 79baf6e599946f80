//! Key times — started, detected, acknowledged, mitigated, resolved — taken from the events, or
//! as corrected by hand with `/incident time` (the latest correction wins).

use jiff::Timestamp;

use crate::incident::Incident;
use crate::status::Status;
use crate::timeline::{Actor, EventKind, TimelineEvent};

/// One key time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTime {
    /// `Detected`, as shown to people.
    pub name: &'static str,
    pub at: Timestamp,
    /// Corrected with `/incident time` rather than taken from the events.
    pub by_hand: bool,
    /// The event that marks it on the timeline (none when set by hand).
    pub seq: Option<i64>,
}

/// The key times of one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTimes {
    pub started: KeyTime,
    pub detected: KeyTime,
    pub acknowledged: Option<KeyTime>,
    pub mitigated: Option<KeyTime>,
    pub resolved: Option<KeyTime>,
}

impl KeyTimes {
    pub fn from_events(incident: &Incident, events: &[TimelineEvent]) -> Self {
        let declared = events.iter().find(|e| matches!(e.kind, EventKind::Declared { .. }));
        let detected = pick(events, "Detected", "detected", declared)
            .unwrap_or(KeyTime { name: "Detected", at: incident.declared_at, by_hand: false, seq: None });
        // The first sign of a person responding: someone took the lead or moved the status.
        let acknowledged = events.iter().find(|e| {
            matches!(e.actor, Actor::User(_)) && matches!(e.kind, EventKind::LeadChanged { .. } | EventKind::StatusChanged { .. })
        });
        let mitigated = events.iter().find(|e| matches!(e.kind, EventKind::StatusChanged { to: Status::Mitigated, .. }));
        let resolved = events.iter().find(|e| matches!(e.kind, EventKind::Resolved { .. }));
        let started = hand_set(events, "started")
            .map(|at| KeyTime { name: "Started", at, by_hand: true, seq: None })
            .unwrap_or_else(|| {
                // The earliest alert, or the declaration, whichever came first.
                let first_alert = events.iter().filter_map(|e| match &e.kind {
                    EventKind::AlertFiring { starts_at, .. } => Some(*starts_at),
                    _ => None,
                });
                let at = first_alert.fold(incident.declared_at.min(detected.at), Timestamp::min);
                KeyTime { name: "Started", at, by_hand: false, seq: None }
            });
        Self {
            started,
            acknowledged: pick(events, "Acknowledged", "acknowledged", acknowledged),
            mitigated: pick(events, "Mitigated", "mitigated", mitigated),
            resolved: pick(events, "Resolved", "resolved", resolved),
            detected,
        }
    }

    /// The known key times, in their natural order.
    pub fn all(&self) -> Vec<&KeyTime> {
        let mut all = vec![&self.started, &self.detected];
        all.extend([&self.acknowledged, &self.mitigated, &self.resolved].into_iter().flatten());
        all
    }

    /// The key times that event `seq` marks on the timeline (`Acknowledged, Mitigated` when
    /// the first response was the mitigation), if any.
    pub fn mark(&self, seq: i64) -> Option<String> {
        let names: Vec<&str> = self.all().into_iter().filter(|k| k.seq == Some(seq)).map(|k| k.name).collect();
        (!names.is_empty()).then(|| names.join(", "))
    }
}

/// The hand-set time named `which`, else the time of `event`.
fn pick(events: &[TimelineEvent], name: &'static str, which: &str, event: Option<&TimelineEvent>) -> Option<KeyTime> {
    match hand_set(events, which) {
        Some(at) => Some(KeyTime { name, at, by_hand: true, seq: None }),
        None => event.map(|e| KeyTime { name, at: e.at, by_hand: false, seq: Some(e.seq) }),
    }
}

/// The key time set by hand, if any (the latest correction wins).
fn hand_set(events: &[TimelineEvent], which: &str) -> Option<Timestamp> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::KeyTimeSet { which: w, at } if w == which => Some(*at),
        _ => None,
    })
}
