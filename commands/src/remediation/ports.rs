//! The capabilities remediations need; `bot::adapters` implements them over kube-rs and bollard.

use std::time::Duration;

use async_trait::async_trait;

/// Why an action could not be previewed, carried out or verified. Messages are safe to post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The API refused the change (validation, conflict, nothing to undo to).
    #[error("refused: {0}")]
    Refused(String),
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// The change was sent but no answer came back (timeout, connection cut in flight): it may
    /// or may not have been made. The message says what to check; the run ends `unknown`.
    #[error("outcome unknown: {0}")]
    Unanswered(String),
    #[error("{0}")]
    Failed(String),
}

/// What an execution or a verification found: a verdict and the evidence for the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub success: bool,
    /// One line for the card (`rollout complete: 3/3 updated and available`).
    pub summary: String,
    /// Evidence lines (revision, restartedAt, container start times…).
    pub evidence: Vec<String>,
}

/// Changes to a Kubernetes cluster. Each method is one API change, made exactly as `kubectl`
/// makes it, so operators see what they expect (field managers, annotations).
#[async_trait]
pub trait ClusterActions: Send + Sync {
    /// Server-side dry run of the change; the preview says what would change.
    async fn preview(&self, action: &super::ActionTarget) -> Result<String, ActionError>;
    /// Makes the change once.
    async fn execute(&self, action: &super::ActionTarget) -> Result<Outcome, ActionError>;
    /// Follows the rollout until complete, stuck (ProgressDeadlineExceeded) or `timeout`.
    async fn verify(&self, action: &super::ActionTarget, timeout: Duration) -> Result<Outcome, ActionError>;
}

/// Changes to a Docker engine.
#[async_trait]
pub trait ContainerActions: Send + Sync {
    /// Restarts the container(s) once.
    async fn execute(&self, action: &super::ActionTarget) -> Result<Outcome, ActionError>;
    /// Checks the restarted container(s) run (and are healthy, where they have a healthcheck)
    /// within `timeout`.
    async fn verify(&self, action: &super::ActionTarget, timeout: Duration) -> Result<Outcome, ActionError>;
}
