//! `kubectl scale deployment X --replicas=N`: GET the deployment, then a merge PATCH of its `scale`
//! subresource `{"spec":{"replicas":N}}` (no field manager, as kubectl sends none).

use ::kube::api::{Patch, PatchParams};
use ::kube::{Api, Client};
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::json;

use super::Change;
use super::errors::{Attempt, map_error};
use firebreak_commands::remediation::ActionError;

pub(super) async fn run(client: Client, namespace: &str, name: &str, replicas: u32, dry_run: bool) -> Result<Change, ActionError> {
    let api: Api<Deployment> = Api::namespaced(client, namespace);
    let current = api.get(name).await.map_err(|e| map_error(e, Attempt::new("get", "deployments", namespace, Some(name))))?;
    let before = current.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let params = PatchParams { dry_run, ..PatchParams::default() };
    let patch = json!({"spec": {"replicas": replicas}});
    let scale = api
        .patch_scale(name, &params, &Patch::Merge(&patch))
        .await
        .map_err(|e| map_error(e, Attempt::new("patch", "deployments/scale", namespace, Some(name))))?;
    let after = scale.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
    let summary = if dry_run {
        format!("deployment/{name}: replicas {before} → {after}")
    } else {
        format!("deployment/{name} scaled: replicas {before} → {after}")
    };
    Ok(Change { summary, evidence: vec![format!("replicas: {before} → {after}")] })
}
