//! `GET /incidents/{id}/postmortem.md` and `GET /incidents/{id}/timeline.json`: read-only
//! exports behind the `FIREBREAK_API_TOKEN` bearer token (disabled when it is unset).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use firebreak_commands::ids::IncidentId;
use firebreak_commands::incident::Incident;
use firebreak_commands::postmortem::draft_from;
use firebreak_commands::timeline::TimelineEvent;
use serde_json::json;

use crate::state::AppState;

/// Checks the bearer token in constant time; unset token → the endpoints are off.
/// A refusal: status and a reason safe to show.
type Refusal = (StatusCode, &'static str);

fn authorised(state: &AppState, headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(expected) = &state.api_token else {
        return Err((StatusCode::FORBIDDEN, "the incident API is disabled: set FIREBREAK_API_TOKEN"));
    };
    if super::bearer::matches(expected, headers) { Ok(()) } else { Err((StatusCode::UNAUTHORIZED, "missing or wrong bearer token")) }
}

async fn load(state: &AppState, id: &str) -> Result<(Incident, Vec<TimelineEvent>), Refusal> {
    let not_found = || (StatusCode::NOT_FOUND, "no such incident");
    let id = IncidentId::parse(id).ok_or_else(not_found)?;
    let unavailable = |e: firebreak_commands::ports::StoreError| {
        tracing::warn!(error = %e, "incident API: store unavailable");
        (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
    };
    let incident = state.ctx.store.incident(id).await.map_err(unavailable)?.ok_or_else(not_found)?;
    let events = state.ctx.store.timeline(id).await.map_err(unavailable)?;
    Ok((incident, events))
}

pub async fn postmortem(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(refused) = authorised(&state, &headers) {
        return refused.into_response();
    }
    let (incident, events) = match load(&state, &id).await {
        Ok(found) => found,
        Err(refused) => return refused.into_response(),
    };
    match draft_from(&incident, &events, &state.ctx.settings, state.ctx.clock.now()) {
        Ok(markdown) => ([("content-type", "text/markdown; charset=utf-8")], markdown).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

pub async fn timeline(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(refused) = authorised(&state, &headers) {
        return refused.into_response();
    }
    let (incident, events) = match load(&state, &id).await {
        Ok(found) => found,
        Err(refused) => return refused.into_response(),
    };
    let events: Vec<_> = events
        .iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "at": e.at.to_string(),
                "actor": e.actor,
                "source": e.source.key(),
                "kind": e.kind.key(),
                "text": e.kind.describe(),
                "details": e.kind,
            })
        })
        .collect();
    Json(json!({ "incident": incident.id.0, "number": incident.number.0, "title": incident.title, "events": events })).into_response()
}
