//! Maintenance mode: `kubectl create configmap X --from-literal=enabled=…` (field manager
//! `kubectl-create`), or, when it exists, a merge PATCH of `data.enabled` (field manager `kubectl-patch`).

use std::collections::BTreeMap;

use ::kube::api::{Patch, PatchParams, PostParams};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use ::kube::{Api, Client};
use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::json;

use super::Change;
use super::errors::{Attempt, map_error};
use firebreak_commands::remediation::ActionError;

pub(super) async fn run(client: Client, namespace: &str, name: &str, enabled: bool, dry_run: bool) -> Result<Change, ActionError> {
    let api: Api<ConfigMap> = Api::namespaced(client, namespace);
    let value = enabled.to_string();
    let existing = api.get_opt(name).await.map_err(|e| map_error(e, Attempt::new("get", "configmaps", namespace, Some(name))))?;
    let Some(existing) = existing else {
        let configmap = ConfigMap {
            metadata: ObjectMeta { name: Some(name.to_owned()), namespace: Some(namespace.to_owned()), ..ObjectMeta::default() },
            data: Some(BTreeMap::from([("enabled".to_owned(), value.clone())])),
            ..ConfigMap::default()
        };
        let params = PostParams { dry_run, field_manager: Some("kubectl-create".to_owned()) };
        api.create(&params, &configmap).await.map_err(|e| map_error(e, Attempt::new("create", "configmaps", namespace, Some(name))))?;
        let verb = if dry_run { "would be created" } else { "created" };
        return Ok(Change { summary: format!("configmap {name} {verb} with enabled={value}"), evidence: vec![format!("enabled: {value}")] });
    };
    let before = existing.data.as_ref().and_then(|d| d.get("enabled")).cloned().unwrap_or_else(|| "(unset)".to_owned());
    let mut params = PatchParams::apply("kubectl-patch");
    params.dry_run = dry_run;
    let patch = json!({"data": {"enabled": value}});
    let updated = api
        .patch(name, &params, &Patch::Merge(&patch))
        .await
        .map_err(|e| map_error(e, Attempt::new("patch", "configmaps", namespace, Some(name))))?;
    let after = updated.data.as_ref().and_then(|d| d.get("enabled")).cloned().unwrap_or_default();
    let summary = match (dry_run, before == after) {
        (true, true) => format!("configmap {name} already has enabled={after}; no change"),
        (true, false) => format!("configmap {name} would be updated: enabled {before} → {after}"),
        (false, _) => format!("configmap {name} updated: enabled {before} → {after}"),
    };
    Ok(Change { summary, evidence: vec![format!("enabled: {before} → {after}")] })
}
