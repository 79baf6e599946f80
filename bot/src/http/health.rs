//! `GET /health/live` and `GET /health/ready`.

use std::time::Duration;

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

/// How long readiness waits for the store. A probe must answer quickly; an unreachable
/// database would otherwise hold it for the pool's 30-second acquire timeout.
const STORE_PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Ready only when the store answers: a replica that cannot record must not take traffic.
pub async fn ready(State(state): State<AppState>) -> Response {
    let ping = tokio::time::timeout(STORE_PING_TIMEOUT, state.ctx.store.ping()).await;
    match ping {
        Ok(Ok(())) => Json(json!({ "status": "ready", "store": "ok" })).into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: store unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "store": "unreachable" }))).into_response()
        }
        Err(_elapsed) => {
            tracing::warn!("not ready: store did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "store": "unreachable" }))).into_response()
        }
    }
}
