//! One escalation level as configured: its name, when it applies, and whom it pages.

use std::time::Duration;

use crate::ids::SlackUserId;

/// Someone an escalation pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pager {
    /// A Slack user group (`S…`): mentioned, and its members invited.
    Group(String),
    User(SlackUserId),
}

impl Pager {
    pub fn mention(&self) -> String {
        match self {
            Self::Group(id) => format!("<!subteam^{id}>"),
            Self::User(user) => user.mention(),
        }
    }
}

/// A level (the seed's "Level 2 (Team Lead)"), reached when any of its conditions holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationLevel {
    pub name: String,
    /// The incident is still open this long after it was declared.
    pub after: Option<Duration>,
    /// At least this many services are affected (distinct `service` labels of its alerts).
    pub min_services: Option<usize>,
    pub page: Vec<Pager>,
}
