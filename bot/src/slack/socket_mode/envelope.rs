//! The Socket Mode protocol's messages: what Slack sends over the WebSocket (`hello`,
//! `disconnect`, envelopes) and the acknowledgement Firebreak sends back.

use serde::Deserialize;
use serde_json::{json, Value};

/// What an envelope carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// A slash command; the payload has the fields of the HTTP form.
    SlashCommands,
    /// A click or other interaction; the payload is the HTTP form's `payload` JSON.
    Interactive,
    /// An Events API callback; the payload is what HTTP would POST.
    EventsApi,
}

impl EnvelopeKind {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "slash_commands" => Some(Self::SlashCommands),
            "interactive" => Some(Self::Interactive),
            "events_api" => Some(Self::EventsApi),
            _ => None,
        }
    }

    /// The protocol's name for the kind, also the metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SlashCommands => "slash_commands",
            Self::Interactive => "interactive",
            Self::EventsApi => "events_api",
        }
    }
}

/// A delivery from Slack that must be acknowledged by its `envelope_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub envelope_id: String,
    pub kind: EnvelopeKind,
    pub payload: Value,
    /// Whether the ack may carry a `payload` (the reply of a slash command, for one).
    pub accepts_response_payload: bool,
    /// 0 for the first delivery; Slack counts up when it delivers again.
    pub retry_attempt: u32,
}

/// One text message from Slack.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The connection is ready.
    Hello { num_connections: u32, app_id: Option<String>, approximate_connection_time: Option<u64> },
    /// Slack will close this connection (`refresh_requested`, `warning`, `link_disabled`, …).
    Disconnect { reason: String },
    Envelope(Envelope),
    /// A type Firebreak does not know; acknowledged when it has an id so it is not redelivered.
    Unknown { kind: String, envelope_id: Option<String> },
}

#[derive(Debug, Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    kind: String,
    envelope_id: Option<String>,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    accepts_response_payload: bool,
    retry_attempt: Option<u32>,
    reason: Option<String>,
    num_connections: Option<u32>,
    connection_info: Option<ConnectionInfo>,
    debug_info: Option<DebugInfo>,
}

#[derive(Debug, Deserialize)]
struct ConnectionInfo {
    app_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DebugInfo {
    approximate_connection_time: Option<u64>,
}

impl Frame {
    /// Reads one text message; an error means it was not a Socket Mode message at all.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        let raw: Raw = serde_json::from_str(text)?;
        Ok(match (raw.kind.as_str(), EnvelopeKind::parse(&raw.kind), raw.envelope_id) {
            ("hello", _, _) => Frame::Hello {
                num_connections: raw.num_connections.unwrap_or(1),
                app_id: raw.connection_info.and_then(|c| c.app_id),
                approximate_connection_time: raw.debug_info.and_then(|d| d.approximate_connection_time),
            },
            ("disconnect", _, _) => Frame::Disconnect { reason: raw.reason.unwrap_or_default() },
            (_, Some(kind), Some(envelope_id)) => Frame::Envelope(Envelope {
                envelope_id,
                kind,
                payload: raw.payload,
                accepts_response_payload: raw.accepts_response_payload,
                retry_attempt: raw.retry_attempt.unwrap_or(0),
            }),
            (_, _, envelope_id) => Frame::Unknown { kind: raw.kind, envelope_id },
        })
    }
}

/// The acknowledgement of `envelope_id`: `{"envelope_id": …}`, with `"payload"` when there is
/// a reply (the same body the HTTP ack would carry).
pub fn ack(envelope_id: &str, payload: Option<&Value>) -> String {
    match payload {
        Some(payload) => json!({ "envelope_id": envelope_id, "payload": payload }),
        None => json!({ "envelope_id": envelope_id }),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_read_with_its_connection_details() {
        let text = r#"{"type":"hello","num_connections":2,"debug_info":{"host":"applink-1","build_number":54,
            "approximate_connection_time":18060},"connection_info":{"app_id":"A0001"}}"#;
        assert_eq!(
            Frame::parse(text).unwrap(),
            Frame::Hello { num_connections: 2, app_id: Some("A0001".into()), approximate_connection_time: Some(18060) }
        );
    }

    #[test]
    fn disconnect_names_its_reason() {
        let text = r#"{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"wss-111.slack.com"}}"#;
        assert_eq!(Frame::parse(text).unwrap(), Frame::Disconnect { reason: "refresh_requested".into() });
    }

    #[test]
    fn envelopes_of_each_kind_are_read() {
        for (kind, expected) in
            [("slash_commands", EnvelopeKind::SlashCommands), ("interactive", EnvelopeKind::Interactive), ("events_api", EnvelopeKind::EventsApi)]
        {
            let text = format!(
                r#"{{"envelope_id":"e-1","payload":{{"a":1}},"type":"{kind}","accepts_response_payload":true,"retry_attempt":2,"retry_reason":"timeout"}}"#
            );
            let Frame::Envelope(envelope) = Frame::parse(&text).unwrap() else { panic!("{kind} not an envelope") };
            assert_eq!(envelope.kind, expected);
            assert_eq!(envelope.kind.as_str(), kind);
            assert_eq!((envelope.envelope_id.as_str(), envelope.retry_attempt, envelope.accepts_response_payload), ("e-1", 2, true));
            assert_eq!(envelope.payload, json!({"a": 1}));
        }
    }

    #[test]
    fn unknown_types_keep_their_envelope_id_and_garbage_is_an_error() {
        assert_eq!(
            Frame::parse(r#"{"type":"shiny_new_thing","envelope_id":"e-9","payload":{}}"#).unwrap(),
            Frame::Unknown { kind: "shiny_new_thing".into(), envelope_id: Some("e-9".into()) }
        );
        // A known kind without an envelope id cannot be acknowledged: unknown, not an envelope.
        assert!(matches!(Frame::parse(r#"{"type":"events_api","payload":{}}"#).unwrap(), Frame::Unknown { envelope_id: None, .. }));
        assert!(Frame::parse("not json").is_err());
        assert!(Frame::parse(r#"{"no_type":1}"#).is_err());
    }

    #[test]
    fn acks_carry_the_payload_only_when_given() {
        let bare: Value = serde_json::from_str(&ack("e-1", None)).unwrap();
        assert_eq!(bare, json!({"envelope_id": "e-1"}));
        let reply = json!({"response_type": "ephemeral", "text": "hi"});
        let with: Value = serde_json::from_str(&ack("e-2", Some(&reply))).unwrap();
        assert_eq!(with, json!({"envelope_id": "e-2", "payload": reply}));
    }
}
