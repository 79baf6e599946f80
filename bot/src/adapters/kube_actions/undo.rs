//! `kubectl rollout undo deployment/X`: list the ReplicaSets the deployment owns, take the previous
//! revision, and restore its pod template (without `pod-template-hash`) and the annotations kubectl
//! carries over. kubectl sends a JSON patch replacing `/spec/template`; without kube's `jsonpatch`
//! feature this sends the equivalent JSON merge patch (computed as the exact difference, `null`
//! removing what the old template lacks), which yields the same object.

use std::collections::BTreeMap;

use ::kube::api::{ListParams, Patch, PatchParams};
use ::kube::{Api, Client};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::{Map, Value, json};

use super::Change;
use super::errors::{Attempt, map_error};
use firebreak_commands::remediation::ActionError;

const REVISION: &str = "deployment.kubernetes.io/revision";
const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// Deployment annotations kubectl keeps from the deployment rather than the ReplicaSet.
const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// The selector as a query string (`app=web,tier in (a,b)`).
pub(crate) fn selector_string(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> = selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "DoesNotExist" => format!("!{}", e.key),
            _ => e.key.clone(),
        });
    }
    parts.join(",")
}

fn revision(rs: &ReplicaSet) -> Option<i64> {
    rs.metadata.annotations.as_ref()?.get(REVISION)?.parse().ok()
}

/// The ReplicaSet of the revision before the latest, as kubectl picks it.
fn previous(owned: &[ReplicaSet]) -> Option<(i64, &ReplicaSet)> {
    let mut latest: Option<(i64, &ReplicaSet)> = None;
    let mut previous: Option<(i64, &ReplicaSet)> = None;
    for rs in owned {
        let Some(v) = revision(rs) else { continue };
        if latest.is_none_or(|(l, _)| l < v) {
            previous = latest;
            latest = Some((v, rs));
        } else if previous.is_none_or(|(p, _)| p < v) {
            previous = Some((v, rs));
        }
    }
    previous
}

/// The JSON merge patch turning `from` into `to`.
pub(crate) fn merge_diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = Map::new();
            for (key, value) in b {
                match a.get(key) {
                    Some(old) if old == value => {}
                    Some(old) => {
                        out.insert(key.clone(), merge_diff(old, value));
                    }
                    None => {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                out.insert(key.clone(), Value::Null);
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

fn images(template: &Value) -> String {
    let list = template.pointer("/spec/containers").and_then(Value::as_array).cloned().unwrap_or_default();
    list.iter().filter_map(|c| c.get("image").and_then(Value::as_str)).collect::<Vec<_>>().join(",")
}

pub(super) async fn run(client: Client, namespace: &str, name: &str, dry_run: bool) -> Result<Change, ActionError> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let current = deployments.get(name).await.map_err(|e| map_error(e, Attempt::new("get", "deployments", namespace, Some(name))))?;
    let Some(spec) = current.spec.as_ref() else { return Err(ActionError::Failed(format!("deployment {name} has no spec"))) };
    if spec.paused == Some(true) {
        return Err(ActionError::Refused(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again".to_owned(),
        ));
    }
    let replicasets: Api<ReplicaSet> = Api::namespaced(client, namespace);
    let list = replicasets
        .list(&ListParams::default().labels(&selector_string(&spec.selector)))
        .await
        .map_err(|e| map_error(e, Attempt::new("list", "replicasets", namespace, None)))?;
    let uid = current.metadata.uid.clone();
    let owned: Vec<ReplicaSet> = list
        .items
        .into_iter()
        .filter(|rs| rs.metadata.owner_references.iter().flatten().any(|o| o.controller == Some(true) && Some(&o.uid) == uid.as_ref()))
        .collect();
    let Some((revision, rs)) = previous(&owned) else {
        return Err(ActionError::Refused(format!("no rollout history found for deployment \"{name}\"")));
    };
    let mut template = rs.spec.as_ref().and_then(|s| s.template.clone()).unwrap_or_default();
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    let from = serde_json::to_value(&spec.template).unwrap_or(Value::Null);
    let to = serde_json::to_value(&template).unwrap_or(Value::Null);
    if from == to {
        let summary = format!("deployment/{name}: skipped rollback (current template already matches revision {revision})");
        return Ok(Change { summary, evidence: vec![format!("revision: {revision}")] });
    }
    let current_annotations = current.metadata.annotations.clone().unwrap_or_default();
    let mut annotations: BTreeMap<String, String> =
        current_annotations.iter().filter(|(k, _)| ANNOTATIONS_TO_SKIP.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in rs.metadata.annotations.iter().flatten().filter(|(k, _)| !ANNOTATIONS_TO_SKIP.contains(&k.as_str())) {
        annotations.insert(k.clone(), v.clone());
    }
    let patch = json!({
        "metadata": {"annotations": merge_diff(&json!(current_annotations), &json!(annotations))},
        "spec": {"template": merge_diff(&from, &to)}
    });
    let params = PatchParams { dry_run, ..PatchParams::default() };
    let updated = deployments
        .patch(name, &params, &Patch::Merge(&patch))
        .await
        .map_err(|e| map_error(e, Attempt::new("patch", "deployments", namespace, Some(name))))?;
    let generation = updated.metadata.generation.unwrap_or(0);
    let (before, after) = (images(&from), images(&to));
    let summary = if dry_run {
        format!("deployment/{name}: template would be restored to revision {revision} (images {before} → {after}); pods will be replaced")
    } else {
        format!("deployment/{name} rolled back to revision {revision} (images {before} → {after})")
    };
    Ok(Change { summary, evidence: vec![format!("revision restored: {revision}"), format!("images: {before} → {after}"), format!("generation: {generation}")] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_diff_nulls_what_the_target_lacks() {
        let from = json!({"a": 1, "b": {"c": 2, "d": 3}, "l": [1]});
        let to = json!({"a": 1, "b": {"c": 4}, "l": [2]});
        assert_eq!(merge_diff(&from, &to), json!({"b": {"c": 4, "d": null}, "l": [2]}));
    }
}
