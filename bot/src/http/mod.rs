//! The HTTP surface: Slack routes behind signature verification, health and metrics.

pub mod alertmanager;
pub mod bearer;
pub mod health;
pub mod incidents;
pub mod metrics;

use std::future::Future;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{middleware, Router};

use crate::slack::{commands, events, interactions, verify};
use crate::state::AppState;

/// Every route of the contract that exists so far.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/slack/commands", slack_route(commands::slash_command))
        .route("/slack/interactions", slack_route(interactions::interaction))
        .route("/slack/events", slack_route(events::event))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
        .route("/hooks/alertmanager", post(alertmanager::notify).layer(DefaultBodyLimit::max(alertmanager::MAX_BODY)))
        .route("/incidents/{id}/postmortem.md", get(incidents::postmortem))
        .route("/incidents/{id}/timeline.json", get(incidents::timeline))
        .layer(middleware::from_fn(metrics::count_requests))
        .with_state(state)
}

/// `POST` of a Slack route: `handler` gets the body only once its signature checked out
/// (bounded read, 401/413/400 otherwise). Done inside the handler, not as a middleware layer:
/// this is the ack path, and a layer costs every request clones of the boxed route and of the
/// state, and a boxed future.
fn slack_route<H, Fut>(handler: H) -> MethodRouter<AppState>
where
    H: Fn(State<AppState>, Bytes) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    post(move |State(state): State<AppState>, request: Request| async move {
        let (parts, body) = request.into_parts();
        match verify::signed_body(&state.verifier, &parts.headers, body).await {
            Ok(body) => handler(State(state), body).await,
            Err(refused) => refused.into_response(),
        }
    })
}
