//! The incident card's buttons: each click runs as the Slack user who clicked.

use crate::card::{self, actions};
use crate::command::Command;
use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::ids::IncidentId;
use crate::reply::Reply;
use crate::status::Status;

/// A button click, decoded from its `action_id` and `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ButtonAction {
    /// Open the status menu.
    StatusMenu(IncidentId),
    /// Set a status from the menu.
    SetStatus(IncidentId, Status),
    Resolve(IncidentId),
    Diagnose(IncidentId),
    Remediate(IncidentId),
}

/// A click that Firebreak did not send or that was tampered with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown or malformed button `{action}`")]
pub struct UnknownButton {
    pub action: String,
}

impl ButtonAction {
    pub fn parse(action_id: &str, value: &str) -> Result<Self, UnknownButton> {
        let unknown = || UnknownButton { action: action_id.chars().take(64).collect() };
        let id = |text: &str| IncidentId::parse(text).ok_or_else(unknown);
        match action_id {
            actions::STATUS_MENU => Ok(Self::StatusMenu(id(value)?)),
            actions::RESOLVE => Ok(Self::Resolve(id(value)?)),
            actions::DIAGNOSE => Ok(Self::Diagnose(id(value)?)),
            actions::REMEDIATE => Ok(Self::Remediate(id(value)?)),
            // `incident_status_set.<status>`: the value says which status, the suffix keeps ids unique.
            set if set.strip_prefix(actions::STATUS_SET).is_some_and(|rest| rest.is_empty() || rest.starts_with('.')) => {
                let (incident, status) = value.split_once(':').ok_or_else(unknown)?;
                let status = Status::parse_settable(status).ok_or_else(unknown)?;
                Ok(Self::SetStatus(id(incident)?, status))
            }
            _ => Err(unknown()),
        }
    }

    pub fn incident(&self) -> IncidentId {
        match self {
            Self::StatusMenu(id) | Self::SetStatus(id, _) | Self::Resolve(id) | Self::Diagnose(id) | Self::Remediate(id) => *id,
        }
    }

    /// The name for metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::StatusMenu(_) => "status_menu",
            Self::SetStatus(..) => "status",
            Self::Resolve(_) => "resolve",
            Self::Diagnose(_) => "diag",
            Self::Remediate(_) => "fix",
        }
    }

    /// Runs the click. `inv.incident` must be the button's incident.
    pub async fn execute(self, ctx: &Context, inv: &Invocation) -> Result<Option<Reply>, CommandError> {
        match self {
            Self::StatusMenu(_) => {
                let incident = current_incident(ctx, inv).await?;
                Ok(Some(card::status_menu(&incident)))
            }
            Self::SetStatus(_, status) => Command::Status { status, note: None }.execute(ctx, inv).await,
            Self::Resolve(_) => Command::Resolve { summary: None }.execute(ctx, inv).await,
            Self::Diagnose(_) => Command::Diag { runbook: None }.execute(ctx, inv).await,
            Self::Remediate(_) => Command::Fix { action: None }.execute(ctx, inv).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_decode_only_what_firebreak_sends() {
        assert_eq!(ButtonAction::parse("incident_resolve", "12"), Ok(ButtonAction::Resolve(IncidentId(12))));
        assert_eq!(
            ButtonAction::parse("incident_status_set", "12:mitigated"),
            Ok(ButtonAction::SetStatus(IncidentId(12), Status::Mitigated))
        );
        assert!(ButtonAction::parse("incident_status_set.mitigated", "12:mitigated").is_ok());
        assert!(ButtonAction::parse("incident_status_set", "12:resolved").is_err());
        assert!(ButtonAction::parse("incident_status_settle", "12:mitigated").is_err());
        assert!(ButtonAction::parse("incident_resolve", "abc").is_err());
        assert!(ButtonAction::parse("rm_rf", "1").is_err());
    }
}
