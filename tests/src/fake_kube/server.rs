//! The request handler: records every request, then answers like the API server (JSON lists,
//! Tables, Status errors, plain-text logs); writes go to `writable`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use k8s_openapi::List;
use serde::Serialize;
use serde_json::{Value, json};

use super::select::Selector;
use super::{Shared, State as KubeState, RecordedRequest, discovery, table, writable};

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

pub(super) fn ok(body: &Value) -> Response {
    json_response(StatusCode::OK, body)
}

/// A `Status` failure as the API server sends it.
pub(super) fn status(code: StatusCode, reason: &str, message: &str, details: Value) -> Response {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "details": details, "code": code.as_u16()
    });
    json_response(code, &body)
}

pub(super) fn not_found(resource: &str, name: &str) -> Response {
    let (group, plain) = resource.split_once('.').map_or(("", resource), |(r, g)| (g, r));
    status(StatusCode::NOT_FOUND, "NotFound", &format!("{resource} \"{name}\" not found"), json!({"name": name, "group": group, "kind": plain}))
}

pub(super) fn forbidden(verb: &str, resource: &str, namespace: &str) -> Response {
    let message = format!(
        "{resource} is forbidden: User \"system:anonymous\" cannot {verb} resource \"{resource}\" in the namespace \"{namespace}\""
    );
    status(StatusCode::FORBIDDEN, "Forbidden", &message, json!({"kind": resource}))
}

pub(super) fn bad_request(message: &str) -> Response {
    status(StatusCode::BAD_REQUEST, "BadRequest", message, json!({}))
}

pub(super) fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub(super) fn list<T: k8s_openapi::ListableResource + Serialize>(items: Vec<T>, resource_version: u64) -> Value {
    let mut list = List::<T> { items, metadata: Default::default() };
    list.metadata.resource_version = Some(resource_version.to_string());
    to_value(&list)
}

pub(super) struct Query(Vec<(String, String)>);

impl Query {
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn selector(&self, key: &str) -> Result<Selector, String> {
        Selector::parse(self.get(key).unwrap_or(""))
    }
}

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let query = Query(serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default());
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut state = shared.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    state.requests.push(RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: query.0.clone(),
        accept: accept.clone(),
        content_type: content_type.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    if method != Method::GET {
        let write = writable::Write { method: &method, query: &query, content_type: content_type.as_deref(), body: &body };
        return writable::answer(&mut state, &segments, &write);
    }
    if query.get("watch").is_some_and(|w| w == "true" || w == "1") {
        return bad_request("the fake API server does not support watch");
    }
    let table = table::wanted(accept.as_deref());
    answer(&mut state, &segments, &query, table, &shared.address)
}

