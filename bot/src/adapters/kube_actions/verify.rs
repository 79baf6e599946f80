//! Following a change to its end, as `kubectl rollout status` does: poll the deployment until the
//! controller observed it and every replica is updated and available, it is stuck
//! (`ProgressDeadlineExceeded`), or time runs out; maintenance mode reads its ConfigMap back.

use std::time::Duration;

use ::kube::{Api, Client};
use firebreak_commands::remediation::{ActionError, ActionOutcome};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use tokio::time::Instant;

use super::errors::{Attempt, map_error};
use super::restart::restarted_at;

const POLL: Duration = Duration::from_millis(500);

/// Where a rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rollout {
    Complete(String),
    Stuck(String),
    Waiting(String),
}

/// kubectl's rollout-status logic for one observation of the deployment.
pub(crate) fn rollout_state(deployment: &Deployment) -> Rollout {
    let generation = deployment.metadata.generation.unwrap_or(0);
    let status = deployment.status.clone().unwrap_or_default();
    let observed = status.observed_generation.unwrap_or(0);
    if observed < generation {
        return Rollout::Waiting(format!("waiting for the controller to observe generation {generation} (observed {observed})"));
    }
    let stuck = status.conditions.iter().flatten().find(|c| c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded"));
    if let Some(condition) = stuck {
        return Rollout::Stuck(condition.message.clone().unwrap_or_else(|| "progress deadline exceeded".to_owned()));
    }
    let desired = deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let updated = status.updated_replicas.unwrap_or(0);
    let total = status.replicas.unwrap_or(0);
    let ready = status.ready_replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let counts = format!("{updated}/{desired} updated, {ready} ready, {available} available, {total} total");
    if updated == desired && total == desired && ready == desired && available == desired {
        Rollout::Complete(format!("{updated}/{desired} updated and available"))
    } else {
        Rollout::Waiting(counts)
    }
}

fn outcome(success: bool, summary: String, evidence: Vec<String>) -> ActionOutcome {
    ActionOutcome { success, summary, evidence }
}

pub(super) async fn rollout(client: Client, namespace: &str, name: &str, timeout: Duration) -> Result<ActionOutcome, ActionError> {
    let api: Api<Deployment> = Api::namespaced(client, namespace);
    let deadline = Instant::now() + timeout;
    loop {
        let deployment =
            api.get(name).await.map_err(|e| map_error(e, Attempt::new("get", "deployments", namespace, Some(name))))?;
        let mut evidence = vec![format!("generation: {}", deployment.metadata.generation.unwrap_or(0))];
        if let Some(at) = restarted_at(&deployment) {
            evidence.push(format!("restartedAt: {at}"));
        }
        match rollout_state(&deployment) {
            Rollout::Complete(counts) => return Ok(outcome(true, format!("rollout complete: {counts}"), evidence)),
            Rollout::Stuck(message) => return Ok(outcome(false, format!("rollout stuck: {message}"), evidence)),
            Rollout::Waiting(progress) => {
                let now = Instant::now();
                if now >= deadline {
                    evidence.push(progress.clone());
                    let summary = format!("rollout not complete after {:.1}s: {progress}", timeout.as_secs_f64());
                    return Ok(outcome(false, summary, evidence));
                }
                tokio::time::sleep(POLL.min(deadline - now)).await;
            }
        }
    }
}

pub(super) async fn maintenance(client: Client, namespace: &str, name: &str, enabled: bool) -> Result<ActionOutcome, ActionError> {
    let api: Api<ConfigMap> = Api::namespaced(client, namespace);
    let configmap = api.get(name).await.map_err(|e| map_error(e, Attempt::new("get", "configmaps", namespace, Some(name))))?;
    let found = configmap.data.as_ref().and_then(|d| d.get("enabled")).cloned().unwrap_or_else(|| "(unset)".to_owned());
    let wanted = enabled.to_string();
    let evidence = vec![format!("configmap {name}: enabled={found}")];
    Ok(if found == wanted {
        outcome(true, format!("maintenance mode {}: configmap {name} has enabled={found}", if enabled { "on" } else { "off" }), evidence)
    } else {
        outcome(false, format!("configmap {name} has enabled={found}, expected {wanted}"), evidence)
    })
}
