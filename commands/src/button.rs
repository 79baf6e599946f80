//! The incident card's buttons: each click runs as the Slack user who clicked.

use crate::card::{self, actions};
use crate::command::Command;
use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::ids::IncidentId;
use crate::reply::Reply;
use crate::remediation::card::actions as remediation_actions;
use crate::remediation::flow;
use crate::remediation::request::RequestId;
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
    /// Request the named action from the `/incident fix` menu.
    RequestFix(IncidentId, String),
    Approve(IncidentId, RequestId),
    Deny(IncidentId, RequestId),
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
            approve if approve == remediation_actions::APPROVE || approve == remediation_actions::DENY => {
                let (incident, request) = value.split_once(':').ok_or_else(unknown)?;
                let request = RequestId::parse(request).ok_or_else(unknown)?;
                if approve == remediation_actions::APPROVE {
                    Ok(Self::Approve(id(incident)?, request))
                } else {
                    Ok(Self::Deny(id(incident)?, request))
                }
            }
            request if request.starts_with(&format!("{}.", remediation_actions::REQUEST)) => {
                let name = &request[remediation_actions::REQUEST.len() + 1..];
                if name.is_empty() || name.len() > 64 {
                    return Err(unknown());
                }
                Ok(Self::RequestFix(id(value)?, name.to_owned()))
            }
            _ => Err(unknown()),
        }
    }

    pub fn incident(&self) -> IncidentId {
        match self {
            Self::StatusMenu(id) | Self::SetStatus(id, _) | Self::Resolve(id) | Self::Diagnose(id) | Self::Remediate(id) => *id,
            Self::RequestFix(id, _) | Self::Approve(id, _) | Self::Deny(id, _) => *id,
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
            Self::RequestFix(..) => "fix_request",
            Self::Approve(..) => "fix_approve",
            Self::Deny(..) => "fix_deny",
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
            Self::RequestFix(_, name) => flow::request(ctx, inv, &name).await,
            Self::Approve(_, request) => flow::approve(ctx, inv, request).await,
            Self::Deny(_, request) => flow::deny(ctx, inv, request).await,
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
