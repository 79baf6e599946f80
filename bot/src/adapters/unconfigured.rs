//! Ports that answer "not configured": used until an adapter is wired in.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use firebreak_commands::diagnostics::facts::*;
use firebreak_commands::diagnostics::ports::{Cluster, Containers, DiagnosticPorts, Gpus, ProbeError, Probes};
use firebreak_commands::diagnostics::spec::{ContainerFilter, LabelSelector};

#[derive(Debug)]
struct Unconfigured;

fn missing() -> ProbeError {
    ProbeError::NotConfigured("this check kind is not available in this build".to_owned())
}

#[async_trait]
impl Cluster for Unconfigured {
    async fn pods(&self, _: &str, _: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> { Err(missing()) }
    async fn deployment(&self, _: &str, _: &str) -> Result<DeploymentFacts, ProbeError> { Err(missing()) }
    async fn warning_events(&self, _: &str) -> Result<Vec<EventFacts>, ProbeError> { Err(missing()) }
    async fn pod_logs(&self, _: &str, _: &str, _: u32) -> Result<Vec<String>, ProbeError> { Err(missing()) }
}

#[async_trait]
impl Containers for Unconfigured {
    async fn containers(&self, _: &ContainerFilter) -> Result<Vec<ContainerFacts>, ProbeError> { Err(missing()) }
    async fn logs(&self, _: &str, _: u32, _: Option<Duration>) -> Result<Vec<String>, ProbeError> { Err(missing()) }
}

#[async_trait]
impl Gpus for Unconfigured {
    async fn devices(&self) -> Result<Vec<GpuFacts>, ProbeError> { Err(missing()) }
}

#[async_trait]
impl Probes for Unconfigured {
    async fn http_get(&self, _: &str, _: Duration) -> Result<HttpFacts, ProbeError> { Err(missing()) }
    async fn tls_certificate(&self, _: &str, _: u16, _: Duration) -> Result<TlsFacts, ProbeError> { Err(missing()) }
    async fn postgres(&self, _: &str, _: Duration) -> Result<PostgresFacts, ProbeError> { Err(missing()) }
    async fn redis(&self, _: &str, _: Duration) -> Result<RedisFacts, ProbeError> { Err(missing()) }
    async fn disk(&self, _: &str) -> Result<DiskFacts, ProbeError> { Err(missing()) }
}

pub(super) fn ports() -> DiagnosticPorts {
    let none = Arc::new(Unconfigured);
    DiagnosticPorts { cluster: none.clone(), containers: none.clone(), gpus: none.clone(), probes: none }
}
