//! Hands a Socket Mode envelope to the same handlers as the HTTP endpoints and turns their
//! answer into the ack's payload. There is no signature to check: the WebSocket itself was
//! opened with the app token.

use async_trait::async_trait;
use axum::http::StatusCode;
use serde_json::Value;

use super::envelope::{Envelope, EnvelopeKind};
use crate::dedup::Claim;
use crate::slack::commands::{self, SlashForm};
use crate::slack::{events, interactions, render};
use crate::state::AppState;

/// What a handler makes of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Acknowledge it, with this payload (sent only where the envelope accepts one).
    Ack(Option<Value>),
    /// Leave it unacknowledged: another replica is handling it, and Slack redelivers an
    /// unacknowledged envelope — then it is done, or that replica died and it is handled here.
    Later,
}

/// What handles envelopes. Must answer within Slack's ack budget (the shared handlers bound
/// their own time).
#[async_trait]
pub trait EnvelopeHandler: Send + Sync + 'static {
    async fn handle(&self, envelope: Envelope) -> Answer;
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
    async fn handle(&self, envelope: Envelope) -> Answer {
        let kind = envelope.kind.as_str();
        // Reached only when this process has no answer for the envelope; another replica may
        // have handled it already (its ack lost with its connection), or be handling it now.
        let key = format!("envelope:{}", envelope.envelope_id);
        match self.state.deliveries.claim(&key).await {
            Claim::Handle => {}
            Claim::Duplicate => {
                metrics::counter!("firebreak_slack_redeliveries_total", "transport" => "socket_mode").increment(1);
                tracing::debug!(slack.envelope_id = %envelope.envelope_id, envelope.kind = kind, "envelope handled elsewhere already; acknowledged");
                return Answer::Ack(None);
            }
            Claim::Elsewhere => return later(&envelope),
        }
        let answer = match envelope.kind {
            EnvelopeKind::SlashCommands => slash_command(&self.state, envelope.payload.clone()).await,
            EnvelopeKind::Interactive => interactions::handle(&self.state, &envelope.payload.to_string()).map(|()| Answer::Ack(None)),
            EnvelopeKind::EventsApi => event(&self.state, &envelope.payload).await,
        };
        match answer {
            Ok(Answer::Ack(payload)) => {
                self.state.deliveries.done(&key).await;
                Answer::Ack(payload)
            }
            Ok(Answer::Later) => {
                self.state.deliveries.release(&key).await;
                later(&envelope)
            }
            Err(reason) => {
                // Acknowledged all the same: a malformed delivery would be malformed again.
                self.state.deliveries.done(&key).await;
                tracing::warn!(slack.envelope_id = %envelope.envelope_id, envelope.kind = kind, %reason, "malformed Socket Mode payload");
                Answer::Ack(None)
            }
        }
    }
}

fn later(envelope: &Envelope) -> Answer {
    metrics::counter!("firebreak_slack_deliveries_deferred_total", "transport" => "socket_mode").increment(1);
    tracing::debug!(slack.envelope_id = %envelope.envelope_id, "envelope in hand on another replica; left unacknowledged for Slack to redeliver");
    Answer::Later
}

async fn slash_command(state: &AppState, payload: Value) -> Result<Answer, String> {
    let form: SlashForm = serde_json::from_value(payload).map_err(|error| error.to_string())?;
    let reply = commands::handle(state, form).await.map_err(|malformed| malformed.0.to_owned())?;
    Ok(Answer::Ack(reply.map(|reply| render::response_body(&reply))))
}

async fn event(state: &AppState, payload: &Value) -> Result<Answer, String> {
    let body = serde_json::to_vec(payload).map_err(|error| error.to_string())?;
    let response = events::handle(state, &body).await;
    match response.status() {
        status if status.is_success() => Ok(Answer::Ack(None)),
        // The event (by its `event_id`) is in hand on another replica, or could not be
        // recorded (the database is down): left for Slack to redeliver.
        StatusCode::SERVICE_UNAVAILABLE => Ok(Answer::Later),
        status => Err(format!("the Events API handler answered {status}")),
    }
}
