//! The `[[runbooks.checks]]` tables of `firebreak.toml`: one struct per check kind, validated
//! into `CheckSpec`s with errors that name the runbook and the field.

use std::time::Duration;

use firebreak_commands::diagnostics::spec::{
    CheckSpec, CheckTarget, ContainerFilter, LabelSelector, LogPattern, DEFAULT_CHECK_TIMEOUT,
};
use serde::Deserialize;

/// A check as written, tagged by `kind`. Unknown fields are errors.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckConfig {
    Http(HttpCheck),
    K8sPods(K8sPodsCheck),
    K8sDeployment(K8sDeploymentCheck),
    K8sEvents(K8sEventsCheck),
    K8sLogs(K8sLogsCheck),
    DockerContainers(DockerContainersCheck),
    DockerLogs(DockerLogsCheck),
    Gpu(GpuCheck),
    Postgres(PostgresCheck),
    Redis(RedisCheck),
    TlsExpiry(TlsCheck),
    Disk(DiskCheck),
}

fn default_namespace() -> String {
    "default".to_owned()
}
fn default_tail() -> u32 {
    100
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCheck { pub name: String, pub url: String, pub timeout_seconds: Option<u64> }

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K8sPodsCheck {
    pub name: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    pub selector: String,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K8sDeploymentCheck {
    pub name: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    pub deployment: String,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K8sEventsCheck {
    pub name: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    #[serde(default)]
    pub objects: Vec<String>,
    pub since_minutes: Option<u64>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K8sLogsCheck {
    pub name: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    pub selector: String,
    #[serde(default = "default_tail")]
    pub tail: u32,
    pub patterns: Option<Vec<PatternConfig>>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerContainersCheck {
    pub name: String,
    pub container: Option<String>,
    pub compose_service: Option<String>,
    pub compose_project: Option<String>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerLogsCheck {
    pub name: String,
    pub container: String,
    #[serde(default = "default_tail")]
    pub tail: u32,
    pub since_minutes: Option<u64>,
    pub patterns: Option<Vec<PatternConfig>>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuCheck {
    pub name: String,
    pub max_temperature_c: Option<u32>,
    pub max_memory_percent: Option<u8>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresCheck {
    pub name: String,
    pub url_env: String,
    pub max_connections_percent: Option<u8>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisCheck { pub name: String, pub url_env: String, pub timeout_seconds: Option<u64> }

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsCheck {
    pub name: String,
    pub host: String,
    pub port: Option<u16>,
    pub warn_days: Option<u32>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskCheck {
    pub name: String,
    pub paths: Vec<String>,
    pub warn_free_percent: Option<u8>,
    pub fail_free_percent: Option<u8>,
    pub timeout_seconds: Option<u64>,
}

/// A log pattern: a label and the substrings (case-insensitive) that make a line match it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternConfig {
    pub label: String,
    #[serde(rename = "match")]
    pub needles: Vec<String>,
}

/// A field that failed validation: `(field, reason)`.
pub type FieldError = (String, String);

pub(super) fn field(name: &str, reason: impl Into<String>) -> FieldError {
    (name.to_owned(), reason.into())
}

fn timeout(seconds: Option<u64>) -> Result<Duration, FieldError> {
    match seconds {
        None => Ok(DEFAULT_CHECK_TIMEOUT),
        Some(s) if (1..=300).contains(&s) => Ok(Duration::from_secs(s)),
        Some(_) => Err(field("timeout_seconds", "use 1 to 300 seconds")),
    }
}

/// DNS-1123 label (namespaces) or subdomain (object names).
pub(super) fn dns_name(text: &str, max: usize, dots: bool) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.'))
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric())
}

pub(super) fn namespace(text: &str) -> Result<String, FieldError> {
    dns_name(text, 63, false).then(|| text.to_owned()).ok_or_else(|| field("namespace", format!("`{text}` is not a Kubernetes namespace name")))
}

fn selector(text: &str) -> Result<LabelSelector, FieldError> {
    LabelSelector::parse(text).map_err(|e| field("selector", e.to_string()))
}

pub(super) fn container_name(text: &str, name: &str) -> Result<String, FieldError> {
    let valid = !text.is_empty()
        && text.len() <= 128
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    valid.then(|| text.to_owned()).ok_or_else(|| field(name, format!("`{text}` is not a container name")))
}

fn env_name(text: &str) -> Result<String, FieldError> {
    let valid = text.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    valid.then(|| text.to_owned()).ok_or_else(|| {
        field("url_env", format!("`{text}` is not an environment variable name (connection strings come from the environment, e.g. NERF_DATABASE_URL)"))
    })
}

fn percent(value: Option<u8>, default: u8, name: &str) -> Result<u8, FieldError> {
    let value = value.unwrap_or(default);
    (1..=100).contains(&value).then_some(value).ok_or_else(|| field(name, "use 1 to 100"))
}

fn tail(value: u32) -> Result<u32, FieldError> {
    (1..=5000).contains(&value).then_some(value).ok_or_else(|| field("tail", "use 1 to 5000 lines"))
}

fn patterns(configured: Option<Vec<PatternConfig>>) -> Result<Vec<LogPattern>, FieldError> {
    let Some(configured) = configured else { return Ok(LogPattern::seed_defaults()) };
    configured
        .into_iter()
        .map(|p| {
            if p.needles.iter().any(|n| n.trim().is_empty()) || p.needles.is_empty() {
                return Err(field("patterns", format!("pattern `{}` needs non-empty `match` strings", p.label)));
            }
            Ok(LogPattern { label: p.label, needles: p.needles })
        })
        .collect()
}

fn minutes(value: Option<u64>, default: u64) -> Duration {
    Duration::from_secs(value.unwrap_or(default) * 60)
}

impl CheckConfig {
    /// Validates the check into a `CheckSpec`, or names the field that is wrong.
    pub fn into_spec(self) -> Result<CheckSpec, FieldError> {
        let (name, seconds, target) = match self {
            Self::Http(c) => {
                let url = url::Url::parse(&c.url).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
                let url = url.ok_or_else(|| field("url", format!("`{}` is not an http(s) URL", c.url)))?;
                if !url.username().is_empty() || url.password().is_some() {
                    return Err(field("url", "credentials do not belong in configuration; health URLs need none"));
                }
                (c.name, c.timeout_seconds, CheckTarget::Http { url: c.url })
            }
            Self::K8sPods(c) => {
                let target = CheckTarget::K8sPods { namespace: namespace(&c.namespace)?, selector: selector(&c.selector)? };
                (c.name, c.timeout_seconds, target)
            }
            Self::K8sDeployment(c) => {
                if !dns_name(&c.deployment, 253, true) {
                    return Err(field("deployment", format!("`{}` is not a deployment name", c.deployment)));
                }
                let target = CheckTarget::K8sDeployment { namespace: namespace(&c.namespace)?, name: c.deployment };
                (c.name, c.timeout_seconds, target)
            }
            Self::K8sEvents(c) => {
                let target = CheckTarget::K8sEvents { namespace: namespace(&c.namespace)?, objects: c.objects, since: minutes(c.since_minutes, 30) };
                (c.name, c.timeout_seconds, target)
            }
            Self::K8sLogs(c) => {
                let target = CheckTarget::K8sLogs {
                    namespace: namespace(&c.namespace)?,
                    selector: selector(&c.selector)?,
                    tail: tail(c.tail)?,
                    patterns: patterns(c.patterns)?,
                };
                (c.name, c.timeout_seconds, target)
            }
            Self::DockerContainers(c) => {
                let filter = match (c.container, c.compose_service) {
                    (Some(name), None) => ContainerFilter::Name(container_name(&name, "container")?),
                    (None, Some(service)) => ContainerFilter::ComposeService {
                        project: c.compose_project.map(|p| container_name(&p, "compose_project")).transpose()?,
                        service: container_name(&service, "compose_service")?,
                    },
                    _ => return Err(field("container", "set exactly one of `container` or `compose_service`")),
                };
                (c.name, c.timeout_seconds, CheckTarget::DockerContainers { filter })
            }
            Self::DockerLogs(c) => {
                let target = CheckTarget::DockerLogs {
                    container: container_name(&c.container, "container")?,
                    tail: tail(c.tail)?,
                    since: c.since_minutes.map(|m| Duration::from_secs(m * 60)),
                    patterns: patterns(c.patterns)?,
                };
                (c.name, c.timeout_seconds, target)
            }
            Self::Gpu(c) => {
                let target = CheckTarget::Gpu {
                    max_temperature_c: c.max_temperature_c.unwrap_or(85),
                    max_memory_percent: percent(c.max_memory_percent, 95, "max_memory_percent")?,
                };
                (c.name, c.timeout_seconds, target)
            }
            Self::Postgres(c) => {
                let target = CheckTarget::Postgres {
                    url_env: env_name(&c.url_env)?,
                    max_connections_percent: percent(c.max_connections_percent, 90, "max_connections_percent")?,
                };
                (c.name, c.timeout_seconds, target)
            }
            Self::Redis(c) => (c.name, c.timeout_seconds, CheckTarget::Redis { url_env: env_name(&c.url_env)? }),
            Self::TlsExpiry(c) => {
                if c.host.is_empty() || c.host.contains(|ch: char| ch.is_whitespace() || ch == '/' || ch == ':') {
                    return Err(field("host", format!("`{}` is not a host name (give the port in `port`)", c.host)));
                }
                let target = CheckTarget::TlsExpiry { host: c.host, port: c.port.unwrap_or(443), warn_days: c.warn_days.unwrap_or(14) };
                (c.name, c.timeout_seconds, target)
            }
            Self::Disk(c) => {
                if c.paths.is_empty() || c.paths.iter().any(|p| !p.starts_with('/')) {
                    return Err(field("paths", "give one or more absolute paths"));
                }
                let warn = percent(c.warn_free_percent, 15, "warn_free_percent")?;
                let fail = percent(c.fail_free_percent, 5, "fail_free_percent")?;
                if fail > warn {
                    return Err(field("fail_free_percent", "must not be above warn_free_percent"));
                }
                (c.name, c.timeout_seconds, CheckTarget::Disk { paths: c.paths, warn_free_percent: warn, fail_free_percent: fail })
            }
        };
        if name.trim().is_empty() || name.chars().count() > 80 {
            return Err(field("name", "give the check a name of 1 to 80 characters"));
        }
        Ok(CheckSpec { name, timeout: timeout(seconds)?, target })
    }
}
