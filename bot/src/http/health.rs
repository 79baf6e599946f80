//! `GET /health/live` and `GET /health/ready`.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::dedup::RedisHealth;
use crate::state::AppState;

/// The process is up and serving HTTP.
pub async fn live() -> Response {
    Json(json!({ "status": "live" })).into_response()
}

/// How long readiness waits for the store. A probe must answer quickly; an unreachable
/// database would otherwise hold it for the pool's 30-second acquire timeout.
const STORE_PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Ready when the store answers; 503 when it does not (a replica that cannot record must not
/// take traffic). Redis down is `degraded` with 200: de-duplication falls back to this process
/// and Slack is still acknowledged. The body names each component:
/// `{"status":"ready"|"degraded"|"unavailable","store":"ok"|"unreachable","redis":"ok"|"unreachable"|"not configured"}`.
pub async fn ready(State(state): State<AppState>) -> Response {
    let (store_ok, redis) = tokio::join!(store_answers(&state), state.deliveries.redis_health());
    let status = match (store_ok, redis) {
        (false, _) => "unavailable",
        (true, RedisHealth::Unreachable) => "degraded",
        (true, RedisHealth::Ok | RedisHealth::NotConfigured) => "ready",
    };
    let code = if store_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let store = if store_ok { "ok" } else { "unreachable" };
    (code, Json(json!({ "status": status, "store": store, "redis": redis.as_str() }))).into_response()
}

async fn store_answers(state: &AppState) -> bool {
    match tokio::time::timeout(STORE_PING_TIMEOUT, state.ctx.store.ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: store unreachable");
            false
        }
        Err(_elapsed) => {
            tracing::warn!("not ready: store did not answer in time");
            false
        }
    }
}
