//! Who may approve a remediation, and when. Fail-closed: no approvers means nobody may.

use jiff::Timestamp;

use super::request::{RemediationRequest, RequestState};
use crate::ids::SlackUserId;
use crate::severity::Severity;

/// An action's approval rules, from the runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// Slack users who may approve.
    pub approvers: Vec<SlackUserId>,
    /// Slack user groups (`S…`) whose members may approve.
    pub approver_groups: Vec<String>,
    /// Severities at which the requester may not approve their own request (two-person rule).
    pub two_person_severities: Vec<Severity>,
    /// At most this many runs per incident.
    pub max_runs_per_incident: Option<u32>,
    /// At most this many runs across all incidents in any hour.
    pub max_runs_per_hour: Option<u32>,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            approvers: Vec::new(),
            approver_groups: Vec::new(),
            two_person_severities: vec![Severity::Sev1, Severity::Sev2],
            max_runs_per_incident: None,
            max_runs_per_hour: None,
        }
    }
}

/// Why an approval click is refused; said to the clicker and recorded on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no approvers are configured for this action, so it cannot run")]
    NoApprovers,
    #[error("you are not an approver of this action (approvers: {0})")]
    NotAnApprover(String),
    #[error("the two-person rule applies at {0}: someone other than the requester must approve")]
    SelfApproval(Severity),
    #[error("the request expired; request it again with `/incident fix`")]
    Expired,
    #[error("the request is {0} already")]
    AlreadyDecided(&'static str),
    #[error("this action ran {0} times in this incident, the most allowed")]
    PerIncidentLimit(u32),
    #[error("this action ran {0} times in the last hour, the most allowed")]
    PerHourLimit(u32),
}

/// Counts of earlier runs, for the limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub in_incident: u32,
    pub in_last_hour: u32,
}

impl ApprovalPolicy {
    /// Whether `approver` may approve `request` now, for an incident of `severity`;
    /// `in_approver_group` says whether they belong to one of `approver_groups` (the caller
    /// asks Slack, since group membership changes).
    pub fn check(
        &self,
        request: &RemediationRequest,
        approver: &SlackUserId,
        in_approver_group: bool,
        severity: Severity,
        now: Timestamp,
        runs: RunCounts,
    ) -> Result<(), Refusal> {
        if request.state != RequestState::Requested {
            return Err(Refusal::AlreadyDecided(request.state.said()));
        }
        if now >= request.expires_at {
            return Err(Refusal::Expired);
        }
        if self.approvers.is_empty() && self.approver_groups.is_empty() {
            return Err(Refusal::NoApprovers);
        }
        if !self.approvers.contains(approver) && !in_approver_group {
            return Err(Refusal::NotAnApprover(self.approvers_text()));
        }
        if &request.requested_by == approver && self.two_person_severities.contains(&severity) {
            return Err(Refusal::SelfApproval(severity));
        }
        if let Some(max) = self.max_runs_per_incident.filter(|max| runs.in_incident >= *max) {
            return Err(Refusal::PerIncidentLimit(max));
        }
        if let Some(max) = self.max_runs_per_hour.filter(|max| runs.in_last_hour >= *max) {
            return Err(Refusal::PerHourLimit(max));
        }
        Ok(())
    }
}

impl ApprovalPolicy {
    /// `<@U1>, <!subteam^S2>`: approvers as Slack renders them.
    pub fn approvers_text(&self) -> String {
        let users = self.approvers.iter().map(SlackUserId::mention);
        let groups = self.approver_groups.iter().map(|g| format!("<!subteam^{g}>"));
        users.chain(groups).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IncidentId;
    use crate::remediation::request::RequestId;
    use crate::testing::test_time;

    fn user(id: &str) -> SlackUserId {
        SlackUserId::parse(id).unwrap_or_else(|| panic!("{id}"))
    }

    fn request() -> RemediationRequest {
        let now = test_time();
        RemediationRequest {
            id: RequestId(1),
            incident: IncidentId(1),
            runbook: "web".into(),
            action: "restart".into(),
            state: RequestState::Requested,
            requested_by: user("U1"),
            decided_by: None,
            created_at: now,
            expires_at: now + jiff::SignedDuration::from_mins(15),
            updated_at: now,
            result: None,
        }
    }

    fn policy() -> ApprovalPolicy {
        ApprovalPolicy { approvers: vec![user("U1"), user("U2")], ..ApprovalPolicy::default() }
    }

    #[test]
    fn the_authorisation_matrix_holds() {
        let now = test_time();
        let ok = RunCounts::default();
        let r = request();
        assert_eq!(policy().check(&r, &user("U2"), false, Severity::Sev1, now, ok), Ok(()));
        assert!(matches!(policy().check(&r, &user("U9"), false, Severity::Sev1, now, ok), Err(Refusal::NotAnApprover(_))));
        assert_eq!(policy().check(&r, &user("U1"), false, Severity::Sev1, now, ok), Err(Refusal::SelfApproval(Severity::Sev1)));
        assert_eq!(policy().check(&r, &user("U1"), false, Severity::Sev3, now, ok), Ok(()), "self-approval is fine below SEV2");
        assert_eq!(ApprovalPolicy::default().check(&r, &user("U2"), false, Severity::Sev4, now, ok), Err(Refusal::NoApprovers));
        let later = now + jiff::SignedDuration::from_mins(15);
        assert_eq!(policy().check(&r, &user("U2"), false, Severity::Sev1, later, ok), Err(Refusal::Expired));
        let denied = RemediationRequest { state: RequestState::Denied, ..request() };
        assert_eq!(policy().check(&denied, &user("U2"), false, Severity::Sev1, now, ok), Err(Refusal::AlreadyDecided("denied")));
        let by_group = ApprovalPolicy { approvers: vec![], approver_groups: vec!["S0LEADS".into()], ..ApprovalPolicy::default() };
        assert_eq!(by_group.check(&r, &user("U7"), true, Severity::Sev1, now, ok), Ok(()), "a group member may approve");
        assert!(matches!(by_group.check(&r, &user("U7"), false, Severity::Sev1, now, ok), Err(Refusal::NotAnApprover(_))));
        let limited = ApprovalPolicy { max_runs_per_incident: Some(2), max_runs_per_hour: Some(3), ..policy() };
        let twice = RunCounts { in_incident: 2, in_last_hour: 2 };
        assert_eq!(limited.check(&r, &user("U2"), false, Severity::Sev1, now, twice), Err(Refusal::PerIncidentLimit(2)));
        let busy_hour = RunCounts { in_incident: 0, in_last_hour: 3 };
        assert_eq!(limited.check(&r, &user("U2"), false, Severity::Sev1, now, busy_hour), Err(Refusal::PerHourLimit(3)));
    }
}
