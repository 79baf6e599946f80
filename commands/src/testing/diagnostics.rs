//! Diagnostic ports that answer from preset facts; anything not preset is `NotConfigured`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::lock;
use crate::diagnostics::facts::*;
use crate::diagnostics::ports::{Cluster, Containers, DiagnosticPorts, Gpus, ProbeError, Probes};
use crate::diagnostics::spec::{ContainerFilter, LabelSelector};

/// Preset answers; `http` maps URL → result, `hang` URLs never answer.
#[derive(Debug, Default)]
pub struct FakeTargets {
    pub http: Mutex<Vec<(String, Result<HttpFacts, ProbeError>)>>,
    pub hang: Mutex<Vec<String>>,
    /// Every HTTP answer takes this long (benchmarks of the fan-out).
    pub latency: Mutex<Duration>,
}

fn unset(what: &str) -> ProbeError {
    ProbeError::NotConfigured(format!("no {what} in this test"))
}

#[async_trait]
impl Probes for FakeTargets {
    async fn http_get(&self, url: &str, _timeout: Duration) -> Result<HttpFacts, ProbeError> {
        if lock(&self.hang).iter().any(|u| u == url) {
            std::future::pending::<()>().await;
        }
        let latency = *lock(&self.latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let answer = lock(&self.http).iter().find(|(u, _)| u == url).map(|(_, r)| r.clone());
        answer.unwrap_or_else(|| Err(ProbeError::Unreachable(format!("connection refused ({url})"))))
    }
    async fn tls_certificate(&self, _: &str, _: u16, _: Duration) -> Result<TlsFacts, ProbeError> {
        Err(unset("TLS"))
    }
    async fn postgres(&self, _: &str, _: Duration) -> Result<PostgresFacts, ProbeError> {
        Err(unset("Postgres"))
    }
    async fn redis(&self, _: &str, _: Duration) -> Result<RedisFacts, ProbeError> {
        Err(unset("Redis"))
    }
    async fn disk(&self, _: &str) -> Result<DiskFacts, ProbeError> {
        Err(unset("disk"))
    }
}

#[async_trait]
impl Cluster for FakeTargets {
    async fn pods(&self, _: &str, _: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> {
        Err(unset("cluster"))
    }
    async fn deployment(&self, _: &str, _: &str) -> Result<DeploymentFacts, ProbeError> {
        Err(unset("cluster"))
    }
    async fn warning_events(&self, _: &str) -> Result<Vec<EventFacts>, ProbeError> {
        Err(unset("cluster"))
    }
    async fn pod_logs(&self, _: &str, _: &str, _: u32) -> Result<Vec<String>, ProbeError> {
        Err(unset("cluster"))
    }
}

#[async_trait]
impl Containers for FakeTargets {
    async fn containers(&self, _: &ContainerFilter) -> Result<Vec<ContainerFacts>, ProbeError> {
        Err(unset("Docker"))
    }
    async fn logs(&self, _: &str, _: u32, _: Option<Duration>) -> Result<Vec<String>, ProbeError> {
        Err(unset("Docker"))
    }
}

#[async_trait]
impl Gpus for FakeTargets {
    async fn devices(&self) -> Result<Vec<GpuFacts>, ProbeError> {
        Err(ProbeError::NoDriver)
    }
}

/// Ports that all answer from `targets`.
pub fn ports(targets: Arc<FakeTargets>) -> DiagnosticPorts {
    DiagnosticPorts { cluster: targets.clone(), containers: targets.clone(), gpus: targets.clone(), probes: targets }
}
