//! Writes, as the API server takes them: PATCH (merge, strategic merge, JSON patch) and PUT of deployments and
//! of their `scale` subresource, POST/PUT/PATCH of configmaps, server-side dry run (`dryRun=All`:
//! validated, answered, not stored), and the reads of the `scale` and `configmaps` resources.
#![allow(clippy::result_large_err, reason = "the error is the HTTP answer itself, built once per request")]

use axum::http::{Method, StatusCode};
use axum::response::Response;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

use super::merge::{json_patch, merge_patch, strategic_merge};
use super::server::{Query, bad_request, forbidden, json_response, list, not_found, ok, status, to_value};
use super::{FakeKube, State, rollout};

/// One write request: method, query, body and its content type.
pub(super) struct Write<'a> {
    pub method: &'a Method,
    pub query: &'a Query,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

impl Write<'_> {
    fn dry_run(&self) -> bool {
        self.query.get("dryRun") == Some("All")
    }

    fn json(&self) -> Result<Value, Response> {
        serde_json::from_slice(self.body).map_err(|e| bad_request(&format!("invalid JSON body: {e}")))
    }

    /// Applies this request's patch to `target`, per its content type.
    fn patch(&self, target: &mut Value) -> Result<(), Response> {
        let patch = self.json()?;
        match self.content_type.and_then(|c| c.split(';').next()).map(str::trim) {
            Some("application/merge-patch+json") => merge_patch(target, &patch),
            Some("application/strategic-merge-patch+json") => strategic_merge(target, &patch),
            Some("application/json-patch+json") => {
                json_patch(target, &patch).map_err(|message| status(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", &message, json!({})))?;
            }
            other => {
                let message = format!("the fake supports merge, strategic merge and JSON patches, not {}", other.unwrap_or("none"));
                return Err(status(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType", &message, json!({})));
            }
        }
        Ok(())
    }
}

fn invalid(kind: &str, name: &str, message: &str) -> Response {
    status(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", &format!("{kind} \"{name}\" is invalid: {message}"), json!({"name": name, "kind": kind}))
}

fn conflict(resource: &str, name: &str) -> Response {
    let message = format!(
        "Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
    );
    status(StatusCode::CONFLICT, "Conflict", &message, json!({"name": name, "kind": resource}))
}

fn denied(state: &State, verb: &str, resource: &str) -> bool {
    state.denied.contains(resource) || state.denied.contains(&format!("{verb} {resource}"))
}

fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, Response> {
    serde_json::from_value(value).map_err(|e| bad_request(&format!("the object could not be decoded: {e}")))
}

fn stale(sent: Option<&str>, stored: Option<&str>) -> bool {
    sent.is_some_and(|rv| !rv.is_empty() && Some(rv) != stored)
}

/// The writes the fake takes; anything else is 405.
pub(super) fn answer(state: &mut State, segments: &[&str], write: &Write<'_>) -> Response {
    match (write.method, segments) {
        (&Method::PATCH | &Method::PUT, ["apis", "apps", "v1", "namespaces", ns, "deployments", name]) => {
            write_deployment(state, ns, name, write)
        }
        (&Method::PATCH | &Method::PUT, ["apis", "apps", "v1", "namespaces", ns, "deployments", name, "scale"]) => {
            write_scale(state, ns, name, write)
        }
        (&Method::POST, ["api", "v1", "namespaces", ns, "configmaps"]) => create_configmap(state, ns, write),
        (&Method::PATCH | &Method::PUT, ["api", "v1", "namespaces", ns, "configmaps", name]) => {
            write_configmap(state, ns, name, write)
        }
        _ => status(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "the fake API server does not take this write", json!({})),
    }
}

fn deployment_index(state: &State, ns: &str, name: &str) -> Option<usize> {
    state.deployments.iter().position(|d| d.metadata.namespace.as_deref() == Some(ns) && d.metadata.name.as_deref() == Some(name))
}

/// The API server's validation, for the fields tests change.
fn validate(deployment: &Deployment, name: &str) -> Result<(), Response> {
    let Some(spec) = deployment.spec.as_ref() else { return Err(invalid("Deployment.apps", name, "spec: Required value")) };
    if let Some(replicas) = spec.replicas.filter(|r| *r < 0) {
        return Err(invalid("Deployment.apps", name, &format!("spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0")));
    }
    let containers = spec.template.spec.as_ref().map(|p| p.containers.as_slice()).unwrap_or_default();
    if containers.is_empty() {
        return Err(invalid("Deployment.apps", name, "spec.template.spec.containers: Required value"));
    }
    for (i, c) in containers.iter().enumerate() {
        if c.image.as_deref().unwrap_or("").is_empty() {
            return Err(invalid("Deployment.apps", name, &format!("spec.template.spec.containers[{i}].image: Required value")));
        }
    }
    Ok(())
}

/// Validates and stores (unless dry run) `updated` in place of deployment `index`: identity and
/// status are the server's, a spec change bumps `metadata.generation`. Answers the object as
/// written, before the controller reacts; the stored copy then converges (unless manual).
fn commit_deployment(state: &mut State, index: usize, mut updated: Deployment, dry_run: bool) -> Result<Deployment, Response> {
    let Some(old) = state.deployments.get(index).cloned() else { return Err(not_found("deployments.apps", "")) };
    let name = old.metadata.name.clone().unwrap_or_default();
    validate(&updated, &name)?;
    updated.metadata.name.clone_from(&old.metadata.name);
    updated.metadata.namespace.clone_from(&old.metadata.namespace);
    updated.metadata.uid.clone_from(&old.metadata.uid);
    updated.metadata.creation_timestamp.clone_from(&old.metadata.creation_timestamp);
    updated.metadata.resource_version.clone_from(&old.metadata.resource_version);
    updated.metadata.generation = old.metadata.generation;
    updated.status.clone_from(&old.status);
    let changed = to_value(&updated.spec) != to_value(&old.spec);
    if changed {
        updated.metadata.generation = Some(old.metadata.generation.unwrap_or(0) + 1);
    }
    if dry_run {
        return Ok(updated);
    }
    state.resource_version += 1;
    updated.metadata.resource_version = Some(state.resource_version.to_string());
    let mut stored = updated.clone();
    if changed && state.auto_converge {
        rollout::converge(&mut stored, state.stuck.contains(&name));
    }
    if let Some(slot) = state.deployments.get_mut(index) {
        *slot = stored;
    }
    Ok(updated)
}

fn write_deployment(state: &mut State, ns: &str, name: &str, write: &Write<'_>) -> Response {
    let verb = if write.method == Method::PUT { "update" } else { "patch" };
    if denied(state, verb, "deployments") {
        return forbidden(verb, "deployments", ns);
    }
    let Some(index) = deployment_index(state, ns, name) else { return not_found("deployments.apps", name) };
    let current = to_value(&state.deployments[index]);
    let updated = if write.method == Method::PUT {
        match write.json() {
            Ok(body) if stale(body.pointer("/metadata/resourceVersion").and_then(Value::as_str), current.pointer("/metadata/resourceVersion").and_then(Value::as_str)) => {
                return conflict("deployments.apps", name);
            }
            Ok(body) => body,
            Err(response) => return response,
        }
    } else {
        let mut patched = current;
        if let Err(response) = write.patch(&mut patched) {
            return response;
        }
        patched
    };
    let result = decode::<Deployment>(updated).and_then(|d| commit_deployment(state, index, d, write.dry_run()));
    match result {
        Ok(d) => ok(&to_value(&d)),
        Err(response) => response,
    }
}

/// The deployment's `autoscaling/v1` Scale.
fn scale_of(deployment: &Deployment) -> Value {
    let meta = &deployment.metadata;
    let selector = deployment
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.as_ref())
        .map(|labels| labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))
        .unwrap_or_default();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": meta.name, "namespace": meta.namespace, "uid": meta.uid, "resourceVersion": meta.resource_version,
                     "creationTimestamp": meta.creation_timestamp},
        "spec": {"replicas": deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)},
        "status": {"replicas": deployment.status.as_ref().and_then(|s| s.replicas).unwrap_or(0), "selector": selector}
    })
}

