//! `DockerActions`: the `ContainerActions` port over bollard — `docker restart` and
//! `docker compose restart`, then a check that the containers run (and are healthy).
//!
//! # Layout
//! - `targets`: which containers an action selects (name, or compose labels without one-offs)
//! - `state`: one inspected container judged ready, pending or failed
//! - `verify`: polling the judged containers until ready, failed or out of time
//! - `error`: bollard and socket errors → `ActionError`

mod error;
mod state;
mod targets;
mod verify;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptionsBuilder, RestartContainerOptions};
use bollard::Docker;
use firebreak_commands::remediation::{ActionError, ActionOutcome, ActionTarget, ContainerActions};

use crate::adapters::docker::DockerHost;
use targets::Selection;

/// Seconds Docker waits for a container to stop before killing it (`docker restart -t`).
const STOP_TIMEOUT_SECS: i32 = 10;

/// Restarts containers on one Docker engine.
#[derive(Debug, Clone)]
pub struct DockerActions {
    host: Arc<DockerHost>,
    /// Where the engine listens, for error messages.
    endpoint: String,
}

impl DockerActions {
    /// Actions on `host`.
    pub fn new(host: DockerHost) -> Self {
        Self::shared(Arc::new(host))
    }

    /// Actions on a host shared with the diagnostics.
    pub fn shared(host: Arc<DockerHost>) -> Self {
        Self { host, endpoint: "the configured Docker endpoint".to_owned() }
    }

    /// The engine at `host` (`unix:///path`, `tcp://host:port`), or the local socket for `None`.
    pub fn at(host: Option<&str>) -> Self {
        let endpoint = host.map(str::trim).filter(|h| !h.is_empty()).unwrap_or("unix:///var/run/docker.sock").to_owned();
        Self { host: Arc::new(DockerHost::at(host)), endpoint }
    }

    /// The engine named by `DOCKER_HOST`, else `/var/run/docker.sock`. Nothing is contacted yet.
    pub fn from_environment() -> Self {
        Self::at(std::env::var("DOCKER_HOST").ok().as_deref())
    }

    async fn docker(&self) -> Result<&Docker, ActionError> {
        self.host.docker().await.map_err(error::from_probe)
    }

    fn map(&self, e: &bollard::errors::Error, what: &str) -> ActionError {
        error::from_bollard(e, &self.endpoint, what)
    }

    /// The names of the containers `selection` covers; none is `NotFound`.
    async fn resolve(&self, docker: &Docker, selection: &Selection) -> Result<Vec<String>, ActionError> {
        match selection {
            Selection::Container(name) => Ok(vec![name.clone()]),
            Selection::Compose { labels, describe } => {
                let options = ListContainersOptionsBuilder::new().all(true).filters(&Selection::filters(labels)).build();
                let found = docker.list_containers(Some(options)).await.map_err(|e| self.map(&e, describe))?;
                let names = targets::service_containers(&found);
                if names.is_empty() {
                    return Err(ActionError::NotFound(format!("no container of {describe}")));
                }
                Ok(names)
            }
        }
    }

    async fn inspect(&self, docker: &Docker, name: &str) -> Result<ContainerInspectResponse, ActionError> {
        docker.inspect_container(name, None::<InspectContainerOptions>).await.map_err(|e| self.map(&e, name))
    }

    /// Restarts one container; the evidence line gives its old and new `StartedAt`.
    async fn restart_one(&self, docker: &Docker, name: &str) -> Result<(bool, String), ActionError> {
        let before = state::started_at(&self.inspect(docker, name).await?);
        let options = RestartContainerOptions { t: Some(STOP_TIMEOUT_SECS), signal: None };
        docker.restart_container(name, Some(options)).await.map_err(|e| error::from_bollard_write(&e, &self.endpoint, name))?;
        // Restarted (the engine said so): a failed look afterwards must not read as "nothing
        // was changed", so it becomes the evidence rather than the error.
        let after = match self.inspect(docker, name).await {
            Ok(inspect) => state::started_at(&inspect),
            Err(e) => return Ok((true, format!("{name}: restarted; StartedAt unknown ({e})"))),
        };
        let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "never".to_owned());
        let changed = after.is_some() && before != after;
        let line = format!("{name}: StartedAt {} → {}", show(&before), show(&after));
        Ok((changed, if changed { line } else { format!("{line} (unchanged)") }))
    }
}

fn selection(action: &ActionTarget) -> Result<Selection, ActionError> {
    Selection::of(action).ok_or_else(|| ActionError::Refused("not a Docker action".to_owned()))
}

#[async_trait]
impl ContainerActions for DockerActions {
    async fn execute(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
        // The engine is read (version, containers, state) before the first restart: see `unanswered`.
        self.restart(action).await.map_err(crate::adapters::unanswered::before_change)
    }

    async fn verify(&self, action: &ActionTarget, timeout: Duration) -> Result<ActionOutcome, ActionError> {
        let selection = selection(action)?;
        let docker = self.docker().await?;
        let names = self.resolve(docker, &selection).await?;
        verify::until_ready(&names, timeout, |name| async move {
            let inspect = self.inspect(docker, &name).await?;
            Ok((state::judge(&name, &inspect), state::started_at(&inspect)))
        })
        .await
    }
}

impl DockerActions {
    /// `docker restart` of each container the action selects.
    async fn restart(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
        let selection = selection(action)?;
        let docker = self.docker().await?;
        let names = self.resolve(docker, &selection).await?;
        let (mut restarted, mut evidence) = (0_usize, Vec::with_capacity(names.len()));
        for (index, name) in names.iter().enumerate() {
            match self.restart_one(docker, name).await {
                Ok((changed, line)) => {
                    restarted += usize::from(changed);
                    evidence.push(line);
                }
                // Nothing changed yet: the error is the whole answer.
                Err(e) if index == 0 => return Err(e),
                Err(e) => evidence.push(format!("{name}: restart failed: {e}")),
            }
        }
        tracing::info!(action = %action.describe(), restarted, total = names.len(), "docker restart");
        let success = restarted == names.len();
        let summary = format!("restarted {restarted}/{} container{}", names.len(), if names.len() == 1 { "" } else { "s" });
        Ok(ActionOutcome { success, summary, evidence })
    }
}
