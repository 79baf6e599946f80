//! `DockerHost`: the `Containers` port over bollard.
//!
//! # Layout
//! - `endpoint`: `DOCKER_HOST` → where the engine listens
//! - `inspect`: `docker inspect` output → `ContainerFacts`
//! - `error`: bollard and socket errors → `ProbeError`

mod endpoint;
pub(crate) mod error;
mod inspect;

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
/// Re-exported so end-to-end tests can set up containers with the same client.
pub use bollard;
use bollard::query_parameters::{CreateImageOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder, LogsOptionsBuilder};
use bollard::{Docker, API_DEFAULT_VERSION};
use firebreak_commands::diagnostics::facts::ContainerFacts;
use firebreak_commands::diagnostics::spec::ContainerFilter;
use firebreak_commands::diagnostics::{Containers, ProbeError};
use tokio::sync::OnceCell;

use endpoint::Endpoint;
use futures_util::StreamExt;

/// Seconds bollard waits for one request.
const REQUEST_TIMEOUT_SECS: u64 = 30;

/// A Docker engine, reached through `DOCKER_HOST` or the local socket.
pub struct DockerHost {
    endpoint: Endpoint,
    client: OnceCell<Docker>,
}

impl std::fmt::Debug for DockerHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerHost").field("endpoint", &self.endpoint.to_string()).finish()
    }
}

impl DockerHost {
    /// The engine named by `DOCKER_HOST`, else `/var/run/docker.sock`. Nothing is contacted yet.
    pub fn from_environment() -> Self {
        Self::at(std::env::var("DOCKER_HOST").ok().as_deref())
    }

    /// The engine at `host` (`unix:///path`, `tcp://host:port`), or the local socket for `None`.
    pub fn at(host: Option<&str>) -> Self {
        Self { endpoint: Endpoint::parse(host), client: OnceCell::new() }
    }

    /// The bollard client, connected and version-negotiated on first use (public so tests can
    /// create containers through the same engine).
    pub async fn docker(&self) -> Result<&Docker, ProbeError> {
        let endpoint = self.endpoint.to_string();
        let connect = || async {
            let docker = match &self.endpoint {
                Endpoint::Unix(path) => {
                    Docker::connect_with_unix(&path.to_string_lossy(), REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
                }
                Endpoint::Tcp(address) => Docker::connect_with_http(address, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION),
            }
            .map_err(|e| error::from_bollard(&e, &endpoint, "engine"))?;
            docker.negotiate_version().await.map_err(|e| error::from_bollard(&e, &endpoint, "engine"))
        };
        self.client.get_or_try_init(connect).await
    }

    /// Imports a tarred root filesystem as image `repository:tag` (`docker import`); for tests,
    /// which have no registry to pull from.
    pub async fn import_rootfs(&self, tar: &[u8], repository: &str, tag: &str) -> Result<(), ProbeError> {
        let docker = self.docker().await?;
        let options = CreateImageOptionsBuilder::new().from_src("-").repo(repository).tag(tag).build();
        let body = bollard::body_full(axum::body::Bytes::copy_from_slice(tar));
        let mut progress = docker.create_image(Some(options), Some(body), None);
        while let Some(step) = progress.next().await {
            step.map_err(|e| self.map(&e, "image import"))?;
        }
        Ok(())
    }

    fn map(&self, error: &bollard::errors::Error, what: &str) -> ProbeError {
        error::from_bollard(error, &self.endpoint.to_string(), what)
    }
}

/// Docker's `name` filter is a regular expression over `/name`: anchor and escape it.
fn exact_name_filter(name: &str) -> String {
    let escaped: String = name
        .chars()
        .flat_map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { vec![c] } else { vec!['\\', c] })
        .collect();
    format!("^/{escaped}$")
}

fn filters(filter: &ContainerFilter) -> HashMap<String, Vec<String>> {
    match filter {
        ContainerFilter::Name(name) => HashMap::from([("name".to_owned(), vec![exact_name_filter(name)])]),
        ContainerFilter::ComposeService { project, service } => {
            let mut labels = vec![format!("com.docker.compose.service={service}")];
            labels.extend(project.iter().map(|p| format!("com.docker.compose.project={p}")));
            HashMap::from([("label".to_owned(), labels)])
        }
    }
}

/// Log text split into lines, without line endings or a final empty line.
fn lines(text: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(text).lines().map(|l| l.trim_end_matches('\r').to_owned()).collect()
}

#[async_trait]
impl Containers for DockerHost {
    async fn containers(&self, filter: &ContainerFilter) -> Result<Vec<ContainerFacts>, ProbeError> {
        let docker = self.docker().await?;
        let options = ListContainersOptionsBuilder::new().all(true).filters(&filters(filter)).build();
        let summaries = docker.list_containers(Some(options)).await.map_err(|e| self.map(&e, "containers"))?;
        let mut found = Vec::with_capacity(summaries.len());
        for summary in summaries {
            let Some(id) = summary.id.as_deref() else { continue };
            match docker.inspect_container(id, None::<InspectContainerOptions>).await {
                Ok(inspect) => found.push(inspect::facts(&inspect, summary.image.as_deref())),
                // Removed between listing and inspecting: it is no longer there to judge.
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
                Err(e) => return Err(self.map(&e, id)),
            }
        }
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }

    async fn logs(&self, container: &str, tail: u32, since: Option<Duration>) -> Result<Vec<String>, ProbeError> {
        let docker = self.docker().await?;
        // Inspect first so a missing container is NotFound, not an empty log.
        docker
            .inspect_container(container, None::<InspectContainerOptions>)
            .await
            .map_err(|e| self.map(&e, container))?;
        let mut options = LogsOptionsBuilder::new().stdout(true).stderr(true).tail(&tail.to_string());
        if let Some(since) = since {
            let from = jiff::Timestamp::now().as_second().saturating_sub(i64::try_from(since.as_secs()).unwrap_or(i64::MAX));
            options = options.since(i32::try_from(from.max(0)).unwrap_or(i32::MAX));
        }
        // bollard demultiplexes stdout/stderr frames (and passes a TTY's raw stream through).
        let mut output = Vec::new();
        let mut stream = docker.logs(container, Some(options.build()));
        while let Some(chunk) = stream.next().await {
            output.extend_from_slice(&chunk.map_err(|e| self.map(&e, container))?.into_bytes());
        }
        Ok(lines(&output))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_select_exact_names_and_compose_labels() {
        assert_eq!(filters(&ContainerFilter::Name("web.1".into()))["name"], ["^/web\\.1$"]);
        let compose = ContainerFilter::ComposeService { project: Some("shop".into()), service: "api".into() };
        assert_eq!(filters(&compose)["label"], ["com.docker.compose.service=api", "com.docker.compose.project=shop"]);
        assert_eq!(lines(b"a\r\nb\n"), ["a", "b"]);
    }
}