fn answer(state: &mut KubeState, segments: &[&str], query: &Query, table: bool, address: &str) -> Response {
    let rv = state.resource_version;
    match segments {
        ["version"] => ok(&discovery::version()),
        ["api"] => ok(&discovery::api_versions(address)),
        ["apis"] => ok(&discovery::api_groups()),
        ["api", "v1"] => ok(&discovery::core_v1()),
        ["apis", "apps", "v1"] => ok(&discovery::apps_v1()),
        ["api", "v1", "namespaces", ns, "pods"] => {
            if state.denied.contains("pods") {
                return forbidden("list", "pods", ns);
            }
            let (labels, fields) = match (query.selector("labelSelector"), query.selector("fieldSelector")) {
                (Ok(l), Ok(f)) => (l, f),
                (Err(e), _) | (_, Err(e)) => return bad_request(&e),
            };
            let pods: Vec<_> = state
                .pods
                .iter()
                .filter(|p| p.metadata.namespace.as_deref() == Some(*ns))
                .filter(|p| labels.matches_labels(p.metadata.labels.as_ref()) && fields.matches_fields(&to_value(*p)))
                .cloned()
                .collect();
            if table { ok(&table::pods(&pods, rv)) } else { ok(&list(pods, rv)) }
        }
        ["api", "v1", "namespaces", ns, "pods", name] => {
            if state.denied.contains("pods") {
                return forbidden("get", "pods", ns);
            }
            match state.pods.iter().find(|p| p.metadata.namespace.as_deref() == Some(*ns) && p.metadata.name.as_deref() == Some(*name)) {
                Some(pod) if table => ok(&table::pods(std::slice::from_ref(pod), rv)),
                Some(pod) => ok(&to_value(pod)),
                None => not_found("pods", name),
            }
        }
        ["api", "v1", "namespaces", ns, "pods", name, "log"] => logs(state, ns, name, query),
        ["api", "v1", "namespaces", ns, "events"] => {
            if state.denied.contains("events") {
                return forbidden("list", "events", ns);
            }
            let fields = match query.selector("fieldSelector") {
                Ok(f) => f,
                Err(e) => return bad_request(&e),
            };
            let events: Vec<_> = state
                .events
                .iter()
                .filter(|e| e.metadata.namespace.as_deref() == Some(*ns) && fields.matches_fields(&to_value(*e)))
                .cloned()
                .collect();
            ok(&list(events, rv))
        }
        ["apis", "apps", "v1", "namespaces", ns, "deployments"] => {
            if state.denied.contains("deployments") {
                return forbidden("list", "deployments", ns);
            }
            let (labels, fields) = match (query.selector("labelSelector"), query.selector("fieldSelector")) {
                (Ok(l), Ok(f)) => (l, f),
                (Err(e), _) | (_, Err(e)) => return bad_request(&e),
            };
            let found: Vec<_> = state
                .deployments
                .iter()
                .filter(|d| d.metadata.namespace.as_deref() == Some(*ns))
                .filter(|d| labels.matches_labels(d.metadata.labels.as_ref()) && fields.matches_fields(&to_value(*d)))
                .cloned()
                .collect();
            if table { ok(&table::deployments(&found, rv)) } else { ok(&list(found, rv)) }
        }
        ["apis", "apps", "v1", "namespaces", ns, "deployments", name] => {
            if state.denied.contains("deployments") {
                return forbidden("get", "deployments", ns);
            }
            let found = state
                .deployments
                .iter()
                .find(|d| d.metadata.namespace.as_deref() == Some(*ns) && d.metadata.name.as_deref() == Some(*name));
            match found {
                Some(d) if table => ok(&table::deployments(std::slice::from_ref(d), rv)),
                Some(d) => ok(&to_value(d)),
                None => not_found("deployments.apps", name),
            }
        }
        ["apis", "apps", "v1", "namespaces", ns, "deployments", name, "scale"] => writable::get_scale(state, ns, name),
        ["api", "v1", "namespaces", ns, "configmaps"] => writable::get_configmaps(state, ns, None),
        ["api", "v1", "namespaces", ns, "configmaps", name] => writable::get_configmaps(state, ns, Some(name)),
        ["apis", "apps", "v1", "namespaces", ns, "replicasets"] => {
            let labels = match query.selector("labelSelector") {
                Ok(l) => l,
                Err(e) => return bad_request(&e),
            };
            let found: Vec<_> = state
                .replicasets
                .iter()
                .filter(|r| r.metadata.namespace.as_deref() == Some(*ns) && labels.matches_labels(r.metadata.labels.as_ref()))
                .cloned()
                .collect();
            ok(&list(found, rv))
        }
        _ => status(StatusCode::NOT_FOUND, "NotFound", "the server could not find the requested resource", json!({})),
    }
}

/// `GET …/pods/{name}/log?container=…&tailLines=N`: plain text, like the kubelet's answer.
fn logs(state: &KubeState, ns: &str, name: &str, query: &Query) -> Response {
    if state.denied.contains("pods/log") || state.denied.contains("pods") {
        return forbidden("get", "pods/log", ns);
    }
    let Some(pod) = state.pods.iter().find(|p| p.metadata.namespace.as_deref() == Some(ns) && p.metadata.name.as_deref() == Some(name))
    else {
        return not_found("pods", name);
    };
    let containers: Vec<String> = pod.spec.as_ref().map(|s| s.containers.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
    match query.get("container") {
        Some(c) if !containers.iter().any(|n| n == c) => {
            return bad_request(&format!("container {c} is not valid for pod {name}"));
        }
        None if containers.len() > 1 => {
            return bad_request(&format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            ));
        }
        _ => {}
    }
    let text = state.logs.get(name).cloned().unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = query.get("tailLines").and_then(|t| t.parse::<usize>().ok()).unwrap_or(lines.len());
    let mut body: String = lines[lines.len().saturating_sub(tail)..].iter().map(|l| format!("{l}\n")).collect();
    if tail == 0 {
        body.clear();
    }
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
    response
}
