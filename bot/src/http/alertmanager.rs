//! `POST /hooks/alertmanager`: Prometheus Alertmanager's webhook, behind the
//! `ALERTMANAGER_TOKEN` bearer token (Alertmanager's `http_config.authorization`).
//!
//! The notification is handled before answering, so a 2xx means it is recorded; anything
//! else makes Alertmanager retry, which the incident's alert-group key makes harmless. A pager
//! webhook an escalation calls is not waited for (it runs in its own task): a slow pager must
//! not hold the answer past Alertmanager's 10 s timeout and make it send the group again.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use firebreak_commands::alerts::{receive, Notification, Received};
use serde_json::json;

use crate::state::AppState;

/// Alertmanager caps groups with `max_alerts`; 1 MiB is far above a sane group.
pub const MAX_BODY: usize = 1024 * 1024;

pub async fn notify(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let authorised = state.alertmanager_token.as_ref().is_some_and(|token| super::bearer::matches(token, &headers));
    if !authorised {
        let why = if state.alertmanager_token.is_some() {
            "missing or wrong bearer token"
        } else {
            "alert intake is off: set ALERTMANAGER_TOKEN and give Alertmanager the same bearer token"
        };
        metrics::counter!("firebreak_alert_notifications_total", "outcome" => "unauthorised").increment(1);
        return (StatusCode::UNAUTHORIZED, why).into_response();
    }
    let notification = match Notification::parse(&body) {
        Ok(notification) => notification,
        Err(error) => {
            metrics::counter!("firebreak_alert_notifications_total", "outcome" => "malformed").increment(1);
            return (StatusCode::BAD_REQUEST, error.to_string()).into_response();
        }
    };
    match receive(&state.ctx, &notification).await {
        Ok(Received::Recorded { number, opened, recorded }) => {
            metrics::counter!("firebreak_alert_notifications_total", "outcome" => if opened { "opened" } else { "recorded" }).increment(1);
            tracing::info!(incident.number = number, opened, recorded, alert.group = %notification.group_key, "alert notification handled");
            Json(json!({ "incident": number, "opened": opened, "recorded": recorded })).into_response()
        }
        Ok(Received::Ignored(why)) => {
            metrics::counter!("firebreak_alert_notifications_total", "outcome" => "ignored").increment(1);
            tracing::info!(alert.group = %notification.group_key, reason = %why, "alert notification ignored");
            Json(json!({ "ignored": why })).into_response()
        }
        Err(error) => {
            metrics::counter!("firebreak_alert_notifications_total", "outcome" => "error").increment(1);
            tracing::error!(%error, alert.group = %notification.group_key, "alert notification failed; Alertmanager will retry");
            (StatusCode::SERVICE_UNAVAILABLE, "could not record the notification; retry later").into_response()
        }
    }
}
