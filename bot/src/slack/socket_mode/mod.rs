//! Socket Mode: with `SLACK_APP_TOKEN` set, Firebreak opens a WebSocket to Slack itself
//! (`apps.connections.open` with the app-level token) and receives slash commands, clicks and
//! events over it — no public URL needed. It runs besides the HTTP endpoints and feeds the
//! same handlers; every envelope is acknowledged within the ack budget, a redelivered one with
//! its first answer — except one that another replica is handling right now, which is left
//! unacknowledged so that Slack redelivers it (see [`crate::dedup`]).
//!
//! Metrics: `firebreak_socket_mode_connected` (open connections that Slack greeted) and
//! `firebreak_socket_mode_envelopes_total{type}`.

mod client;
mod connection;
mod envelope;
mod open;
mod recent;
mod route;

pub use client::{SocketMode, SocketModeError, SocketModeOptions};
pub use connection::Keepalive;
pub use envelope::{ack, Envelope, EnvelopeKind, Frame};
pub use route::{AppHandler, Answer, EnvelopeHandler};
