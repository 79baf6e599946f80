//! Busybox containers for the Docker tests: created and started on the engine, and removed
//! again (with force) when the test ends, also when it panics.

use firebreak::adapters::docker::bollard::models::ContainerCreateBody;
use firebreak::adapters::docker::bollard::query_parameters::{
    CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder, StartContainerOptions,
};
use firebreak::adapters::docker::bollard::Docker;
use firebreak::adapters::docker::DockerHost;

use crate::docker_images::{ensure_busybox_image, BUSYBOX_IMAGE};

/// Removes every container it names when dropped.
#[derive(Debug, Default)]
pub struct Cleanup {
    pub names: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let names = std::mem::take(&mut self.names);
        // Drop cannot await, and may run inside the test's runtime: remove from a thread.
        let removal = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async {
                let host = DockerHost::from_environment();
                let Ok(docker) = host.docker().await else { return };
                for name in names {
                    let options = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
                    let _ = docker.remove_container(&name, Some(options)).await;
                }
            });
        });
        let _ = removal.join();
    }
}

/// A container name no other test run uses: `fb-<prefix>-<uuid>`.
pub fn unique(prefix: &str) -> String {
    format!("fb-{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Creates and starts a busybox container running `cmd`; `tweak` adds labels, limits, health.
pub async fn start(docker: &Docker, cleanup: &mut Cleanup, name: &str, cmd: &str, tweak: impl FnOnce(&mut ContainerCreateBody)) {
    let mut body = ContainerCreateBody {
        image: Some(BUSYBOX_IMAGE.to_owned()),
        cmd: Some(vec!["sh".into(), "-c".into(), cmd.into()]),
        ..ContainerCreateBody::default()
    };
    tweak(&mut body);
    cleanup.names.push(name.to_owned());
    let options = CreateContainerOptionsBuilder::new().name(name).build();
    docker.create_container(Some(options), body).await.unwrap_or_else(|e| panic!("create {name}: {e}"));
    docker.start_container(name, None::<StartContainerOptions>).await.unwrap_or_else(|e| panic!("start {name}: {e}"));
}

/// A runbook `web` whose one action, `restart-web`, restarts `container`, approved by Bob
/// (`U0BOB`): the remediation the multi-replica tests run.
pub fn restart_runbook(container: &str) -> String {
    format!(
        r#"
[[runbooks]]
name = "web"
description = "web is down"
services = ["web"]

[[runbooks.actions]]
name = "restart-web"
kind = "docker_restart"
container = "{container}"
approvers = ["U0BOB"]
"#
    )
}

/// The engine, or `None` (with a notice) when none runs outside CI.
pub async fn docker_engine(host: &DockerHost) -> Option<&Docker> {
    match host.docker().await {
        Ok(docker) => {
            ensure_busybox_image(host).await.unwrap_or_else(|e| panic!("could not import the busybox test image: {e:#}"));
            Some(docker)
        }
        Err(error) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("no Docker engine but CI=true: {error}"),
        Err(error) => {
            eprintln!("skipping: no Docker engine: {error}");
            None
        }
    }
}
