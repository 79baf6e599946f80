//! Remediation ports that record what they were asked to do and succeed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::lock;
use crate::engine::RemediationPorts;
use crate::remediation::{ActionError, ActionOutcome, ActionTarget, ClusterActions, ContainerActions};

#[derive(Debug, Default)]
pub struct RecordingActions {
    pub executed: Mutex<Vec<ActionTarget>>,
    /// Executions wait this long, so concurrent approvals overlap.
    pub delay: Mutex<Duration>,
}

impl RecordingActions {
    pub fn executions(&self) -> usize {
        lock(&self.executed).len()
    }

    async fn run(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
        lock(&self.executed).push(action.clone());
        let delay = *lock(&self.delay);
        tokio::time::sleep(delay).await;
        Ok(ActionOutcome { success: true, summary: format!("ran {}", action.kind()), evidence: vec!["evidence line".into()] })
    }
}

fn verified() -> Result<ActionOutcome, ActionError> {
    Ok(ActionOutcome { success: true, summary: "rollout complete".into(), evidence: vec![] })
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
        verified()
    }
}

#[async_trait]
impl ContainerActions for RecordingActions {
    async fn execute(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
        self.run(action).await
    }
    async fn verify(&self, _: &ActionTarget, _: Duration) -> Result<ActionOutcome, ActionError> {
        verified()
    }
}

pub fn ports(actions: Arc<RecordingActions>) -> RemediationPorts {
    RemediationPorts { cluster: actions.clone(), containers: actions }
}
