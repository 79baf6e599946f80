//! `kubectl set resources deployment/X -c C --limits=… --requests=…`: GET, then a strategic-merge
//! PATCH (field manager `kubectl-set`) of that one container's limits and requests, merged by name.

use std::collections::BTreeMap;

use ::kube::api::{Patch, PatchParams};
use ::kube::{Api, Client};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Container;
use serde_json::{Map, Value, json};

use super::Change;
use super::errors::{Attempt, map_error};
use firebreak_commands::remediation::ActionError;

const FIELD_MANAGER: &str = "kubectl-set";

/// The container and the resources it should get.
#[derive(Debug)]
pub(super) struct Wanted<'a> {
    pub container: &'a str,
    pub limits: &'a BTreeMap<String, String>,
    pub requests: &'a BTreeMap<String, String>,
}

fn quantity(container: &Container, kind: &str, resource: &str) -> Option<String> {
    let resources = container.resources.as_ref()?;
    let map = if kind == "limits" { resources.limits.as_ref() } else { resources.requests.as_ref() };
    map?.get(resource).map(|q| q.0.clone())
}

/// `limits.memory 512Mi → 1Gi` for each value that changes.
fn changes(container: &Container, wanted: &Wanted<'_>) -> Vec<String> {
    [("limits", wanted.limits), ("requests", wanted.requests)]
        .iter()
        .flat_map(|(kind, map)| {
            map.iter().filter_map(move |(resource, value)| {
                let old = quantity(container, kind, resource);
                (old.as_deref() != Some(value.as_str()))
                    .then(|| format!("{kind}.{resource} {} → {value}", old.as_deref().unwrap_or("(unset)")))
            })
        })
        .collect()
}

fn patch(wanted: &Wanted<'_>) -> Value {
    let mut resources = Map::new();
    for (kind, map) in [("limits", wanted.limits), ("requests", wanted.requests)] {
        if !map.is_empty() {
            resources.insert(kind.to_owned(), json!(map));
        }
    }
    json!({"spec": {"template": {"spec": {"containers": [{"name": wanted.container, "resources": resources}]}}}})
}

pub(super) async fn run(client: Client, namespace: &str, name: &str, wanted: &Wanted<'_>, dry_run: bool) -> Result<Change, ActionError> {
    if wanted.limits.is_empty() && wanted.requests.is_empty() {
        return Err(ActionError::Refused("no limits or requests to set".to_owned()));
    }
    let api: Api<Deployment> = Api::namespaced(client, namespace);
    let current = api.get(name).await.map_err(|e| map_error(e, Attempt::new("get", "deployments", namespace, Some(name))))?;
    let containers = current.spec.as_ref().and_then(|s| s.template.spec.as_ref()).map(|p| p.containers.clone()).unwrap_or_default();
    let Some(container) = containers.iter().find(|c| c.name == wanted.container) else {
        let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
        return Err(ActionError::NotFound(format!(
            "container {} in deployment {name} in namespace {namespace} (containers: {})",
            wanted.container,
            names.join(", ")
        )));
    };
    let changed = changes(container, wanted);
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.dry_run = dry_run;
    let updated = api
        .patch(name, &params, &Patch::Strategic(&patch(wanted)))
        .await
        .map_err(|e| map_error(e, Attempt::new("patch", "deployments", namespace, Some(name))))?;
    let generation = updated.metadata.generation.unwrap_or(0);
    let what = if changed.is_empty() { "no change".to_owned() } else { changed.join(", ") };
    let summary = match (dry_run, changed.is_empty()) {
        (true, false) => format!("deployment/{name} container {}: {what}; pods will be replaced", wanted.container),
        (true, true) => format!("deployment/{name} container {}: resources already as wanted; no change", wanted.container),
        (false, _) => format!("deployment/{name} container {} resources set: {what}", wanted.container),
    };
    Ok(Change { summary, evidence: vec![format!("container {}: {what}", wanted.container), format!("generation: {generation}")] })
}
