//! `GET /health/live` and `GET /health/ready`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::AppState;

/// The process is up and serving HTTP.
pub async fn live() -> Response {
    Json(json!({ "status": "live" })).into_response()
}

/// Ready only when the store answers: a replica that cannot record must not take traffic.
pub async fn ready(State(state): State<AppState>) -> Response {
    match state.ctx.store.ping().await {
        Ok(()) => Json(json!({ "status": "ready", "store": "ok" })).into_response(),
        Err(error) => {
            tracing::warn!(%error, "not ready: store unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "store": "unreachable" }))).into_response()
        }
    }
}
