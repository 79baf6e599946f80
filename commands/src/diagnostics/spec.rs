//! What a check asks for. Built from configuration and validated there; nothing in a
//! `CheckSpec` ever comes from chat text.

use std::fmt;
use std::time::Duration;

/// One check of a runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSpec {
    /// Unique within its runbook; shown to people.
    pub name: String,
    /// How long this check may take before it is reported as timed out.
    pub timeout: Duration,
    pub target: CheckTarget,
}

/// Default time one check may take.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// The kinds of check and their parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckTarget {
    /// GET `url`; 2xx/3xx is ok, anything else fails (as `curl -f`).
    Http { url: String },
    /// Pods matching `selector` in `namespace` (`kubectl get pods -l`).
    K8sPods { namespace: String, selector: LabelSelector },
    /// One deployment's rollout and resources (`kubectl get deployment`, `rollout status`).
    K8sDeployment { namespace: String, name: String },
    /// Recent Warning events in `namespace`, for objects whose name starts with one of `objects`
    /// (all objects when empty).
    K8sEvents { namespace: String, objects: Vec<String>, since: Duration },
    /// Last `tail` lines of every pod matching `selector` (`kubectl logs -l --tail`).
    K8sLogs { namespace: String, selector: LabelSelector, tail: u32, patterns: Vec<LogPattern> },
    /// Containers by name or compose service (`docker ps`).
    DockerContainers { filter: ContainerFilter },
    /// Last `tail` lines of a container (`docker logs --tail`, `--since`).
    DockerLogs { container: String, tail: u32, since: Option<Duration>, patterns: Vec<LogPattern> },
    /// Every NVIDIA GPU on this host (`nvidia-smi`).
    Gpu { max_temperature_c: u32, max_memory_percent: u8 },
    /// `pg_isready` + `SELECT 1` + connections vs `max_connections`; the URL comes from the
    /// environment variable `url_env`, never from configuration text or chat.
    Postgres { url_env: String, max_connections_percent: u8 },
    /// `redis-cli ping` + memory and clients; the URL comes from the environment variable `url_env`.
    Redis { url_env: String },
    /// Days until the certificate served at `host:port` expires.
    TlsExpiry { host: String, port: u16, warn_days: u32 },
    /// Free space of `paths` (`df -h`).
    Disk { paths: Vec<String>, warn_free_percent: u8, fail_free_percent: u8 },
}

impl CheckTarget {
    /// The configuration name of the kind (`k8s_pods`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Http { .. } => "http",
            Self::K8sPods { .. } => "k8s_pods",
            Self::K8sDeployment { .. } => "k8s_deployment",
            Self::K8sEvents { .. } => "k8s_events",
            Self::K8sLogs { .. } => "k8s_logs",
            Self::DockerContainers { .. } => "docker_containers",
            Self::DockerLogs { .. } => "docker_logs",
            Self::Gpu { .. } => "gpu",
            Self::Postgres { .. } => "postgres",
            Self::Redis { .. } => "redis",
            Self::TlsExpiry { .. } => "tls_expiry",
            Self::Disk { .. } => "disk",
        }
    }

    /// Every check kind, for error messages.
    pub const KINDS: [&'static str; 12] = [
        "http", "k8s_pods", "k8s_deployment", "k8s_events", "k8s_logs", "docker_containers",
        "docker_logs", "gpu", "postgres", "redis", "tls_expiry", "disk",
    ];
}

/// Which containers a Docker check looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerFilter {
    /// Exactly this container name (not a substring).
    Name(String),
    /// Every container of a compose service (labels `com.docker.compose.service` and, when
    /// given, `com.docker.compose.project`).
    ComposeService { project: Option<String>, service: String },
}

/// A log line pattern worth highlighting: a label for people and case-insensitive substrings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPattern {
    pub label: String,
    pub needles: Vec<String>,
}

impl LogPattern {
    pub fn matches(&self, line: &str) -> bool {
        let lower = line.to_lowercase();
        self.needles.iter().any(|needle| lower.contains(&needle.to_lowercase()))
    }

