//! A fake Kubernetes API server that the real kubectl 1.32 and kube-rs accept: legacy discovery,
//! pods, deployments, replicasets, events (with label and field selectors), Table output and pod
//! logs, from state a test sets up; writes (merge, strategic merge and JSON PATCH, PUT, POST) of
//! deployments, `deployments/scale` and configmaps, with server-side dry run and a deployment
//! controller that converges status at once (or on demand, or gets stuck). Every request is
//! recorded, body included.

mod discovery;
mod merge;
mod objects;
mod rollout;
mod select;
mod server;
mod table;
mod writable;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

pub use objects::{FakeDeployment, FakePod, deployment, event, pod};

/// One request as the fake received it (query decoded, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    /// The body as text (empty for reads).
    pub body: String,
}

impl RecordedRequest {
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The body as JSON, when it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// PATCH, PUT, POST or DELETE.
    pub fn is_write(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    }
}

#[derive(Debug, Default)]
struct State {
    pods: Vec<Pod>,
    deployments: Vec<Deployment>,
    replicasets: Vec<ReplicaSet>,
    events: Vec<Event>,
    configmaps: Vec<ConfigMap>,
    /// Deployments whose rollouts exceed their progress deadline.
    stuck: BTreeSet<String>,
    /// Whether a spec change converges the status at once (the default).
    auto_converge: bool,
    logs: BTreeMap<String, String>,
    denied: BTreeSet<String>,
    requests: Vec<RecordedRequest>,
    resource_version: u64,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    address: String,
}

/// A running fake API server; stops when dropped.
#[derive(Debug)]
pub struct FakeKube {
    shared: Arc<Shared>,
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeKube {
    pub async fn start() -> FakeKube {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Kubernetes API");
        let address = listener.local_addr().expect("fake Kubernetes API address").to_string();
        let shared = Arc::new(Shared { state: Mutex::new(State { resource_version: 1000, auto_converge: true, ..State::default() }), address: address.clone() });
        let app = axum::Router::new().fallback(server::handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(%err, "fake Kubernetes API stopped");
            }
        });
        FakeKube { shared, url: format!("http://{address}"), task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }

    /// Fills what the API server sets: namespace, uid, resourceVersion, creationTimestamp.
    fn stamp(state: &mut State, meta: &mut ObjectMeta) {
        state.resource_version += 1;
        meta.namespace.get_or_insert_with(|| "default".to_owned());
        meta.uid.get_or_insert_with(|| uuid::Uuid::new_v4().to_string());
        meta.resource_version = Some(state.resource_version.to_string());
        meta.creation_timestamp.get_or_insert_with(|| Time(Timestamp::now()));
    }

    pub fn add_pod(&self, mut pod: Pod) {
        self.with_state(|s| {
            Self::stamp(s, &mut pod.metadata);
            s.pods.push(pod);
        });
    }

    pub fn add_deployment(&self, mut deployment: Deployment) {
        self.with_state(|s| {
            Self::stamp(s, &mut deployment.metadata);
            s.deployments.push(deployment);
        });
    }

    pub fn add_replicaset(&self, mut replicaset: ReplicaSet) {
        self.with_state(|s| {
            Self::stamp(s, &mut replicaset.metadata);
            s.replicasets.push(replicaset);
        });
    }

    pub fn add_event(&self, mut event: Event) {
        self.with_state(|s| {
            Self::stamp(s, &mut event.metadata);
            s.events.push(event);
        });
    }

    /// The log text of pod `pod` (its default container).
    pub fn set_logs(&self, pod: &str, text: &str) {
        self.with_state(|s| s.logs.insert(pod.to_owned(), text.to_owned()));
    }

    /// Answer 403 Forbidden for `resource` (`pods`, `pods/log`, `deployments`, `events`), as RBAC would;
    /// `"patch deployments"`, `"create configmaps"`… deny one verb only.
    pub fn deny(&self, resource: &str) {
        self.with_state(|s| s.denied.insert(resource.to_owned()));
    }

    pub fn add_configmap(&self, mut configmap: ConfigMap) {
        self.with_state(|s| {
            Self::stamp(s, &mut configmap.metadata);
            s.configmaps.push(configmap);
        });
    }

    /// The stored deployment, as a following GET would see it.
    pub fn stored_deployment(&self, namespace: &str, name: &str) -> Option<Deployment> {
        self.with_state(|s| {
            s.deployments
                .iter()
                .find(|d| d.metadata.namespace.as_deref() == Some(namespace) && d.metadata.name.as_deref() == Some(name))
                .cloned()
        })
    }

    /// The stored configmap.
    pub fn stored_configmap(&self, namespace: &str, name: &str) -> Option<ConfigMap> {
        self.with_state(|s| {
            s.configmaps
                .iter()
                .find(|c| c.metadata.namespace.as_deref() == Some(namespace) && c.metadata.name.as_deref() == Some(name))
                .cloned()
        })
    }

    /// Whether spec changes converge the status at once (default `true`); with `false`, tests call
    /// [`FakeKube::converge`] when the controller should catch up.
    pub fn set_auto_converge(&self, auto: bool) {
        self.with_state(|s| s.auto_converge = auto);
    }

    /// Rollouts of deployment `name` exceed their progress deadline from now on.
    pub fn mark_stuck(&self, name: &str) {
        self.with_state(|s| s.stuck.insert(name.to_owned()));
    }

    /// The controller catches up with deployment `name` (converged, or stuck if marked).
    pub fn converge(&self, namespace: &str, name: &str) {
        self.with_state(|s| {
            let stuck = s.stuck.contains(name);
            for d in s.deployments.iter_mut().filter(|d| d.metadata.namespace.as_deref() == Some(namespace) && d.metadata.name.as_deref() == Some(name)) {
                rollout::converge(d, stuck);
            }
        });
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        self.with_state(|s| s.requests.clear());
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.with_state(|s| s.requests.clone())
    }
}
