//! The ack-path ceiling for `bench/ack-path.sh`: a bare axum route that only verifies Slack's
//! signature — with Firebreak's own check — and answers with Firebreak's help reply, rendered
//! once at start. Whatever Firebreak does beyond this (form decoding, the grammar, rendering,
//! metrics) is what the benchmark's "Firebreak / ceiling" ratio measures.
//!
//! `SLACK_SIGNING_SECRET=… cargo run --release -p firebreak --example ack_ceiling -- 127.0.0.1:3102`

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use firebreak::slack::{render, verify};
use slack_morphism::prelude::SlackSigningSecret;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;

#[derive(Clone)]
struct Ceiling {
    verifier: Arc<SlackEventSignatureVerifier>,
    /// Firebreak's `/incident help` ack body, so both answer the same bytes.
    body: Bytes,
}

async fn command(State(ceiling): State<Ceiling>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Ok(text) = std::str::from_utf8(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let signature = header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER);
    let timestamp = header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP);
    match verify::check(&ceiling.verifier, signature, timestamp, text) {
        Ok(()) => ([(header::CONTENT_TYPE, "application/json")], ceiling.body.clone()).into_response(),
        Err(refused) => refused.into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listen = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3102".to_owned());
    let secret = std::env::var("SLACK_SIGNING_SECRET").map_err(|_| anyhow::anyhow!("set SLACK_SIGNING_SECRET"))?;
    let body = serde_json::to_vec(&render::response_body(&firebreak_commands::command::help_reply()))?;
    let ceiling = Ceiling {
        verifier: Arc::new(SlackEventSignatureVerifier::new(&SlackSigningSecret::new(secret))),
        body: Bytes::from(body),
    };
    let app = Router::new().route("/slack/commands", post(command)).with_state(ceiling);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("ack ceiling listening on {listen}");
    axum::serve(listener, app).await?;
    Ok(())
}
