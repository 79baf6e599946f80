//! Hands a Socket Mode envelope to the same handlers as the HTTP endpoints and turns their
//! answer into the ack's payload. There is no signature to check: the WebSocket itself was
//! opened with the app token.

use async_trait::async_trait;
use serde_json::Value;

use super::envelope::{Envelope, EnvelopeKind};
use crate::slack::commands::{self, SlashForm};
use crate::slack::{events, interactions, render};
use crate::state::AppState;

/// What handles envelopes; answers with the ack's payload, if any (sent only where the
/// envelope accepts one). Must answer within Slack's ack budget (the shared handlers bound
/// their own time).
#[async_trait]
pub trait EnvelopeHandler: Send + Sync + 'static {
    async fn handle(&self, envelope: Envelope) -> Option<Value>;
}

/// Firebreak's handlers: slash commands, interactions and events, exactly as over HTTP.
#[derive(Debug, Clone)]
pub struct AppHandler {
    state: AppState,
}

impl AppHandler {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

#[async_trait]
impl EnvelopeHandler for AppHandler {
    async fn handle(&self, envelope: Envelope) -> Option<Value> {
        let kind = envelope.kind.as_str();
        // Reached only when this process has no answer for the envelope; another replica may
        // have handled it already (its ack lost with its connection): acked without a payload.
        if !self.state.deliveries.first_time(&format!("envelope:{}", envelope.envelope_id)).await {
            metrics::counter!("firebreak_slack_redeliveries_total", "transport" => "socket_mode").increment(1);
            tracing::debug!(slack.envelope_id = %envelope.envelope_id, envelope.kind = kind, "envelope handled elsewhere already; acknowledged");
            return None;
        }
        let answer = match envelope.kind {
            EnvelopeKind::SlashCommands => slash_command(&self.state, envelope.payload).await,
            EnvelopeKind::Interactive => interactions::handle(&self.state, &envelope.payload.to_string()).map(|()| None),
            EnvelopeKind::EventsApi => event(&self.state, &envelope.payload).await,
        };
        match answer {
            Ok(payload) => payload,
            Err(reason) => {
                // Acknowledged all the same: a malformed delivery would be malformed again.
                tracing::warn!(slack.envelope_id = %envelope.envelope_id, envelope.kind = kind, %reason, "malformed Socket Mode payload");
                None
            }
        }
    }
}

async fn slash_command(state: &AppState, payload: Value) -> Result<Option<Value>, String> {
    let form: SlashForm = serde_json::from_value(payload).map_err(|error| error.to_string())?;
    let reply = commands::handle(state, form).await.map_err(|malformed| malformed.0.to_owned())?;
    Ok(reply.map(|reply| render::response_body(&reply)))
}

async fn event(state: &AppState, payload: &Value) -> Result<Option<Value>, String> {
    let body = serde_json::to_vec(payload).map_err(|error| error.to_string())?;
    let response = events::handle(state, &body).await;
    if response.status().is_success() { Ok(None) } else { Err(format!("the Events API handler answered {}", response.status())) }
}
