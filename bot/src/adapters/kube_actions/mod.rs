//! `KubeActions`: the `ClusterActions` port over kube-rs — each remediation is the one API change
//! `kubectl` would make (same patch type, body and field manager), previewed by server-side dry run.

mod errors;
mod maintenance;
mod resources;
mod restart;
mod scale;
mod undo;
mod verify;

use std::time::Duration;

use async_trait::async_trait;
use firebreak_commands::remediation::{ActionError, ActionOutcome, ActionTarget, ClusterActions};
use ::kube::Client;

const NOT_CONFIGURED: &str = "no Kubernetes configuration: set KUBECONFIG or run in a cluster";

/// What one change did or, in a dry run, would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// One line: `deployment/web: replicas 3 → 5`.
    pub summary: String,
    pub evidence: Vec<String>,
}

/// Remediations on one Kubernetes cluster. Without configuration it still exists, and every call
/// answers `NotConfigured`.
pub struct KubeActions {
    client: Option<Client>,
}

impl std::fmt::Debug for KubeActions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeActions").field("configured", &self.client.is_some()).finish()
    }
}

impl KubeActions {
    /// Infers the configuration (KUBECONFIG, ~/.kube/config, in-cluster service account).
    pub async fn from_environment() -> KubeActions {
        KubeActions { client: super::kube_client::infer().await }
    }

    /// Over an existing client (`None`: not configured), e.g. one shared with `KubeCluster`.
    pub fn from_client(client: Option<Client>) -> KubeActions {
        KubeActions { client }
    }

    /// A client for a plain-HTTP API server without authentication (tests, `kubectl proxy`).
    pub fn for_url(url: &str) -> anyhow::Result<KubeActions> {
        Ok(KubeActions { client: Some(super::kube_client::for_url(url)?) })
    }

    fn client(&self) -> Result<Client, ActionError> {
        self.client.clone().ok_or_else(|| ActionError::NotConfigured(NOT_CONFIGURED.to_owned()))
    }

    /// Carries out (or, with `dry_run`, previews) one change.
    async fn change(&self, action: &ActionTarget, dry_run: bool) -> Result<Change, ActionError> {
        let client = self.client()?;
        match action {
            ActionTarget::K8sRolloutRestart { namespace, deployment } => restart::run(client, namespace, deployment, dry_run).await,
            ActionTarget::K8sScale { namespace, deployment, replicas } => {
                scale::run(client, namespace, deployment, *replicas, dry_run).await
            }
            ActionTarget::K8sSetResources { namespace, deployment, container, limits, requests } => {
                let wanted = resources::Wanted { container, limits, requests };
                resources::run(client, namespace, deployment, &wanted, dry_run).await
            }
            ActionTarget::K8sRolloutUndo { namespace, deployment } => undo::run(client, namespace, deployment, dry_run).await,
            ActionTarget::MaintenanceMode { namespace, configmap, enabled } => {
                maintenance::run(client, namespace, configmap, *enabled, dry_run).await
            }
            other => Err(not_kubernetes(other)),
        }
    }
}

fn not_kubernetes(action: &ActionTarget) -> ActionError {
    ActionError::Failed(format!("{} is not a Kubernetes action", action.kind()))
}

#[async_trait]
impl ClusterActions for KubeActions {
    async fn preview(&self, action: &ActionTarget) -> Result<String, ActionError> {
        Ok(self.change(action, true).await.map_err(crate::adapters::unanswered::dry_run)?.summary)
    }

    async fn execute(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
        // Every change reads first and writes last: see `unanswered`.
        let change = self.change(action, false).await.map_err(crate::adapters::unanswered::before_change)?;
        Ok(ActionOutcome { success: true, summary: change.summary, evidence: change.evidence })
    }

    async fn verify(&self, action: &ActionTarget, timeout: Duration) -> Result<ActionOutcome, ActionError> {
        let client = self.client()?;
        match action {
            ActionTarget::K8sRolloutRestart { namespace, deployment }
            | ActionTarget::K8sScale { namespace, deployment, .. }
            | ActionTarget::K8sSetResources { namespace, deployment, .. }
            | ActionTarget::K8sRolloutUndo { namespace, deployment } => verify::rollout(client, namespace, deployment, timeout).await,
            ActionTarget::MaintenanceMode { namespace, configmap, enabled } => {
                verify::maintenance(client, namespace, configmap, *enabled).await
            }
            other => Err(not_kubernetes(other)),
        }
    }
}