    /// The seed runbook's "Look for" list: OOM, WebGPU initialisation, database connection
    /// and certificate/SSL problems.
    pub fn seed_defaults() -> Vec<LogPattern> {
        let pattern = |label: &str, needles: &[&str]| LogPattern {
            label: label.to_owned(),
            needles: needles.iter().map(|n| (*n).to_owned()).collect(),
        };
        vec![
            pattern("out of memory", &["outofmemory", "out of memory", "oomkilled", "oom-kill", "cannot allocate memory"]),
            pattern("WebGPU initialization failure", &["webgpu not available", "webgpu initialization", "failed to initialize webgpu", "no suitable gpu adapter"]),
            pattern("database connection error", &["connection refused", "too many connections", "could not connect to server", "database connection", "econnrefused"]),
            pattern("certificate/SSL error", &["certificate", "ssl", "tls handshake", "x509"]),
        ]
    }
}

/// A Kubernetes equality-based label selector (`app=nerf,tier!=db,canary`), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector(String);

/// Why a selector was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{selector}` is not a label selector: {reason} (example: app=nerf-edge-kit,tier!=db)")]
pub struct SelectorError {
    pub selector: String,
    pub reason: String,
}

fn valid_label_part(text: &str, allow_slash: bool) -> bool {
    let (prefix, name) = match (allow_slash, text.split_once('/')) {
        (true, Some((prefix, name))) => (Some(prefix), name),
        _ => (None, text),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty() && p.len() <= 253 && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
    });
    name_ok && prefix_ok
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let fail = |reason: &str| SelectorError { selector: text.to_owned(), reason: reason.to_owned() };
        let text = text.trim();
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        for requirement in text.split(',') {
            let requirement = requirement.trim();
            let (key, value) = if let Some((k, v)) = requirement.split_once("!=") {
                (k, Some(v))
            } else if let Some((k, v)) = requirement.split_once("==") {
                (k, Some(v))
            } else if let Some((k, v)) = requirement.split_once('=') {
                (k, Some(v))
            } else {
                (requirement.strip_prefix('!').unwrap_or(requirement), None)
            };
            if !valid_label_part(key.trim(), true) {
                return Err(fail(&format!("bad label key `{}`", key.trim())));
            }
            if let Some(value) = value {
                let value = value.trim();
                if !value.is_empty() && !valid_label_part(value, false) {
                    return Err(fail(&format!("bad label value `{value}`")));
                }
            }
        }
        Ok(Self(text.split(',').map(str::trim).collect::<Vec<_>>().join(",")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_validated() {
        assert_eq!(LabelSelector::parse(" app=nerf-edge-kit, tier!=db ").map(|s| s.0), Ok("app=nerf-edge-kit,tier!=db".into()));
        assert!(LabelSelector::parse("app.kubernetes.io/name==web,canary,!legacy").is_ok());
        assert!(LabelSelector::parse("").is_err());
        assert!(LabelSelector::parse("app=nerf;rm -rf /").is_err());
        assert!(LabelSelector::parse("=x").is_err());
        assert!(LabelSelector::parse("app=-bad").is_err());
    }

    #[test]
    fn seed_patterns_find_the_runbooks_symptoms() {
        let patterns = LogPattern::seed_defaults();
        let hit = |line: &str| patterns.iter().find(|p| p.matches(line)).map(|p| p.label.clone());
        assert_eq!(hit("FATAL: OutOfMemory while allocating texture").as_deref(), Some("out of memory"));
        assert_eq!(hit("Error: WebGPU not available on this adapter").as_deref(), Some("WebGPU initialization failure"));
        assert_eq!(hit("pq: too many connections for role nerf").as_deref(), Some("database connection error"));
        assert_eq!(hit("x509: certificate has expired").as_deref(), Some("certificate/SSL error"));
        assert_eq!(hit("GET /health 200 3ms"), None);
    }
}
