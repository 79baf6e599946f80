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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EscalationLevel {
    pub name: String,
    /// The incident is still open this long after it was declared.
    pub after: Option<Duration>,
    /// At least this many services are affected (distinct `service` labels of its alerts).
    pub min_services: Option<usize>,
    /// Any of these flags (`data-integrity`) was raised on the incident, by an alert's flag
    /// label or by `/incident escalate <flag> …`.
    pub on_flags: Vec<String>,
    pub page: Vec<Pager>,
    /// A pager outside Slack called when the level is reached.
    pub webhook: Option<PagerWebhook>,
}

/// A pager's webhook. Only the names of environment variables are here: pager URLs and
/// routing keys are secrets, which the adapter holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagerWebhook {
    /// The variable holding the URL to POST to (optional for PagerDuty: its Events API v2).
    pub url_env: Option<String>,
    pub format: WebhookFormat,
    /// The variable holding PagerDuty's integration (routing) key.
    pub routing_key_env: Option<String>,
}

/// The body the webhook gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookFormat {
    /// Firebreak's own JSON (`docs/configuration.md` shows it).
    #[default]
    Json,
    /// A PagerDuty Events API v2 `trigger` event.
    PagerDuty,
}

impl WebhookFormat {
    pub fn key(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::PagerDuty => "pagerduty",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Json, Self::PagerDuty].into_iter().find(|f| f.key() == text)
    }
}
