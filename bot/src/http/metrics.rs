//! `GET /metrics` (Prometheus text) and the middleware that counts requests by route and outcome.

use std::sync::OnceLock;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::SharedString;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// The process-wide recorder: installed once, shared by every app in the process (tests run
/// several).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; then ours just stays unused.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            handle
        })
        .clone()
}

pub async fn render(State(state): State<AppState>) -> Response {
    ([("content-type", "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

/// The routes `count_requests` sees (those of `http::router`), so that their label is a
/// `&'static str` rather than a `String` made per request.
const ROUTES: &[&str] = &[
    "/slack/commands",
    "/slack/interactions",
    "/slack/events",
    "/health/live",
    "/health/ready",
    "/metrics",
    "/hooks/alertmanager",
    "/incidents/{id}/postmortem.md",
    "/incidents/{id}/timeline.json",
];

/// The `route` label of a request: its matched route (never the raw path).
fn route_label(matched: Option<&MatchedPath>) -> SharedString {
    match matched {
        None => SharedString::const_str("unmatched"),
        Some(path) => match ROUTES.iter().find(|route| **route == path.as_str()) {
            Some(route) => SharedString::const_str(route),
            // A route added without being listed above: still counted, just not free.
            None => SharedString::from(path.as_str().to_owned()),
        },
    }
}

/// Counts every request by matched route (never the raw path) and status class.
pub async fn count_requests(request: Request, next: Next) -> Response {
    let route = route_label(request.extensions().get::<MatchedPath>());
    let response = next.run(request).await;
    let outcome = match response.status().as_u16() {
        200..=299 => "ok",
        400..=499 => "client_error",
        _ => "server_error",
    };
    metrics::counter!("firebreak_http_requests_total", "route" => route, "outcome" => outcome).increment(1);
    response
}
