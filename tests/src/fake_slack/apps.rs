//! `apps.connections.open`, the one method called with the app-level token (`xapp-…`): it
//! hands out a single-use WebSocket URL once a test turned Socket Mode on. Which token a
//! method takes is checked here too: a bot token on it, or the app token anywhere else, is
//! `not_allowed_token_type`, as at Slack.

use std::fmt;
use std::sync::Arc;

use serde_json::json;

use super::FakeSlack;
use super::methods::{Outcome, Rejection};
use super::state::{State, lock};

const METHOD: &str = "apps.connections.open";

/// Where `apps.connections.open` sends the bot: a new URL (with a fresh ticket) per call.
#[derive(Clone)]
pub(super) struct SocketModeLink {
    app_token: String,
    issue_url: Arc<dyn Fn() -> String + Send + Sync>,
}

impl fmt::Debug for SocketModeLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketModeLink").finish_non_exhaustive()
    }
}

impl FakeSlack {
    /// Turns Socket Mode on: `apps.connections.open` accepts `app_token` and answers with
    /// what `issue_url` returns (a fake Socket Mode server's URL with a new ticket).
    pub fn enable_socket_mode(&self, app_token: &str, issue_url: impl Fn() -> String + Send + Sync + 'static) {
        lock(&self.shared).socket_mode = Some(SocketModeLink { app_token: app_token.to_owned(), issue_url: Arc::new(issue_url) });
    }
}

/// Slack's error for `token` on `method`, or `None` when the token is the right one.
pub(super) fn token_error(state: &State, method: &str, token: &str) -> Option<&'static str> {
    let app_token = state.socket_mode.as_ref().map(|link| link.app_token.as_str());
    let (right, other_kind) = if method == METHOD {
        (app_token == Some(token), token == state.bot_token)
    } else {
        (token == state.bot_token, app_token == Some(token))
    };
    match (right, other_kind) {
        (true, _) => None,
        (false, true) => Some("not_allowed_token_type"),
        (false, false) => Some("invalid_auth"),
    }
}

pub(super) fn connections_open(state: &State) -> Outcome {
    let link = state.socket_mode.as_ref().ok_or(Rejection::slack("invalid_auth"))?;
    Ok(json!({ "url": (link.issue_url)() }))
}
