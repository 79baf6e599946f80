//! The fake's HTTP surface: routes for the Web API, response_urls and file uploads.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::routing::{any, post};

use super::faults::Delay;
use super::reply::Reply;
use super::state::{Shared, lock};
use super::{files, pipeline, request, response_url};

pub(super) fn router(shared: Shared) -> Router {
    Router::new()
        // Slack takes every method by GET or POST alike.
        .route("/api/{method}", any(web_api))
        .route("/response/{id}", post(response))
        .route("/upload/{file_id}", post(upload))
        .fallback(unknown_path)
        .with_state(shared)
}

async fn web_api(
    State(shared): State<Shared>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let request = request::decode(&headers, query.as_deref(), &body);
    let delay = lock(&shared).faults.take_delay(&method);
    match delay {
        None => pipeline::answer(&mut lock(&shared), &method, &request),
        Some(delay) => answer_late(shared, method, request, delay).await,
    }
}

/// Answers a call armed with a delay. The work runs in a task of its own, so that it completes
/// (and is recorded) even when the caller drops the connection: a slow Slack still acts.
async fn answer_late(shared: Shared, method: String, request: request::Request, delay: Delay) -> Reply {
    let task = tokio::spawn(async move {
        if delay.acts_at_once {
            let reply = pipeline::answer(&mut lock(&shared), &method, &request);
            tokio::time::sleep(delay.by).await;
            reply
        } else {
            tokio::time::sleep(delay.by).await;
            pipeline::answer(&mut lock(&shared), &method, &request)
        }
    });
    task.await.unwrap_or_else(|_| Reply::http_error(500))
}

async fn response(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let is_json = request::content_type(&headers).as_deref() == Some("application/json");
    let mut state = lock(&shared);
    response_url::receive(&mut state, &id, is_json, &body)
}

async fn upload(State(shared): State<Shared>, Path(file_id): Path<String>, body: Bytes) -> Reply {
    let mut state = lock(&shared);
    files::receive_upload(&mut state, &file_id, &body)
}

/// Anything else is a wrong URL in the bot (e.g. a base URL without `/api`).
async fn unknown_path(State(shared): State<Shared>, method: Method, uri: Uri) -> Reply {
    let mut state = lock(&shared);
    state.violation(format!("{method} {uri}: no such endpoint at Slack"));
    Reply::error(404, "unknown_method")
}
