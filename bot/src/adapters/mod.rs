//! Adapters that implement the diagnostics ports: Kubernetes (kube), Docker (bollard),
//! NVIDIA GPUs (nvml-wrapper) and direct probes (HTTP, TLS, Postgres, Redis, disk).

pub mod docker;
pub mod gpu;
pub mod kube;
pub mod probes;
