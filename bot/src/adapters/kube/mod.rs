//! `KubeCluster`: the `Cluster` port over kube-rs (typed `Api<T>`, read-only).

mod deployment;
mod errors;
mod events;
mod pods;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use firebreak_commands::diagnostics::facts::{DeploymentFacts, EventFacts, PodFacts};
use firebreak_commands::diagnostics::ports::{Cluster, ProbeError};
use firebreak_commands::diagnostics::spec::LabelSelector;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod};
use ::kube::api::{ListParams, LogParams};
use ::kube::{Api, Client};

use errors::{map_error, Action};

const NOT_CONFIGURED: &str = "no Kubernetes configuration: set KUBECONFIG or run in a cluster";

/// A read-only view of one Kubernetes cluster. Without configuration it still exists, and every
/// call answers `NotConfigured`.
pub struct KubeCluster {
    client: Option<Client>,
    /// Pod → first container, learnt from `pods()`, so logs need no extra GET.
    containers: Mutex<HashMap<(String, String), String>>,
}

impl std::fmt::Debug for KubeCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeCluster").field("configured", &self.client.is_some()).finish()
    }
}

impl KubeCluster {
    fn with_client(client: Option<Client>) -> Self {
        Self { client, containers: Mutex::new(HashMap::new()) }
    }

    /// Infers the configuration (KUBECONFIG, ~/.kube/config, in-cluster service account).
    pub async fn from_environment() -> KubeCluster {
        Self::with_client(super::kube_client::infer().await)
    }

    /// Over an existing client (`None`: not configured), e.g. one shared with `KubeActions`.
    pub fn from_client(client: Option<Client>) -> KubeCluster {
        Self::with_client(client)
    }

    /// A client for a plain-HTTP API server without authentication (tests, `kubectl proxy`).
    pub fn for_url(url: &str) -> anyhow::Result<KubeCluster> {
        Ok(Self::with_client(Some(super::kube_client::for_url(url)?)))
    }

    fn client(&self) -> Result<Client, ProbeError> {
        self.client.clone().ok_or_else(|| ProbeError::NotConfigured(NOT_CONFIGURED.to_owned()))
    }

    fn remember_container(&self, namespace: &str, pod: &str, container: Option<String>) {
        if let (Some(container), Ok(mut map)) = (container, self.containers.lock()) {
            map.insert((namespace.to_owned(), pod.to_owned()), container);
        }
    }

    fn known_container(&self, namespace: &str, pod: &str) -> Option<String> {
        self.containers.lock().ok()?.get(&(namespace.to_owned(), pod.to_owned())).cloned()
    }
}

#[async_trait]
impl Cluster for KubeCluster {
    async fn pods(&self, namespace: &str, selector: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> {
        let api: Api<Pod> = Api::namespaced(self.client()?, namespace);
        let list = api
            .list(&ListParams::default().labels(selector.as_str()))
            .await
            .map_err(|e| map_error(e, Action::new("list", "pods", namespace, None)))?;
        Ok(list
            .items
            .iter()
            .map(|pod| {
                let facts = pods::facts(pod);
                self.remember_container(namespace, &facts.name, pods::first_container(pod));
                facts
            })
            .collect())
    }

    async fn deployment(&self, namespace: &str, name: &str) -> Result<DeploymentFacts, ProbeError> {
        let api: Api<Deployment> = Api::namespaced(self.client()?, namespace);
        let deployment =
            api.get(name).await.map_err(|e| map_error(e, Action::new("get", "deployments", namespace, Some(name))))?;
        Ok(deployment::facts(&deployment))
    }

    async fn warning_events(&self, namespace: &str) -> Result<Vec<EventFacts>, ProbeError> {
        let api: Api<Event> = Api::namespaced(self.client()?, namespace);
        let list = api
            .list(&ListParams::default().fields("type=Warning"))
            .await
            .map_err(|e| map_error(e, Action::new("list", "events", namespace, None)))?;
        Ok(events::newest_first(&list.items))
    }

    async fn pod_logs(&self, namespace: &str, pod: &str, tail: u32) -> Result<Vec<String>, ProbeError> {
        let api: Api<Pod> = Api::namespaced(self.client()?, namespace);
        let container = match self.known_container(namespace, pod) {
            Some(container) => Some(container),
            None => {
                let found = api.get(pod).await.map_err(|e| map_error(e, Action::new("get", "pods", namespace, Some(pod))))?;
                pods::first_container(&found)
            }
        };
        let params = LogParams { container, tail_lines: Some(i64::from(tail)), ..LogParams::default() };
        let text =
            api.logs(pod, &params).await.map_err(|e| map_error(e, Action::new("get", "pods/log", namespace, Some(pod))))?;
        Ok(text.lines().map(str::to_owned).collect())
    }
}
