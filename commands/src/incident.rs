//! The incident record and the changes a responder can make to it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ChannelId, IncidentId, IncidentNumber, MessageTs, SlackUserId, TeamId};
use crate::severity::Severity;
use crate::status::Status;

/// Whether the incident's Slack side exists yet.
///
/// An incident is `Opening` while Firebreak creates its channel; it becomes `Open` once the
/// channel exists, or `Failed` when the channel could not be made (and the requester was told),
/// so no incident is ever left half-made without a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Setup {
    Opening,
    Open,
    Failed,
}

impl Setup {
    pub fn key(self) -> &'static str {
        match self {
            Self::Opening => "opening",
            Self::Open => "open",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "opening" => Some(Self::Opening),
            "open" => Some(Self::Open),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One incident as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: IncidentId,
    pub team: TeamId,
    pub number: IncidentNumber,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub lead: Option<SlackUserId>,
    pub declared_by: SlackUserId,
    pub declared_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub setup: Setup,
    pub channel: Option<ChannelId>,
    pub channel_name: Option<String>,
    pub card_ts: Option<MessageTs>,
    /// Bumped by every save: updates are compare-and-set on it.
    pub version: i64,
}

impl Incident {
    /// `#42 API returns 502` — how people refer to it.
    pub fn label(&self) -> String {
        format!("#{} {}", self.number, self.title)
    }

    pub fn is_open(&self) -> bool {
        self.status.is_open() && self.setup != Setup::Failed
    }
}

/// What `/incident start` asks the store to create; the store assigns id and number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub team: TeamId,
    pub title: String,
    pub severity: Severity,
    pub declared_by: SlackUserId,
    pub declared_at: Timestamp,
    /// For incidents opened by an alert: the Alertmanager group it stands for. At most one
    /// open incident per workspace has a given key, so repeated notifications find it.
    pub alert_key: Option<String>,
}

/// Longest incident title accepted. Alert-made titles can be long; the card's header is cut to
/// Slack's 150 characters and the full title shown below it.
pub const MAX_TITLE_CHARS: usize = 250;
