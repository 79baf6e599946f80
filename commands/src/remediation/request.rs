//! A remediation request and its state machine. Every move is a compare-and-set in the store,
//! so a double click, a retried delivery or a second replica can win a move at most once.

use jiff::Timestamp;

use crate::ids::{IncidentId, SlackUserId};

/// The store's key for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub i64);

impl RequestId {
    /// Parses the id carried in Approve/Deny button values.
    pub fn parse(text: &str) -> Option<Self> {
        text.trim().parse::<i64>().ok().filter(|id| *id > 0).map(Self)
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// requested → approved | denied | expired → running → succeeded | failed | unknown (the change
/// was sent and no answer came back: it may have been made); a request found `running` after
/// its replica stopped becomes `interrupted`. None runs again without a new request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestState {
    Requested,
    Approved,
    Denied,
    Expired,
    Running,
    Succeeded,
    Failed,
    Unknown,
    Interrupted,
}

impl RequestState {
    pub const ALL: [RequestState; 9] = [
        Self::Requested, Self::Approved, Self::Denied, Self::Expired, Self::Running, Self::Succeeded, Self::Failed,
        Self::Unknown, Self::Interrupted,
    ];

    /// The states of a request that was started: it counts against the action's run limits.
    pub const RAN: [RequestState; 5] = [Self::Running, Self::Succeeded, Self::Failed, Self::Unknown, Self::Interrupted];

    pub fn key(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Expired => "expired",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
            Self::Interrupted => "interrupted",
        }
    }

    /// The state in a sentence ("the request is … already").
    pub fn said(self) -> &'static str {
        match self {
            Self::Unknown => "finished (outcome unknown)",
            other => other.key(),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == text)
    }

    /// The moves the state machine allows; everything else is refused before the store is asked.
    pub fn can_move_to(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Requested, Self::Approved | Self::Denied | Self::Expired)
                | (Self::Approved, Self::Running)
                | (Self::Running, Self::Succeeded | Self::Failed | Self::Unknown | Self::Interrupted)
        )
    }

    /// No further move is possible.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Denied | Self::Expired | Self::Succeeded | Self::Failed | Self::Unknown | Self::Interrupted)
    }
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemediationRequest {
    pub id: RequestId,
    pub incident: IncidentId,
    pub runbook: String,
    /// The action's name within the runbook.
    pub action: String,
    pub state: RequestState,
    pub requested_by: SlackUserId,
    /// Who approved or denied it.
    pub decided_by: Option<SlackUserId>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub updated_at: Timestamp,
    /// The outcome's summary once it ran (or why it was interrupted).
    pub result: Option<String>,
}

/// What `/incident fix <action>` asks the store to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub incident: IncidentId,
    pub runbook: String,
    pub action: String,
    pub requested_by: SlackUserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// One compare-and-set move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub from: RequestState,
    pub to: RequestState,
    /// The approver or denier, for decisions.
    pub by: Option<SlackUserId>,
    pub at: Timestamp,
    pub result: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_forward_moves_are_allowed() {
        use RequestState::*;
        assert!(Requested.can_move_to(Approved) && Approved.can_move_to(Running) && Running.can_move_to(Succeeded));
        assert!(Running.can_move_to(Interrupted) && Running.can_move_to(Unknown));
        assert!(!Unknown.can_move_to(Running), "a run whose outcome is unknown never runs again by itself");
        for state in RequestState::ALL {
            assert!(!state.can_move_to(Requested), "{state:?} → requested");
            if state.is_final() {
                assert!(RequestState::ALL.iter().all(|next| !state.can_move_to(*next)), "{state:?} is final");
            }
        }
        assert!(!Denied.can_move_to(Approved), "a denial cannot be turned into an approval");
        assert!(!Interrupted.can_move_to(Running), "an interrupted request never runs again");
        assert!(!Requested.can_move_to(Running), "nothing runs without an approval");
        assert_eq!(RequestState::parse("running"), Some(Running));
        assert!(RequestState::ALL.iter().all(|s| RequestState::parse(s.key()) == Some(*s)), "every key parses back");
        let ran = |s: RequestState| s == Running || Running.can_move_to(s);
        assert!(RequestState::ALL.iter().all(|s| RequestState::RAN.contains(s) == ran(*s)), "RAN is running and what follows it");
    }
}
