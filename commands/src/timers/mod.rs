//! The severity's clock: timers stored with the incident (so they survive restarts and fire
//! once across replicas) for the response time, status-update reminders and escalation.

mod fire;
mod schedule;

pub use fire::{fire, fire_due};
pub use schedule::schedule_for_new_incident;

use jiff::Timestamp;

use crate::ids::IncidentId;

/// What a timer does when it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerKind {
    /// The severity's response time: page on-call if nobody leads yet.
    Response,
    /// The `n`th status-update reminder (1-based).
    Reminder(u32),
    /// Escalation to level `n` (1-based) if still unresolved.
    Escalation(usize),
}

impl TimerKind {
    /// The stored key (`response`, `reminder:3`, `escalation:2`): one timer per incident and key.
    pub fn key(&self) -> String {
        match self {
            Self::Response => "response".to_owned(),
            Self::Reminder(n) => format!("reminder:{n}"),
            Self::Escalation(n) => format!("escalation:{n}"),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        match key.split_once(':') {
            None if key == "response" => Some(Self::Response),
            Some(("reminder", n)) => n.parse().ok().map(Self::Reminder),
            Some(("escalation", n)) => n.parse().ok().map(Self::Escalation),
            _ => None,
        }
    }
}

/// A timer due at `due_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub id: i64,
    pub incident: IncidentId,
    pub kind: TimerKind,
    pub due_at: Timestamp,
}

#[cfg(test)]
mod tests;
