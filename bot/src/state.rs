//! What every HTTP handler shares.

use std::sync::Arc;

use firebreak_commands::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Context,
    pub verifier: Arc<SlackEventSignatureVerifier>,
    pub metrics: PrometheusHandle,
    /// `FIREBREAK_API_TOKEN`, for the read endpoints.
    pub api_token: Option<crate::config::Secret>,
    /// `ALERTMANAGER_TOKEN`, for `POST /hooks/alertmanager`.
    pub alertmanager_token: Option<crate::config::Secret>,
    /// Slack deliveries seen lately (Redis when configured), so a redelivery is handled once.
    pub deliveries: Arc<dyn crate::dedup::Deliveries>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("ctx", &self.ctx).finish_non_exhaustive()
    }
}
