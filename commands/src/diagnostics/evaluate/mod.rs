//! One file per check kind: ask the port for facts, then judge them. Judging is pure, so each
//! file's tests feed facts straight in.

mod disk;
mod docker_containers;
mod docker_logs;
mod gpu;
mod http;
mod k8s_deployment;
mod k8s_events;
mod k8s_logs;
mod k8s_pods;
pub mod log_lines;
mod postgres;
mod redis;
mod tls;

use jiff::Timestamp;

use super::ports::DiagnosticPorts;
use super::result::Verdict;
use super::spec::{CheckSpec, CheckTarget};

/// Runs one check against the ports. `now` is the reference time (certificate expiry, event age).
pub async fn evaluate(ports: &DiagnosticPorts, spec: &CheckSpec, now: Timestamp) -> Verdict {
    let timeout = spec.timeout;
    match &spec.target {
        CheckTarget::Http { url } => http::check(ports.probes.as_ref(), url, timeout).await,
        CheckTarget::TlsExpiry { host, port, warn_days } => {
            tls::check(ports.probes.as_ref(), host, *port, *warn_days, timeout, now).await
        }
        CheckTarget::Postgres { url_env, max_connections_percent } => {
            postgres::check(ports.probes.as_ref(), url_env, *max_connections_percent, timeout).await
        }
        CheckTarget::Redis { url_env } => redis::check(ports.probes.as_ref(), url_env, timeout).await,
        CheckTarget::Disk { paths, warn_free_percent, fail_free_percent } => {
            disk::check(ports.probes.as_ref(), paths, *warn_free_percent, *fail_free_percent).await
        }
        CheckTarget::K8sPods { namespace, selector } => k8s_pods::check(ports.cluster.as_ref(), namespace, selector).await,
        CheckTarget::K8sDeployment { namespace, name } => {
            k8s_deployment::check(ports.cluster.as_ref(), namespace, name).await
        }
        CheckTarget::K8sEvents { namespace, objects, since } => {
            k8s_events::check(ports.cluster.as_ref(), namespace, objects, *since, now).await
        }
        CheckTarget::K8sLogs { namespace, selector, tail, patterns } => {
            k8s_logs::check(ports.cluster.as_ref(), namespace, selector, *tail, patterns).await
        }
        CheckTarget::DockerContainers { filter } => docker_containers::check(ports.containers.as_ref(), filter, now).await,
        CheckTarget::DockerLogs { container, tail, since, patterns } => {
            docker_logs::check(ports.containers.as_ref(), container, *tail, *since, patterns).await
        }
        CheckTarget::Gpu { max_temperature_c, max_memory_percent } => {
            gpu::check(ports.gpus.as_ref(), *max_temperature_c, *max_memory_percent).await
        }
    }
}