/// `GET …/deployments/{name}/scale`.
pub(super) fn get_scale(state: &State, ns: &str, name: &str) -> Response {
    if denied(state, "get", "deployments/scale") {
        return forbidden("get", "deployments/scale", ns);
    }
    match deployment_index(state, ns, name).and_then(|i| state.deployments.get(i)) {
        Some(d) => ok(&scale_of(d)),
        None => not_found("deployments.apps", name),
    }
}

fn write_scale(state: &mut State, ns: &str, name: &str, write: &Write<'_>) -> Response {
    let verb = if write.method == Method::PUT { "update" } else { "patch" };
    if denied(state, verb, "deployments/scale") {
        return forbidden(verb, "deployments/scale", ns);
    }
    let Some(index) = deployment_index(state, ns, name) else { return not_found("deployments.apps", name) };
    let current = state.deployments[index].clone();
    let mut scale = scale_of(&current);
    if write.method == Method::PUT {
        match write.json() {
            Ok(body) if stale(body.pointer("/metadata/resourceVersion").and_then(Value::as_str), current.metadata.resource_version.as_deref()) => {
                return conflict("deployments.apps", name);
            }
            Ok(body) => scale = body,
            Err(response) => return response,
        }
    } else if let Err(response) = write.patch(&mut scale) {
        return response;
    }
    let Some(replicas) = scale.pointer("/spec/replicas").and_then(Value::as_i64).and_then(|r| i32::try_from(r).ok()) else {
        return invalid("Scale.autoscaling", name, "spec.replicas: Required value");
    };
    let mut updated = current;
    if let Some(spec) = updated.spec.as_mut() {
        spec.replicas = Some(replicas);
    }
    match commit_deployment(state, index, updated, write.dry_run()) {
        Ok(d) => ok(&scale_of(&d)),
        Err(response) => response,
    }
}

