//! The kube-rs client both Kubernetes adapters (diagnostics and remediations) share.

use std::time::Duration;

use kube::{Client, Config};

/// A client from KUBECONFIG, ~/.kube/config or the in-cluster service account; `None` (logged)
/// when there is no configuration, so the adapters answer "not configured".
pub async fn infer() -> Option<Client> {
    match Config::infer().await {
        Ok(config) => match Client::try_from(config) {
            Ok(client) => Some(client),
            Err(error) => {
                tracing::warn!(%error, "Kubernetes configuration found but no client could be built");
                None
            }
        },
        Err(error) => {
            tracing::info!(%error, "no Kubernetes configuration; Kubernetes checks and actions will report not configured");
            None
        }
    }
}

/// A client for a plain-HTTP API server without authentication (tests, `kubectl proxy`).
pub fn for_url(url: &str) -> anyhow::Result<Client> {
    let mut config = Config::new(url.parse()?);
    config.connect_timeout = Some(Duration::from_secs(5));
    config.read_timeout = Some(Duration::from_secs(30));
    Ok(Client::try_from(config)?)
}

/// The innermost cause of a kube error, which names the actual problem (`Connection refused`).
pub fn root_cause(error: &kube::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
