//! What adapters observe, with no verdict: evaluation (in `evaluate/`) decides what is wrong.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

/// One pod (`kubectl get pods`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodFacts {
    pub name: String,
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
    pub phase: String,
    /// The pod's `Ready` condition.
    pub ready: bool,
    pub node: Option<String>,
    pub started_at: Option<Timestamp>,
    pub containers: Vec<PodContainerFacts>,
}

/// One container status of a pod.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodContainerFacts {
    pub name: String,
    pub ready: bool,
    pub restarts: u32,
    /// `CrashLoopBackOff`, `ImagePullBackOff`, `ErrImagePull`, `ContainerCreating`…
    pub waiting_reason: Option<String>,
    pub waiting_message: Option<String>,
    /// Reason of the last termination: `OOMKilled`, `Error`, `Completed`…
    pub last_termination_reason: Option<String>,
    pub last_exit_code: Option<i32>,
}

/// One deployment (`kubectl get deployment`, `rollout status`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentFacts {
    pub name: String,
    pub desired: u32,
    pub updated: u32,
    pub ready: u32,
    pub available: u32,
    pub unavailable: u32,
    pub generation: i64,
    pub observed_generation: i64,
    pub paused: bool,
    /// Conditions as `type → (status, reason, message)`.
    pub conditions: BTreeMap<String, (String, String, String)>,
    pub containers: Vec<ContainerResources>,
}

impl DeploymentFacts {
    /// `kubectl rollout status` gives up when Progressing has this reason.
    pub fn progress_deadline_exceeded(&self) -> bool {
        self.conditions.get("Progressing").is_some_and(|(_, reason, _)| reason == "ProgressDeadlineExceeded")
    }
}

/// A container template's image and resources (`limits`/`requests` as Kubernetes quantities).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerResources {
    pub name: String,
    pub image: String,
    pub limits: BTreeMap<String, String>,
    pub requests: BTreeMap<String, String>,
}

/// One Kubernetes event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFacts {
    /// `Warning` or `Normal`.
    pub event_type: String,
    pub object_kind: String,
    pub object_name: String,
    pub reason: String,
    pub message: String,
    pub count: u32,
    pub last_seen: Option<Timestamp>,
}

/// One Docker container (`docker ps -a`, `docker inspect`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerFacts {
    pub id: String,
    pub name: String,
    pub image: String,
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
    pub state: String,
    /// `healthy`, `unhealthy`, `starting`, or `None` without a healthcheck.
    pub health: Option<String>,
    pub restart_count: u32,
    pub oom_killed: bool,
    pub exit_code: Option<i64>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

/// One NVIDIA GPU (`nvidia-smi`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GpuFacts {
    pub index: u32,
    pub name: String,
    pub memory_used_bytes: u64,
    pub memory_total_bytes: u64,
    pub utilization_percent: Option<u32>,
    pub temperature_c: Option<u32>,
    pub power_milliwatts: Option<u32>,
    /// Uncorrected ECC errors since the driver loaded; `None` when ECC is off or unsupported.
    pub ecc_uncorrected_errors: Option<u64>,
    pub processes: Vec<GpuProcessFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GpuProcessFacts {
    pub pid: u32,
    pub used_memory_bytes: Option<u64>,
}

/// An HTTP GET (`curl -f`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpFacts {
    pub status: u16,
    pub latency: Duration,
    /// The first bytes of the body, for the details thread.
    pub body_snippet: String,
}

/// The certificate served at a host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFacts {
    pub subject: String,
    pub issuer: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
}

/// A Postgres server (`pg_isready`, `SELECT 1`, connection counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresFacts {
    pub connect_latency: Duration,
    pub select_one: bool,
    pub connections: u32,
    pub max_connections: u32,
    pub server_version: String,
}

/// A Redis server (`redis-cli ping`, `INFO`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisFacts {
    pub ping_latency: Duration,
    pub used_memory_bytes: u64,
    /// 0 when no `maxmemory` is set.
    pub maxmemory_bytes: u64,
    pub connected_clients: u32,
    pub server_version: String,
}

/// A filesystem (`df`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskFacts {
    pub path: String,
    pub total_bytes: u64,
    /// Space available to unprivileged users (what `df` calls Avail).
    pub available_bytes: u64,
}
