//! A faithful fake of Slack's Web API for end-to-end tests: it holds the bot to Slack's
//! published contract (methods, argument names, tokens, Block Kit limits) and keeps a small
//! stateful workspace (channels, members, messages, pins) that tests inspect.
//!
//! Contract violations are answered as Slack would answer them *and* collected, so a test
//! that ends with [`FakeSlack::assert_faithful`] fails on a call that real Slack would
//! reject, even when the bot shrugged the error off.

mod apps;
mod blocks;
mod chat;
mod conversations;
mod faults;
mod files;
mod history;
mod identity;
mod methods;
mod model;
mod people;
mod pins;
mod pipeline;
mod reply;
mod request;
mod response_url;
mod server;
mod spec;
mod state;
mod throttle;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use model::{Call, Channel, Message};
pub use throttle::Throttle;
use state::{BOT_USER, HUMAN_USER, Shared, State, lock};

/// How long [`FakeSlack::wait_for`] waits, and how often it looks.
const WAIT_LIMIT: Duration = Duration::from_secs(30);
const WAIT_STEP: Duration = Duration::from_millis(20);

/// A running fake Slack; clones share the same workspace.
#[derive(Clone)]
pub struct FakeSlack {
    shared: Shared,
    /// `http://127.0.0.1:PORT`, kept outside the lock so that URLs never wait for it.
    base_url: String,
}

impl fmt::Debug for FakeSlack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSlack")
            .field("api_url", &self.api_url())
            .finish_non_exhaustive()
    }
}

impl FakeSlack {
    /// The bot's user id in the fake workspace (what `auth.test` answers).
    pub const BOT_USER: &'static str = BOT_USER;

    /// Starts the fake on `127.0.0.1:0`; `bot_token` is the only token it accepts.
    ///
    /// Panics if the contract fixture cannot be read or no port can be bound: without either
    /// there is no test to run.
    pub async fn start(bot_token: &str) -> FakeSlack {
        spec::contracts();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake Slack cannot bind 127.0.0.1:0");
        let address = listener
            .local_addr()
            .expect("fake Slack cannot read its bound address");
        let base_url = format!("http://{address}");
        let shared: Shared = Arc::new(Mutex::new(State::new(bot_token, base_url.clone())));
        let app = server::router(shared.clone());
        tokio::spawn(async move {
            // The server lives as long as the test's runtime; an error here ends the test's
            // calls with connection errors, which name the cause better than a panic would.
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("fake Slack stopped: {err}");
            }
        });
        FakeSlack { shared, base_url }
    }

    /// The Web API base, `http://127.0.0.1:PORT/api`, without a trailing slash.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.base_url)
    }

    /// Every Web API call so far, in order, refused ones included.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared).calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        let state = lock(&self.shared);
        state
            .calls
            .iter()
            .filter(|call| call.method == method)
            .cloned()
            .collect()
    }

    /// Calls real Slack would have refused for breaking its contract, described.
    pub fn violations(&self) -> Vec<String> {
        lock(&self.shared).violations.clone()
    }

    /// Panics listing the contract violations, if there are any.
    pub fn assert_faithful(&self) {
        let violations = self.violations();
        if !violations.is_empty() {
            panic!(
                "the bot broke Slack's contract {} time(s):\n  {}",
                violations.len(),
                violations.join("\n  ")
            );
        }
    }

    pub fn channel(&self, id: &str) -> Option<Channel> {
        lock(&self.shared)
            .channel(id)
            .map(|record| record.channel.clone())
    }

    pub fn channel_by_name(&self, name: &str) -> Option<Channel> {
        lock(&self.shared)
            .channel_by_name(name)
            .map(|record| record.channel.clone())
    }

    /// The DM between the bot and `user`, once the bot has posted to the user.
    pub fn dm_with(&self, user: &str) -> Option<Channel> {
        let state = lock(&self.shared);
        state
            .channels
            .iter()
            .find(|record| record.is_im && record.channel.has_member(user))
            .map(|record| record.channel.clone())
    }

    /// All conversations, DMs included, in creation order.
    pub fn channels(&self) -> Vec<Channel> {
        let state = lock(&self.shared);
        state
            .channels
            .iter()
            .map(|record| record.channel.clone())
            .collect()
    }

    /// Creates a public channel as a person would (e.g. to provoke `name_taken`) and returns
    /// its id. The bot is not a member, so Slack would answer `not_in_channel` to its
    /// invites and topic changes there until [`FakeSlack::add_member`] adds it.
    pub fn add_channel(&self, name: &str) -> String {
        lock(&self.shared).add_channel(name, HUMAN_USER, false)
    }

    /// Makes `user` a member of channel `channel_id`; false if there is no such channel.
    pub fn add_member(&self, channel_id: &str, user: &str) -> bool {
        let mut state = lock(&self.shared);
        let Some(record) = state
            .channels
            .iter_mut()
            .find(|record| record.channel.id == channel_id)
        else {
            return false;
        };
        if !record.channel.has_member(user) {
            record.channel.members.push(user.to_owned());
        }
        true
    }

    /// Creates user group `id` (`S…`) with `members`, for `usergroups.users.list`.
    pub fn add_usergroup(&self, id: &str, members: &[&str]) {
        lock(&self.shared).usergroups.insert(id.to_owned(), members.iter().map(|m| (*m).to_owned()).collect());
    }

    /// Makes `id` a known user (needed for any user under `strict_users(true)`).
    pub fn add_user(&self, id: &str) {
        lock(&self.shared).users.insert(id.to_owned());
    }

    /// When strict, only users added with [`FakeSlack::add_user`] (and the bot) exist;
    /// otherwise any `U…`/`W…` id does.
    pub fn strict_users(&self, strict: bool) {
        lock(&self.shared).strict_users = strict;
    }

    /// Waits until `cond` holds, looking every 20 ms for up to 30 s; then panics naming
    /// `what` and listing the calls so far.
    pub async fn wait_for<F: Fn(&FakeSlack) -> bool>(&self, what: &str, cond: F) {
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        while !cond(self) {
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "timed out after {WAIT_LIMIT:?} waiting for {what}; violations: {:?}\ncalls so far:\n{}",
                    self.violations(),
                    self.dump_calls()
                );
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
    }

    /// One line per call: method, arguments, status and answer.
    pub fn dump_calls(&self) -> String {
        let lines: Vec<String> = self
            .calls()
            .iter()
            .map(|call| {
                format!(
                    "  {} {} -> {} {}",
                    call.method, call.args, call.status, call.response
                )
            })
            .collect();
        if lines.is_empty() {
            "  (none)".to_owned()
        } else {
            lines.join("\n")
        }
    }
}
