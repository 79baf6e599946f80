//! Remediation ports that record what they were asked to do and succeed (or fail as told).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::lock;
use crate::diagnostics::runbook::Runbook;
use crate::engine::RemediationPorts;
use crate::remediation::{ActionError, ActionOutcome, ActionTarget, ClusterActions, ContainerActions, PostedIncident, RunbookAction, StatusPageActions};

#[derive(Debug, Default)]
pub struct RecordingActions {
    pub executed: Mutex<Vec<ActionTarget>>,
    /// Executions wait this long, so concurrent approvals overlap.
    pub delay: Mutex<Duration>,
    /// Status-page incidents set to resolved.
    pub resolved: Mutex<Vec<String>>,
    /// When set, executions are recorded and then answer this error.
    pub fail_with: Mutex<Option<ActionError>>,
    /// Verifications asked for.
    pub verifications: Mutex<usize>,
}

impl RecordingActions {
    pub fn executions(&self) -> usize {
        lock(&self.executed).len()
    }

    async fn run(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
        lock(&self.executed).push(action.clone());
        let delay = *lock(&self.delay);
        tokio::time::sleep(delay).await;
        if let Some(error) = lock(&self.fail_with).clone() {
            return Err(error);
        }
        Ok(ActionOutcome { success: true, summary: format!("ran {}", action.kind()), evidence: vec!["evidence line".into()] })
    }
}

impl RecordingActions {
    fn verified(&self) -> Result<ActionOutcome, ActionError> {
        *lock(&self.verifications) += 1;
        Ok(ActionOutcome { success: true, summary: "rollout complete".into(), evidence: vec![] })
    }
}

#[async_trait]
impl ClusterActions for RecordingActions {
    async fn preview(&self, action: &ActionTarget) -> Result<String, ActionError> {
        Ok(format!("would {}", action.kind()))
    }
    async fn execute(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
        self.run(action).await
    }
    async fn verify(&self, _: &ActionTarget, _: Duration) -> Result<ActionOutcome, ActionError> {
        self.verified()
    }
}

#[async_trait]
impl ContainerActions for RecordingActions {
    async fn execute(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
        self.run(action).await
    }
    async fn verify(&self, _: &ActionTarget, _: Duration) -> Result<ActionOutcome, ActionError> {
        self.verified()
    }
}

#[async_trait]
impl StatusPageActions for RecordingActions {
    async fn preview(&self, action: &ActionTarget) -> Result<String, ActionError> {
        Ok(format!("would post {}", action.kind()))
    }
    async fn create(&self, action: &ActionTarget) -> Result<PostedIncident, ActionError> {
        self.run(action).await?;
        let (name, status) = match action {
            ActionTarget::StatusPageIncident { name, status, .. } => (name.clone(), status.clone()),
            other => (other.kind().to_owned(), "investigating".to_owned()),
        };
        Ok(PostedIncident { id: "p0st3d1d".into(), name, status, shortlink: Some("https://stspg.io/t3st".into()), found_by_lookup: None })
    }
    async fn verify(&self, _: &ActionTarget, posted: &PostedIncident) -> Result<ActionOutcome, ActionError> {
        Ok(ActionOutcome { success: true, summary: format!("Statuspage shows incident {} as {}", posted.id, posted.status), evidence: vec![] })
    }
    async fn resolve(&self, action: &ActionTarget, incident_id: &str) -> Result<PostedIncident, ActionError> {
        lock(&self.resolved).push(incident_id.to_owned());
        let name = match action {
            ActionTarget::StatusPageIncident { name, .. } => name.clone(),
            other => other.kind().to_owned(),
        };
        Ok(PostedIncident { id: incident_id.to_owned(), name, status: "resolved".into(), shortlink: Some("https://stspg.io/t3st".into()), found_by_lookup: None })
    }
}

pub fn ports(actions: Arc<RecordingActions>) -> RemediationPorts {
    RemediationPorts { cluster: actions.clone(), containers: actions.clone(), status_page: actions }
}

/// A runbook `name` covering `service` whose one action is `action` (no alerts, no checks):
/// the shape the remediation tests declare their incidents against.
pub fn runbook_with_action(name: &str, service: &str, action: RunbookAction) -> Runbook {
    Runbook {
        name: name.into(),
        description: String::new(),
        alerts: vec![],
        services: vec![service.into()],
        severity: None,
        checks: vec![],
        actions: vec![action],
    }
}
