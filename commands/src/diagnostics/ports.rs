//! The capabilities diagnostics need; adapters in `bot` implement them (kube, bollard, NVML,
//! and direct probes), fakes in tests.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::facts::{
    ContainerFacts, DeploymentFacts, DiskFacts, EventFacts, GpuFacts, HttpFacts, PodFacts, PostgresFacts,
    RedisFacts, TlsFacts,
};
use super::spec::{ContainerFilter, LabelSelector};

/// Why facts could not be gathered. Messages must be safe to post: no secrets, no URLs with
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The target did not answer (connection refused, DNS, TLS handshake, timeout).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The thing asked about does not exist (no such deployment or container).
    #[error("not found: {0}")]
    NotFound(String),
    /// Firebreak lacks permission (RBAC, Docker socket).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No NVIDIA driver (libnvidia-ml) on this host.
    #[error("no NVIDIA driver on this host")]
    NoDriver,
    /// Firebreak is not set up for this (no kubeconfig, environment variable unset).
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// Anything else, described.
    #[error("{0}")]
    Failed(String),
}

/// A Kubernetes cluster, read-only.
#[async_trait]
pub trait Cluster: Send + Sync {
    async fn pods(&self, namespace: &str, selector: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError>;
    async fn deployment(&self, namespace: &str, name: &str) -> Result<DeploymentFacts, ProbeError>;
    /// Events of type Warning in the namespace, newest first.
    async fn warning_events(&self, namespace: &str) -> Result<Vec<EventFacts>, ProbeError>;
    /// The last `tail` lines of a pod's (first) container.
    async fn pod_logs(&self, namespace: &str, pod: &str, tail: u32) -> Result<Vec<String>, ProbeError>;
}

/// A Docker engine, read-only.
#[async_trait]
pub trait Containers: Send + Sync {
    /// Containers matching the filter, running or not.
    async fn containers(&self, filter: &ContainerFilter) -> Result<Vec<ContainerFacts>, ProbeError>;
    /// The last `tail` lines of stdout and stderr, optionally only those newer than `since` ago.
    async fn logs(&self, container: &str, tail: u32, since: Option<Duration>) -> Result<Vec<String>, ProbeError>;
}

/// The host's NVIDIA GPUs.
#[async_trait]
pub trait Gpus: Send + Sync {
    async fn devices(&self) -> Result<Vec<GpuFacts>, ProbeError>;
}

/// Direct probes of network services and the local host.
#[async_trait]
pub trait Probes: Send + Sync {
    /// GET `url`, giving up after `timeout`. Any HTTP status is facts, not an error.
    async fn http_get(&self, url: &str, timeout: Duration) -> Result<HttpFacts, ProbeError>;
    /// The leaf certificate served at `host:port` (expired ones too: that is what we check).
    async fn tls_certificate(&self, host: &str, port: u16, timeout: Duration) -> Result<TlsFacts, ProbeError>;
    /// Connects to the Postgres whose URL is in environment variable `url_env`.
    async fn postgres(&self, url_env: &str, timeout: Duration) -> Result<PostgresFacts, ProbeError>;
    /// Connects to the Redis whose URL is in environment variable `url_env`.
    async fn redis(&self, url_env: &str, timeout: Duration) -> Result<RedisFacts, ProbeError>;
    async fn disk(&self, path: &str) -> Result<DiskFacts, ProbeError>;
}

/// Everything the checks can reach.
#[derive(Clone)]
pub struct DiagnosticPorts {
    pub cluster: Arc<dyn Cluster>,
    pub containers: Arc<dyn Containers>,
    pub gpus: Arc<dyn Gpus>,
    pub probes: Arc<dyn Probes>,
}

impl std::fmt::Debug for DiagnosticPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DiagnosticPorts { .. }")
    }
}
