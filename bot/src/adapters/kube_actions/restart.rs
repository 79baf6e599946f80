//! `kubectl rollout restart deployment/X`: GET, then a strategic-merge PATCH (field manager
//! `kubectl-rollout`) setting the pod-template annotation `kubectl.kubernetes.io/restartedAt`.

use ::kube::api::{Patch, PatchParams};
use ::kube::{Api, Client};
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::json;

use super::Change;
use super::errors::{Attempt, map_error};
use firebreak_commands::remediation::ActionError;

pub(crate) const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
const FIELD_MANAGER: &str = "kubectl-rollout";

/// The pod-template annotation `kubectl.kubernetes.io/restartedAt`, if set.
pub(crate) fn restarted_at(deployment: &Deployment) -> Option<String> {
    deployment.spec.as_ref()?.template.metadata.as_ref()?.annotations.as_ref()?.get(RESTARTED_AT).cloned()
}

pub(super) async fn run(client: Client, namespace: &str, name: &str, dry_run: bool) -> Result<Change, ActionError> {
    let api: Api<Deployment> = Api::namespaced(client, namespace);
    let current = api.get(name).await.map_err(|e| map_error(e, Attempt::new("get", "deployments", namespace, Some(name))))?;
    if current.spec.as_ref().and_then(|s| s.paused) == Some(true) {
        return Err(ActionError::Refused(format!("deployments \"{name}\" is paused: can't restart paused deployment (run rollout resume first)")));
    }
    let now = Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}});
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.dry_run = dry_run;
    let updated = api
        .patch(name, &params, &Patch::Strategic(&patch))
        .await
        .map_err(|e| map_error(e, Attempt::new("patch", "deployments", namespace, Some(name))))?;
    let replicas = updated.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let before = current.metadata.generation.unwrap_or(0);
    let after = updated.metadata.generation.unwrap_or(0);
    let mut evidence = vec![format!("restartedAt: {now}"), format!("generation: {before} → {after}")];
    if let Some(previous) = restarted_at(&current) {
        evidence.push(format!("previous restartedAt: {previous}"));
    }
    let summary = if dry_run {
        format!("deployment/{name}: restartedAt set to {now}; pods will be replaced ({replicas} replicas, generation {before} → {after})")
    } else {
        format!("deployment/{name} restarted (restartedAt {now}, generation {after})")
    };
    Ok(Change { summary, evidence })
}