fn configmap_index(state: &State, ns: &str, name: &str) -> Option<usize> {
    state.configmaps.iter().position(|c| c.metadata.namespace.as_deref() == Some(ns) && c.metadata.name.as_deref() == Some(name))
}

/// `GET …/configmaps` and `GET …/configmaps/{name}`.
pub(super) fn get_configmaps(state: &State, ns: &str, name: Option<&str>) -> Response {
    let verb = if name.is_some() { "get" } else { "list" };
    if denied(state, verb, "configmaps") {
        return forbidden(verb, "configmaps", ns);
    }
    match name {
        Some(name) => match configmap_index(state, ns, name).and_then(|i| state.configmaps.get(i)) {
            Some(c) => ok(&to_value(c)),
            None => not_found("configmaps", name),
        },
        None => {
            let found: Vec<ConfigMap> = state.configmaps.iter().filter(|c| c.metadata.namespace.as_deref() == Some(ns)).cloned().collect();
            ok(&list(found, state.resource_version))
        }
    }
}

fn create_configmap(state: &mut State, ns: &str, write: &Write<'_>) -> Response {
    if denied(state, "create", "configmaps") {
        return forbidden("create", "configmaps", ns);
    }
    let mut configmap = match write.json().and_then(decode::<ConfigMap>) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let Some(name) = configmap.metadata.name.clone().filter(|n| !n.is_empty()) else {
        return invalid("ConfigMap", "", "metadata.name: Required value: name or generateName is required");
    };
    if configmap_index(state, ns, &name).is_some() {
        let message = format!("configmaps \"{name}\" already exists");
        return status(StatusCode::CONFLICT, "AlreadyExists", &message, json!({"name": name, "kind": "configmaps"}));
    }
    configmap.metadata = ObjectMeta { namespace: Some(ns.to_owned()), resource_version: None, uid: None, ..configmap.metadata };
    if write.dry_run() {
        configmap.metadata.creation_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(jiff::Timestamp::now()));
    } else {
        FakeKube::stamp(state, &mut configmap.metadata);
        state.configmaps.push(configmap.clone());
    }
    json_response(StatusCode::CREATED, &to_value(&configmap))
}

fn write_configmap(state: &mut State, ns: &str, name: &str, write: &Write<'_>) -> Response {
    let verb = if write.method == Method::PUT { "update" } else { "patch" };
    if denied(state, verb, "configmaps") {
        return forbidden(verb, "configmaps", ns);
    }
    let Some(index) = configmap_index(state, ns, name) else { return not_found("configmaps", name) };
    let old = state.configmaps[index].clone();
    let updated = if write.method == Method::PUT {
        match write.json() {
            Ok(body) if stale(body.pointer("/metadata/resourceVersion").and_then(Value::as_str), old.metadata.resource_version.as_deref()) => {
                return conflict("configmaps", name);
            }
            Ok(body) => body,
            Err(response) => return response,
        }
    } else {
        let mut patched = to_value(&old);
        if let Err(response) = write.patch(&mut patched) {
            return response;
        }
        patched
    };
    let mut configmap = match decode::<ConfigMap>(updated) {
        Ok(c) => c,
        Err(response) => return response,
    };
    configmap.metadata.name.clone_from(&old.metadata.name);
    configmap.metadata.namespace.clone_from(&old.metadata.namespace);
    configmap.metadata.uid.clone_from(&old.metadata.uid);
    configmap.metadata.creation_timestamp.clone_from(&old.metadata.creation_timestamp);
    configmap.metadata.resource_version.clone_from(&old.metadata.resource_version);
    if !write.dry_run() {
        state.resource_version += 1;
        configmap.metadata.resource_version = Some(state.resource_version.to_string());
        state.configmaps[index] = configmap.clone();
    }
    ok(&to_value(&configmap))
}
