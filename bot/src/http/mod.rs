//! The HTTP surface: Slack routes behind signature verification, health and metrics.

pub mod alertmanager;
pub mod bearer;
pub mod health;
pub mod incidents;
pub mod metrics;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::slack::{commands, events, interactions, verify};
use crate::state::AppState;

/// Every route of the contract that exists so far.
pub fn router(state: AppState) -> Router {
    let slack = Router::new()
        .route("/slack/commands", post(commands::slash_command))
        .route("/slack/interactions", post(interactions::interaction))
        .route("/slack/events", post(events::event))
        .layer(middleware::from_fn_with_state(state.clone(), verify::verify_slack_signature))
        .layer(DefaultBodyLimit::max(verify::MAX_SLACK_BODY));
    Router::new()
        .merge(slack)
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
        .route("/hooks/alertmanager", post(alertmanager::notify).layer(DefaultBodyLimit::max(alertmanager::MAX_BODY)))
        .route("/incidents/{id}/postmortem.md", get(incidents::postmortem))
        .route("/incidents/{id}/timeline.json", get(incidents::timeline))
        .layer(middleware::from_fn(metrics::count_requests))
        .with_state(state)
}
