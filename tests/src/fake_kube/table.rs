//! `meta.k8s.io/v1` Table responses, which `kubectl get` asks for by default
//! (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io,…`), with the server's columns.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

/// Whether the client wants a Table (it lists Table before plain JSON).
pub fn wanted(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.split(',').any(|part| part.contains("as=Table") && part.contains("g=meta.k8s.io")))
}

fn column(name: &str, type_: &str, format: &str, priority: i32) -> Value {
    json!({"name": name, "type": type_, "format": format, "description": "", "priority": priority})
}

/// Like kubectl's `duration.HumanDuration`, roughly.
fn age(meta: &ObjectMeta) -> String {
    let Some(created) = meta.creation_timestamp.as_ref() else { return "<unknown>".to_owned() };
    let secs = Timestamp::now().duration_since(created.0).as_secs().max(0);
    match secs {
        0..120 => format!("{secs}s"),
        120..3600 => format!("{}m", secs / 60),
        3600..172_800 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

fn row(cells: Vec<Value>, meta: &ObjectMeta) -> Value {
    json!({
        "cells": cells,
        "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    })
}

fn table(columns: Vec<Value>, rows: Vec<Value>, resource_version: u64) -> Value {
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": columns, "rows": rows
    })
}

/// The STATUS column: a waiting or terminated container's reason, else the phase.
fn pod_status(pod: &Pod) -> String {
    let status = pod.status.as_ref();
    let phase = status.and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".to_owned());
    let containers = status.and_then(|s| s.container_statuses.as_ref()).cloned().unwrap_or_default();
    containers
        .iter()
        .rev()
        .find_map(|c| {
            let state = c.state.as_ref()?;
            state.waiting.as_ref().and_then(|w| w.reason.clone()).or_else(|| state.terminated.as_ref().and_then(|t| t.reason.clone()))
        })
        .unwrap_or(phase)
}

pub fn pods(pods: &[Pod], resource_version: u64) -> Value {
    let columns = vec![
        column("Name", "string", "name", 0),
        column("Ready", "string", "", 0),
        column("Status", "string", "", 0),
        column("Restarts", "string", "", 0),
        column("Age", "string", "", 0),
        column("IP", "string", "", 1),
        column("Node", "string", "", 1),
    ];
    let rows = pods
        .iter()
        .map(|pod| {
            let statuses = pod.status.as_ref().and_then(|s| s.container_statuses.clone()).unwrap_or_default();
            let total = pod.spec.as_ref().map_or(0, |s| s.containers.len());
            let ready = statuses.iter().filter(|c| c.ready).count();
            let restarts: i32 = statuses.iter().map(|c| c.restart_count).sum();
            let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap_or_else(|| "<none>".to_owned());
            let node = pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_else(|| "<none>".to_owned());
            let cells = vec![
                json!(pod.metadata.name),
                json!(format!("{ready}/{total}")),
                json!(pod_status(pod)),
                json!(restarts.to_string()),
                json!(age(&pod.metadata)),
                json!(ip),
                json!(node),
            ];
            row(cells, &pod.metadata)
        })
        .collect();
    table(columns, rows, resource_version)
}

pub fn deployments(deployments: &[Deployment], resource_version: u64) -> Value {
    let columns = vec![
        column("Name", "string", "name", 0),
        column("Ready", "string", "", 0),
        column("Up-to-date", "integer", "", 0),
        column("Available", "integer", "", 0),
        column("Age", "string", "", 0),
        column("Containers", "string", "", 1),
        column("Images", "string", "", 1),
    ];
    let rows = deployments
        .iter()
        .map(|d| {
            let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let status = d.status.clone().unwrap_or_default();
            let containers = d.spec.as_ref().and_then(|s| s.template.spec.as_ref()).map(|p| p.containers.clone()).unwrap_or_default();
            let cells = vec![
                json!(d.metadata.name),
                json!(format!("{}/{desired}", status.ready_replicas.unwrap_or(0))),
                json!(status.updated_replicas.unwrap_or(0)),
                json!(status.available_replicas.unwrap_or(0)),
                json!(age(&d.metadata)),
                json!(containers.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(",")),
                json!(containers.iter().filter_map(|c| c.image.clone()).collect::<Vec<_>>().join(",")),
            ];
            row(cells, &d.metadata)
        })
        .collect();
    table(columns, rows, resource_version)
}
