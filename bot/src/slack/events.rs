//! `POST /slack/events`: the Events API (URL verification now; reactions in a later issue).

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Envelope {
    UrlVerification { challenge: String },
    EventCallback { event_id: String },
    #[serde(other)]
    Other,
}

/// Answers Slack's URL verification and acknowledges event callbacks.
pub async fn event(body: Bytes) -> Response {
    match serde_json::from_slice::<Envelope>(&body) {
        Ok(Envelope::UrlVerification { challenge }) => Json(json!({ "challenge": challenge })).into_response(),
        Ok(Envelope::EventCallback { event_id }) => {
            tracing::debug!(slack.event_id = %event_id, "event acknowledged");
            StatusCode::OK.into_response()
        }
        Ok(Envelope::Other) => StatusCode::OK.into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, format!("malformed event: {error}")).into_response(),
    }
}
