//! The local console: `firebreak serve` without Slack credentials serves a page at `/console`
//! where a person types `/incident …` and clicks Firebreak's buttons. The real commands, store,
//! diagnostics and approvals run; only the Slack transport is swapped for an in-memory workspace.
//!
//! # Layout
//! - [`workspace`] — channels, messages, threads, pins and files, kept as Slack keeps them.
//! - [`chat`] — `ConsoleChat`, the `Chat` port over the workspace (and `response_url`s).
//! - [`mrkdwn`], [`blocks`] — Slack's text and Block Kit JSON → HTML.
//! - [`page`] — the server-rendered page; `console.js` and `console.css` are embedded.
//! - [`routes`] — `/console…` routes, driving the same slash-command and click handlers as Slack.
//! - [`demo`] — the built-in demo configuration used when there is no `firebreak.toml`.

pub mod blocks;
pub mod chat;
pub mod demo;
pub mod mrkdwn;
pub mod page;
pub mod routes;
pub mod workspace;

use std::sync::{Arc, OnceLock};

use firebreak_commands::ports::Chat;
use firebreak_commands::settings::Settings;

use crate::config::{Secret, SlackCredentials};
use crate::state::AppState;
use workspace::Workspace;

/// The people at the console: the one typing, and a teammate to switch to, because for
/// SEV1/SEV2 the requester of a remediation may not approve it.
pub const PEOPLE: [(&str, &str); 2] = [("U0CONSOLE", "you"), ("U0TEAMMATE", "teammate")];

/// The console's workspace and what the routes need besides the app state.
#[derive(Debug, Clone)]
pub struct Console {
    workspace: Arc<Workspace>,
    base_url: Arc<OnceLock<String>>,
}

impl Console {
    /// A fresh workspace: `#general`, plus the broadcast channel when one is configured.
    pub fn new(settings: &Settings) -> Self {
        let broadcast = settings.broadcast_channel.iter().map(|id| (id.as_str().to_owned(), "incidents".to_owned()));
        let people: Vec<&str> = PEOPLE.iter().map(|(id, _)| *id).collect();
        let workspace = Workspace::new(&people, &broadcast.collect::<Vec<_>>());
        Self { workspace: Arc::new(workspace), base_url: Arc::default() }
    }

    /// Stand-in Slack credentials: no token is ever sent anywhere, and the signing secret is
    /// random, so the Slack routes refuse every request in console mode.
    pub fn credentials() -> SlackCredentials {
        SlackCredentials {
            bot_token: Secret::new("console-mode-has-no-slack-token"),
            signing_secret: Secret::new(uuid::Uuid::new_v4().simple().to_string()),
            app_token: None,
        }
    }

    pub fn chat(&self) -> Arc<dyn Chat> {
        Arc::new(chat::ConsoleChat::new(self.workspace.clone(), self.base_url.clone()))
    }

    /// Records the bound port, for permalinks.
    pub fn bound(&self, port: u16) {
        let _ = self.base_url.set(format!("http://localhost:{port}"));
    }

    /// The `/console…` routes.
    pub fn router(&self, app: AppState) -> axum::Router {
        routes::router(routes::ConsoleState { app, workspace: self.workspace.clone() })
    }
}
