//! Test support: `DiagnosticPorts` whose probes are real and whose other ports are never asked.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use firebreak_commands::diagnostics::facts::{ContainerFacts, DeploymentFacts, EventFacts, GpuFacts, PodFacts};
use firebreak_commands::diagnostics::spec::{ContainerFilter, LabelSelector};
use firebreak_commands::diagnostics::{Cluster, Containers, DiagnosticPorts, Gpus, ProbeError, Probes};

/// Answers "not configured" to everything: probe checks never reach it.
#[derive(Debug)]
struct Nothing;

fn none<T>() -> Result<T, ProbeError> {
    Err(ProbeError::NotConfigured("not part of this test".into()))
}

#[async_trait]
impl Cluster for Nothing {
    async fn pods(&self, _: &str, _: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> {
        none()
    }
    async fn deployment(&self, _: &str, _: &str) -> Result<DeploymentFacts, ProbeError> {
        none()
    }
    async fn warning_events(&self, _: &str) -> Result<Vec<EventFacts>, ProbeError> {
        none()
    }
    async fn pod_logs(&self, _: &str, _: &str, _: u32) -> Result<Vec<String>, ProbeError> {
        none()
    }
}

#[async_trait]
impl Containers for Nothing {
    async fn containers(&self, _: &ContainerFilter) -> Result<Vec<ContainerFacts>, ProbeError> {
        none()
    }
    async fn logs(&self, _: &str, _: u32, _: Option<Duration>) -> Result<Vec<String>, ProbeError> {
        none()
    }
}

#[async_trait]
impl Gpus for Nothing {
    async fn devices(&self) -> Result<Vec<GpuFacts>, ProbeError> {
        none()
    }
}

pub(super) fn ports(probes: impl Probes + 'static) -> DiagnosticPorts {
    DiagnosticPorts { cluster: Arc::new(Nothing), containers: Arc::new(Nothing), gpus: Arc::new(Nothing), probes: Arc::new(probes) }
}
