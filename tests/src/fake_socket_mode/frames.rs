//! The messages Slack sends over a Socket Mode WebSocket, shaped as Slack documents them
//! (docs.slack.dev, "Using Socket Mode"), and the check of the acks the bot sends back.

use serde_json::{Value, json};

use super::APP_ID;

/// What an envelope carries, by its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SlashCommands,
    Interactive,
    EventsApi,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SlashCommands => "slash_commands",
            Kind::Interactive => "interactive",
            Kind::EventsApi => "events_api",
        }
    }

    /// Slack lets slash commands and interactions answer in the ack; events never.
    pub fn accepts_response_payload(self) -> bool {
        !matches!(self, Kind::EventsApi)
    }
}

/// The first message on every connection.
pub(super) fn hello(num_connections: usize, connection: usize) -> String {
    json!({
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": format!("applink-fake-{connection}"),
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": { "app_id": APP_ID },
    })
    .to_string()
}

/// Slack's notice that it will close the connection (`refresh_requested`, `warning`, …).
pub(super) fn disconnect(reason: &str, connection: usize) -> String {
    json!({
        "type": "disconnect",
        "reason": reason,
        "debug_info": { "host": format!("applink-fake-{connection}") },
    })
    .to_string()
}

/// An envelope; `retry_attempt` counts Slack's redeliveries of it.
pub(super) fn envelope(envelope_id: &str, kind: Kind, payload: &Value, retry_attempt: u32) -> String {
    let mut envelope = json!({
        "envelope_id": envelope_id,
        "payload": payload,
        "type": kind.as_str(),
        "accepts_response_payload": kind.accepts_response_payload(),
    });
    // Events always say which attempt they are; other kinds only when redelivered.
    if kind == Kind::EventsApi || retry_attempt > 0 {
        envelope["retry_attempt"] = json!(retry_attempt);
        envelope["retry_reason"] = json!(if retry_attempt > 0 { "timeout" } else { "" });
    }
    envelope.to_string()
}

/// An ack as the bot sent it: `{"envelope_id": …, "payload"?: …}`, or what is wrong with it.
pub(super) fn read_ack(text: &str) -> Result<(String, Option<Value>), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("ack is not JSON ({e}): {text}"))?;
    let object = value.as_object().ok_or_else(|| format!("ack is not an object: {text}"))?;
    if let Some(extra) = object.keys().find(|key| !["envelope_id", "payload"].contains(&key.as_str())) {
        return Err(format!("ack has a field Slack does not read, `{extra}`: {text}"));
    }
    let id = object.get("envelope_id").and_then(Value::as_str).ok_or_else(|| format!("ack without an envelope_id: {text}"))?;
    Ok((id.to_owned(), object.get("payload").cloned()))
}
