//! The durable outbox: every outbound Slack call is stored first and sent by one sender, so
//! that nothing is lost to restarts, rate limits or Slack outages, across replicas.
//!
//! # Layout
//! - [`chat`] — [`OutboxChat`], the `Chat` port: mutating calls are queued (and, when the flow
//!   needs their answer, awaited); reads go straight to Slack but respect a closed gate.
//! - [`sender`] — the background loop that finds lanes with work and drains them, a few at once.
//! - [`lanes`] — draining one lane under its lease: order (urgent first, then FIFO), pacing,
//!   gates, backoff, and what each answer does to the row.
//! - [`transport`] — executing one stored call against Slack (Web API, response_url, uploads),
//!   and recognising a message an earlier sender posted before it died.
//! - [`notice`] — the one "updates are delayed" line per channel and throttling episode.
//! - [`refusal`] — telling a channel that Slack refused, for good, a call made elsewhere (an
//!   announcement in a channel Firebreak cannot post to).
//!
//! Queueing a `chat.update` supersedes the older pending updates of the same message that are
//! not in flight (see [`NewCall::coalesce_key`]): only the newest content is worth a call.
//!
//! A *lane* is a channel id, or a fixed name starting with `@` for calls without a channel.
//! The tables live in `store::outbox`.

pub mod chat;
mod lanes;
mod notice;
mod refusal;
pub mod sender;
mod transport;

use firebreak_commands::reply::Urgency;
use serde_json::Value;

pub use chat::OutboxChat;
pub use notice::DELAYED_TEXT;
pub use sender::{Sender, SenderConfig};

/// The lane of `conversations.create`, which has no channel yet.
pub const CREATE_LANE: &str = "@conversations.create";
/// The lane of answers through interactions' `response_url`s.
pub const RESPONSE_URL_LANE: &str = "@response_url";
/// Pseudo-method of an answer through a `response_url` (args: `url`, `body`).
pub const RESPOND: &str = "response_url";
/// Pseudo-method of a text file shared through the three-step external upload (args:
/// `channel`, `filename`, `content`, and `thread_ts` or `comment`).
pub const UPLOAD_TEXT: &str = "upload_text";

/// A Slack call to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    pub lane: String,
    pub urgency: Urgency,
    /// A Web API method, or one of the pseudo-methods [`RESPOND`] and [`UPLOAD_TEXT`].
    pub method: String,
    /// The exact Web API body (Block Kit rendered), or the pseudo-method's arguments.
    pub args: Value,
    /// A channel to tell if Slack refuses this call for good (see [`refusal`]).
    pub report_to: Option<String>,
}

impl NewCall {
    pub fn new(lane: impl Into<String>, method: &str, args: Value) -> Self {
        Self { lane: lane.into(), urgency: Urgency::Normal, method: method.to_owned(), args, report_to: None }
    }

    pub fn with_urgency(self, urgency: Urgency) -> Self {
        Self { urgency, ..self }
    }

    /// Has channel `report_to` told if Slack refuses this call for good.
    pub fn with_report_to(self, report_to: Option<&str>) -> Self {
        Self { report_to: report_to.map(str::to_owned), ..self }
    }

    /// Calls with the same key replace each other while they wait: a `chat.update`'s key is its
    /// message (`"<channel> <ts>"`), as only the newest content of a message matters. Other
    /// calls have none: each is sent.
    pub fn coalesce_key(&self) -> Option<String> {
        if self.method != "chat.update" {
            return None;
        }
        let channel = self.args.get("channel").and_then(Value::as_str)?;
        let ts = self.args.get("ts").and_then(Value::as_str)?;
        Some(format!("{channel} {ts}"))
    }
}

/// Where a queued call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Pending,
    /// Slack took it; or a newer update of the same message replaced it before it went out
    /// (its result is then `{"ok":true,"superseded_by":<id>}`), which its waiter takes as done.
    Sent,
    /// Never to be sent: Slack refused it, or it outlived [`lanes::MAX_AGE_MS`].
    Dead,
}

impl RowState {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "dead" => Some(Self::Dead),
            _ => None,
        }
    }
}

/// A queued call as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub id: i64,
    pub lane: String,
    pub urgency: Urgency,
    pub method: String,
    pub args: Value,
    pub state: RowState,
    /// Attempts started so far.
    pub attempts: i64,
    /// Backoff: not tried again before this time (epoch ms).
    pub not_before_ms: i64,
    pub created_at_ms: i64,
    /// Set when an attempt started and Slack may have acted on it (a sender died mid-call, or
    /// Slack answered 5xx); the next attempt of a post first looks whether it arrived.
    pub in_flight_since_ms: Option<i64>,
    /// Slack's answer, once sent.
    pub result: Option<Value>,
    /// The last failure (for a dead call: Slack's error code).
    pub last_error: Option<String>,
    /// The channel told if the call is given up (see [`NewCall::report_to`]).
    pub report_to: Option<String>,
}

/// Now, in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

#[cfg(test)]
mod tests;
