//! What every command runs with: the ports, the settings, who asked and where.

use std::sync::Arc;

pub use tokio_util::task::TaskTracker;

use crate::diagnostics::DiagnosticPorts;
use crate::ids::{ChannelId, IncidentId, SlackUserId, TeamId};
use crate::incident::Incident;
use crate::ports::{Chat, Clock, IncidentStore, Paging, RemediationStore, StoreError, TimerStore};
use crate::remediation::{ClusterActions, ContainerActions, StatusPageActions};
use crate::settings::Settings;
use crate::timeline::{Actor, EventDraft, EventKind, Source};

/// The ports and settings commands run against.
#[derive(Clone)]
pub struct Context {
    pub store: Arc<dyn IncidentStore>,
    pub chat: Arc<dyn Chat>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub diagnostics: DiagnosticPorts,
    pub requests: Arc<dyn RemediationStore>,
    pub actions: RemediationPorts,
    pub timers: Arc<dyn TimerStore>,
    /// Pagers outside Slack that escalation levels call.
    pub paging: Arc<dyn Paging>,
    /// Work that goes on after a command has answered (diagnostics, pages, Statuspage
    /// resolution, replies past the ack budget): spawned here so that a graceful stop lets it
    /// finish instead of cutting it off.
    pub background: TaskTracker,
}

/// Where remediations are carried out.
#[derive(Clone)]
pub struct RemediationPorts {
    pub cluster: Arc<dyn ClusterActions>,
    pub containers: Arc<dyn ContainerActions>,
    pub status_page: Arc<dyn StatusPageActions>,
}

impl std::fmt::Debug for RemediationPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RemediationPorts { .. }")
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Who invoked a command, from where, and through which door.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub team: TeamId,
    pub user: SlackUserId,
    pub channel: ChannelId,
    pub source: Source,
    /// The Slack id that caused this (trigger or action id): retries record nothing twice.
    pub cause: Option<String>,
    /// Set when a button names its incident; otherwise the channel implies it.
    pub incident: Option<IncidentId>,
    /// Where to answer the asker (and, for a button, to replace the message it was on).
    pub response_url: Option<String>,
}

impl Invocation {
    /// An event caused by this invocation, happening now.
    pub fn event(&self, ctx: &Context, kind: EventKind) -> EventDraft {
        EventDraft {
            at: ctx.clock.now(),
            actor: Actor::User(self.user.clone()),
            source: self.source,
            kind,
            cause: self.cause.clone(),
        }
    }
}

/// Why a command did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The person can fix it (wrong channel, nothing to change…): told ephemerally, not logged
    /// as an error.
    #[error("{0}")]
    User(String),
    /// Firebreak's fault or its dependencies': logged once at the edge with a reference id.
    #[error("{0}")]
    Internal(String),
    /// The store could not be reached, so nothing was recorded: the person is told to try again
    /// in a moment rather than to report a bug.
    #[error("{0}")]
    StoreUnreachable(String),
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unreachable(_) => Self::StoreUnreachable(error.to_string()),
            StoreError::Conflict | StoreError::Unavailable(_) => Self::Internal(error.to_string()),
        }
    }
}

/// The incident the invocation is about: the one named by the button, or the one whose
/// channel the command was typed in.
pub async fn current_incident(ctx: &Context, inv: &Invocation) -> Result<Incident, CommandError> {
    let found = match inv.incident {
        Some(id) => ctx.store.incident(id).await?.filter(|i| i.team == inv.team),
        None => ctx.store.incident_by_channel(&inv.team, &inv.channel).await?,
    };
    found.ok_or_else(|| {
        CommandError::User(
            "This command works inside an incident channel. Use `/incident list` to find one, \
             or `/incident start &lt;sev&gt; &lt;title&gt;` to declare a new incident."
                .to_owned(),
        )
    })
}
