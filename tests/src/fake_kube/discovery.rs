//! Legacy discovery (`/version`, `/api`, `/apis`, `/api/v1`, `/apis/apps/v1`): enough for kubectl to
//! map `pods`, `deployment`, `events` to their paths. kubectl asks for aggregated discovery first
//! but accepts plain `application/json`, as the recorded legacy traffic shows.

use serde_json::{Value, json};

pub fn version() -> Value {
    json!({
        "major": "1", "minor": "32", "gitVersion": "v1.32.4-firebreak-fake", "gitCommit": "0000000",
        "gitTreeState": "clean", "buildDate": "2025-04-22T16:00:00Z", "goVersion": "go1.23.6",
        "compiler": "gc", "platform": "linux/amd64"
    })
}

pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

pub fn api_groups() -> Value {
    let apps = json!({"groupVersion": "apps/v1", "version": "v1"});
    json!({
        "kind": "APIGroupList", "apiVersion": "v1",
        "groups": [{"name": "apps", "versions": [apps], "preferredVersion": apps}]
    })
}

const READ_WRITE: [&str; 8] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

fn resource(name: &str, singular: &str, kind: &str, short: &[&str]) -> Value {
    json!({
        "name": name, "singularName": singular, "namespaced": true, "kind": kind,
        "verbs": READ_WRITE, "shortNames": short, "categories": ["all"]
    })
}

pub fn core_v1() -> Value {
    json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1",
        "resources": [
            resource("pods", "pod", "Pod", &["po"]),
            {"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]},
            {"name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get", "patch", "update"]},
            resource("events", "event", "Event", &["ev"]),
            resource("configmaps", "configmap", "ConfigMap", &["cm"]),
            {"name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace",
             "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"], "shortNames": ["ns"]}
        ]
    })
}

pub fn apps_v1() -> Value {
    json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1",
        "resources": [
            resource("deployments", "deployment", "Deployment", &["deploy"]),
            {"name": "deployments/scale", "singularName": "", "namespaced": true, "group": "autoscaling",
             "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]},
            {"name": "deployments/status", "singularName": "", "namespaced": true, "kind": "Deployment", "verbs": ["get", "patch", "update"]},
            resource("replicasets", "replicaset", "ReplicaSet", &["rs"])
        ]
    })
}
