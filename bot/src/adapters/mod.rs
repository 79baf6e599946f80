//! Adapters that implement the ports: Kubernetes (kube), Docker (bollard), NVIDIA GPUs
//! (nvml-wrapper) and direct probes (HTTP, TLS, Postgres, Redis, disk) for diagnostics, and
//! Kubernetes, Docker and Statuspage for remediations; pager webhooks (hyper) for escalations.

pub mod docker;
pub mod docker_actions;
mod error_chain;
pub(crate) mod https_client;
pub mod gpu;
pub mod kube;
pub mod kube_actions;
pub mod kube_client;
pub mod kube_fault;
pub mod pager;
pub mod probes;
pub mod statuspage;
pub(crate) mod unanswered;

use std::sync::Arc;

use firebreak_commands::diagnostics::DiagnosticPorts;

/// The diagnostic ports for this host, from the environment (KUBECONFIG or in-cluster,
/// DOCKER_HOST or the local socket, the NVIDIA driver, direct probes), over the Kubernetes
/// client `kube_client::infer` made (shared with the remediations). Nothing here fails:
/// a missing cluster, engine or driver is reported by the checks that need it.
pub fn diagnostics(kube_client: Option<::kube::Client>) -> DiagnosticPorts {
    DiagnosticPorts {
        cluster: Arc::new(kube::KubeCluster::from_client(kube_client)),
        containers: Arc::new(docker::DockerHost::from_environment()),
        gpus: Arc::new(gpu::NvmlGpus::new()),
        probes: Arc::new(probes::HostProbes::new()),
    }
}

/// Where approved remediations run: Kubernetes through `KUBECONFIG` or in-cluster, Docker
/// through `DOCKER_HOST` or the local socket, Statuspage at `STATUSPAGE_API_URL`.
pub fn remediations(kube_client: Option<::kube::Client>, statuspage: &crate::config::StatusPageEnv) -> firebreak_commands::engine::RemediationPorts {
    firebreak_commands::engine::RemediationPorts {
        cluster: Arc::new(kube_actions::KubeActions::from_client(kube_client)),
        containers: Arc::new(docker_actions::DockerActions::from_environment()),
        status_page: Arc::new(statuspage::StatusPageApi::new(statuspage.clone())),
    }
}
