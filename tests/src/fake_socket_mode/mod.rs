//! A local fake of Slack's Socket Mode for end-to-end tests: attached to the fake Slack, its
//! `apps.connections.open` (app token only) hands out single-use `ws://` URLs; each connection
//! is greeted with `hello`; the test pushes envelopes (`slash_commands`, `interactive`,
//! `events_api`), redelivers them, reads the acks with their payloads, sends `disconnect` or
//! drops the socket. Acks are checked as Slack reads them: known envelope, once per delivery,
//! a payload only where one is accepted, within 3 seconds.

mod frames;
mod hub;
mod server;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

pub use frames::Kind;
pub use hub::Ack;
use hub::{Command, Hub, Shared, lock};

use crate::fake_slack::FakeSlack;

/// The app id `hello` reports (the fake Slack's app).
pub const APP_ID: &str = "A0001";
/// How long the `wait_*` helpers wait.
const WAIT_LIMIT: Duration = Duration::from_secs(30);
const WAIT_STEP: Duration = Duration::from_millis(20);

/// A running fake Socket Mode server; clones share it.
#[derive(Clone)]
pub struct FakeSocketMode {
    shared: Shared,
    /// `ws://127.0.0.1:PORT`
    base_url: String,
    app_token: String,
}

impl fmt::Debug for FakeSocketMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSocketMode").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

/// What the fake saw of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionView {
    pub open: bool,
    /// The bot sent a close frame (a clean goodbye).
    pub closed_by_bot: bool,
    pub pings_from_bot: usize,
    pub pongs_from_bot: usize,
}

impl FakeSocketMode {
    /// Starts the server on `127.0.0.1:0` and attaches it to `slack`, which then answers
    /// `apps.connections.open` called with `app_token`. Must be called within a Tokio runtime.
    pub fn start(slack: &FakeSlack, app_token: &str) -> FakeSocketMode {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("fake Socket Mode cannot bind 127.0.0.1:0");
        let address = listener.local_addr().expect("fake Socket Mode cannot read its address");
        listener.set_nonblocking(true).expect("fake Socket Mode cannot make its socket non-blocking");
        let listener = tokio::net::TcpListener::from_std(listener).expect("fake Socket Mode needs a Tokio runtime");
        let shared: Shared = Arc::new(Mutex::new(Hub::default()));
        tokio::spawn(server::accept_forever(listener, shared.clone()));
        let fake = FakeSocketMode { shared, base_url: format!("ws://{address}"), app_token: app_token.to_owned() };
        let issuer = fake.clone();
        slack.enable_socket_mode(app_token, move || {
            let ticket = lock(&issuer.shared).issue_ticket();
            format!("{}{}?ticket={ticket}&app_id={APP_ID}", issuer.base_url, server::LINK_PATH)
        });
        fake
    }

    pub fn app_token(&self) -> &str {
        &self.app_token
    }

    /// How many URLs `apps.connections.open` handed out.
    pub fn tickets_issued(&self) -> usize {
        lock(&self.shared).tickets_issued
    }

    /// Every connection greeted so far, in order, open or not.
    pub fn connections(&self) -> Vec<ConnectionView> {
        let hub = lock(&self.shared);
        hub.connections
            .iter()
            .map(|c| ConnectionView { open: c.open, closed_by_bot: c.closed_by_bot, pings_from_bot: c.pings_from_bot, pongs_from_bot: c.pongs_from_bot })
            .collect()
    }

    /// Waits until `count` connections were greeted and the newest is open.
    pub async fn wait_connections(&self, count: usize) {
        self.wait_for(&format!("Socket Mode connection #{count}"), |fake| {
            let connections = fake.connections();
            connections.len() >= count && connections.last().is_some_and(|c| c.open)
        })
        .await;
    }

    /// Sends a new envelope on the newest open connection; returns its `envelope_id`.
    pub fn send(&self, kind: Kind, payload: Value) -> String {
        let mut hub = lock(&self.shared);
        let id = hub.new_envelope(kind, payload);
        Self::deliver(&mut hub, &id, 0);
        id
    }

    /// Delivers envelope `envelope_id` again, as Slack's retry number `retry_attempt`.
    pub fn redeliver(&self, envelope_id: &str, retry_attempt: u32) {
        Self::deliver(&mut lock(&self.shared), envelope_id, retry_attempt);
    }

    fn deliver(hub: &mut Hub, envelope_id: &str, retry_attempt: u32) {
        let sent = hub.sent.get(envelope_id).unwrap_or_else(|| panic!("no envelope {envelope_id} was sent"));
        let text = frames::envelope(envelope_id, sent.kind, &sent.payload, retry_attempt);
        let current = hub.current();
        hub.delivered(envelope_id);
        hub.command(current, Command::Text(text));
    }

    /// The acks of `envelope_id` received so far.
    pub fn acks_of(&self, envelope_id: &str) -> Vec<Ack> {
        lock(&self.shared).acks.iter().filter(|a| a.envelope_id == envelope_id).cloned().collect()
    }

    /// Waits for the `n`-th ack (1 = the first) of `envelope_id` and returns it.
    pub async fn wait_ack(&self, envelope_id: &str, n: usize) -> Ack {
        self.wait_for(&format!("ack #{n} of envelope {envelope_id}"), |fake| fake.acks_of(envelope_id).len() >= n).await;
        self.acks_of(envelope_id).swap_remove(n - 1)
    }

    /// Sends `disconnect` with `reason` (e.g. `refresh_requested`) on the newest connection.
    pub fn disconnect(&self, reason: &str) {
        let hub = lock(&self.shared);
        let current = hub.current();
        hub.command(current, Command::Text(frames::disconnect(reason, current)));
    }

    /// While `hold` is true, new connections are accepted but not greeted with `hello`: the
    /// window of a handover, in which Slack still delivers on the old connection.
    pub fn hold_hello(&self, hold: bool) {
        lock(&self.shared).hold_hello = hold;
    }

    /// How many connections were accepted, greeted or not.
    pub fn accepted(&self) -> usize {
        lock(&self.shared).connections.len()
    }

    /// Drops the newest connection abruptly (no close frame).
    pub fn drop_connection(&self) {
        let hub = lock(&self.shared);
        hub.command(hub.current(), Command::Drop);
    }

    /// Makes the newest connection go silent: it stays up but reads and answers nothing.
    pub fn freeze(&self) {
        let hub = lock(&self.shared);
        hub.command(hub.current(), Command::Freeze);
    }

    /// Pings the bot on the newest connection.
    pub fn ping(&self) {
        let hub = lock(&self.shared);
        hub.command(hub.current(), Command::Ping);
    }

    pub fn violations(&self) -> Vec<String> {
        lock(&self.shared).violations.clone()
    }

    /// Panics listing the ways the bot broke the Socket Mode protocol, if any.
    pub fn assert_faithful(&self) {
        let violations = self.violations();
        assert!(violations.is_empty(), "the bot broke the Socket Mode protocol:\n  {}", violations.join("\n  "));
    }

    /// Waits until `cond` holds, looking every 20 ms for up to 30 s; then panics naming `what`.
    pub async fn wait_for<F: Fn(&FakeSocketMode) -> bool>(&self, what: &str, cond: F) {
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        while !cond(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {WAIT_LIMIT:?} waiting for {what}; connections: {:?}; violations: {:?}",
                self.connections(),
                self.violations()
            );
            tokio::time::sleep(WAIT_STEP).await;
        }
    }
}
