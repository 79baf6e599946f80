//! The fake's shared state: tickets handed out by `apps.connections.open`, the connections,
//! the envelopes sent and the acks received — each ack checked as Slack would read it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::frames::{self, Kind};

/// Slack retries an envelope that is not acknowledged within 3 seconds.
const ACK_LIMIT: Duration = Duration::from_secs(3);

pub(super) type Shared = Arc<Mutex<Hub>>;

pub(super) fn lock(shared: &Shared) -> MutexGuard<'_, Hub> {
    shared.lock().expect("fake Socket Mode state lock poisoned: one of its tasks panicked")
}

/// What the test asks a connection's task to do.
#[derive(Debug)]
pub(super) enum Command {
    Text(String),
    Ping,
    /// Stop reading: no pongs, no acks — a connection that silently died.
    Freeze,
    /// Drop the TCP connection without a close frame.
    Drop,
}

/// One WebSocket connection, as the fake saw it.
#[derive(Debug)]
pub(super) struct Connection {
    pub(super) commands: mpsc::UnboundedSender<Command>,
    pub(super) open: bool,
    pub(super) closed_by_bot: bool,
    pub(super) pings_from_bot: usize,
    pub(super) pongs_from_bot: usize,
}

/// An acknowledgement the bot sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub envelope_id: String,
    /// The reply the ack carried (what an HTTP ack's body would be).
    pub payload: Option<Value>,
    /// Which connection (0 = the first) it came on.
    pub connection: usize,
    /// Time since the envelope was (last) sent.
    pub latency: Duration,
}

#[derive(Debug)]
pub(super) struct Sent {
    pub(super) kind: Kind,
    pub(super) payload: Value,
    last_sent: Instant,
    /// Deliveries not acknowledged yet.
    outstanding: u32,
}

#[derive(Debug, Default)]
pub(super) struct Hub {
    /// Tickets issued and not used yet: each URL is good for one connection.
    unused_tickets: BTreeSet<String>,
    pub(super) tickets_issued: usize,
    pub(super) connections: Vec<Connection>,
    pub(super) sent: BTreeMap<String, Sent>,
    pub(super) acks: Vec<Ack>,
    pub(super) violations: Vec<String>,
    next_id: u64,
    /// New connections wait for their `hello` while this is set (a slow handover).
    pub(super) hold_hello: bool,
}

impl Hub {
    pub(super) fn issue_ticket(&mut self) -> String {
        self.tickets_issued += 1;
        let ticket = format!("fake-ticket-{}-{}", self.tickets_issued, uuid::Uuid::new_v4().simple());
        self.unused_tickets.insert(ticket.clone());
        ticket
    }

    /// Whether `ticket` may open a connection (it may once).
    pub(super) fn use_ticket(&mut self, ticket: Option<&str>) -> bool {
        let used = ticket.is_some_and(|t| self.unused_tickets.remove(t));
        if !used {
            self.violations.push(format!("connected with an unknown or already used ticket {ticket:?}: call apps.connections.open for every connection"));
        }
        used
    }

    /// The newest open connection; panics when there is none, since the test set it up wrong.
    pub(super) fn current(&self) -> usize {
        self.connections.iter().rposition(|c| c.open).unwrap_or_else(|| panic!("no open Socket Mode connection; wait for one first"))
    }

    pub(super) fn command(&self, connection: usize, command: Command) {
        // A connection whose task ended cannot take commands; the test sees that as a timeout.
        let _ = self.connections[connection].commands.send(command);
    }

    /// Records a new envelope and returns its id.
    pub(super) fn new_envelope(&mut self, kind: Kind, payload: Value) -> String {
        self.next_id += 1;
        let id = format!("{}-{:04x}", uuid::Uuid::new_v4(), self.next_id);
        self.sent.insert(id.clone(), Sent { kind, payload, last_sent: Instant::now(), outstanding: 0 });
        id
    }

    /// Marks `envelope_id` as delivered once more, now.
    pub(super) fn delivered(&mut self, envelope_id: &str) {
        let sent = self.sent.get_mut(envelope_id).unwrap_or_else(|| panic!("no envelope {envelope_id} was sent"));
        sent.last_sent = Instant::now();
        sent.outstanding += 1;
    }

    /// Checks and records a text message from the bot, which can only be an ack.
    pub(super) fn receive(&mut self, connection: usize, text: &str) {
        let (envelope_id, payload) = match frames::read_ack(text) {
            Ok(ack) => ack,
            Err(why) => return self.violations.push(why),
        };
        let Some(sent) = self.sent.get_mut(&envelope_id) else {
            return self.violations.push(format!("ack for an envelope Slack never sent: {envelope_id}"));
        };
        let latency = sent.last_sent.elapsed();
        let mut problems = Vec::new();
        match sent.outstanding.checked_sub(1) {
            Some(left) => sent.outstanding = left,
            None => problems.push(format!("envelope {envelope_id} acknowledged more often than delivered")),
        }
        if payload.is_some() && !sent.kind.accepts_response_payload() {
            problems.push(format!("envelope {envelope_id} ({}) does not accept a response payload", sent.kind.as_str()));
        }
        if latency > ACK_LIMIT {
            problems.push(format!("envelope {envelope_id} acknowledged after {latency:?}; Slack retries after {ACK_LIMIT:?}"));
        }
        self.violations.extend(problems);
        self.acks.push(Ack { envelope_id, payload, connection, latency });
    }
}
