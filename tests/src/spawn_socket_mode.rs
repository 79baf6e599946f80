//! `spawn_app_socket_mode`: the real Firebreak with an app-level token, reached through the fake
//! Socket Mode besides its HTTP endpoints, and the slash-command payload Slack sends over it.

use std::collections::BTreeMap;

use firebreak::config::Secret;
use firebreak_commands::settings::Settings;
use serde_json::Value;

use crate::backend::Backend;
use crate::fake_slack::FakeSlack;
use crate::fake_socket_mode::FakeSocketMode;
use crate::spawn::{TestApp, spawn_app_configured};

/// The app-level token the test apps are given (`SLACK_APP_TOKEN`).
pub const APP_TOKEN: &str = "xapp-1-A0001-0000-socketmodetesttoken";

/// Starts the app with `SLACK_APP_TOKEN` set and waits until its Socket Mode connection is up;
/// `None` when the back end is unavailable outside CI.
pub async fn spawn_app_socket_mode(backend: Backend, settings: impl FnOnce(&FakeSlack) -> Settings) -> Option<(TestApp, FakeSocketMode)> {
    spawn_app_socket_mode_with_token(backend, settings, APP_TOKEN).await
}

/// Like [`spawn_app_socket_mode`], with the app given `app_token` (the fake accepts only
/// [`APP_TOKEN`]); does not wait for a connection.
pub async fn spawn_app_socket_mode_with_token(
    backend: Backend,
    settings: impl FnOnce(&FakeSlack) -> Settings,
    app_token: &str,
) -> Option<(TestApp, FakeSocketMode)> {
    let mut socket = None;
    let app = spawn_app_configured(backend, settings, |slack, config| {
        socket = Some(FakeSocketMode::start(slack, APP_TOKEN));
        if let Some(credentials) = config.slack.as_mut() {
            credentials.app_token = Some(Secret::new(app_token));
        }
    })
    .await?;
    let socket = socket.expect("spawn_app_configured calls configure before it returns");
    if app_token == APP_TOKEN {
        socket.wait_connections(1).await;
    }
    Some((app, socket))
}

impl TestApp {
    /// The `slash_commands` payload Slack sends over Socket Mode for `/incident {text}`: the
    /// fields of the HTTP form, as a JSON object.
    pub fn slash_payload(&self, user: &str, channel: &str, text: &str, response_url: &str) -> Value {
        let form = self.slash_form(user, channel, text, response_url);
        let fields: BTreeMap<String, String> = serde_urlencoded::from_str(&form).expect("the slash form decodes");
        serde_json::to_value(fields).expect("strings are JSON")
    }
}
