//! A fake Kubernetes API server that the real kubectl 1.32 and kube-rs accept: legacy discovery,
//! pods, deployments, replicasets, events (with label and field selectors), Table output and pod
//! logs, from state a test sets up. Every request is recorded.

mod discovery;
mod objects;
mod select;
mod server;
mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

pub use objects::{FakeDeployment, FakePod, deployment, event, pod};

/// One request as the fake received it (query decoded, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub accept: Option<String>,
}

impl RecordedRequest {
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct State {
    pods: Vec<Pod>,
    deployments: Vec<Deployment>,
    replicasets: Vec<ReplicaSet>,
    events: Vec<Event>,
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
        let shared = Arc::new(Shared { state: Mutex::new(State { resource_version: 1000, ..State::default() }), address: address.clone() });
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

    /// Answer 403 Forbidden for `resource` (`pods`, `pods/log`, `deployments`, `events`), as RBAC would.
    pub fn deny(&self, resource: &str) {
        self.with_state(|s| s.denied.insert(resource.to_owned()));
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.with_state(|s| s.requests.clone())
    }
}
