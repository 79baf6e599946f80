//! `spawn_app`: the real Firebreak on its own port and database, wired to its own fake Slack.

use std::sync::Arc;

use firebreak::config::{Config, Secret, SlackCredentials};
use firebreak::startup::App;
use firebreak::store::SqlStore;
use firebreak_commands::ports::IncidentStore;
use firebreak_commands::settings::Settings;
use serde_json::{json, Value};

use crate::backend::Backend;
use crate::fake_slack::FakeSlack;
use crate::signing;

pub const BOT_TOKEN: &str = "xoxb-test-token-0000";
pub const SIGNING_SECRET: &str = "test-signing-secret-8f742231b10e";
pub const TEAM: &str = "T0001";
pub const API_TOKEN: &str = "test-api-token-5b1c";
pub const ALERTMANAGER_TOKEN: &str = "test-alertmanager-token-93ad";

/// A running app plus everything a test needs to drive and inspect it.
#[derive(Debug)]
pub struct TestApp {
    pub base_url: String,
    pub slack: FakeSlack,
    /// A second handle on the app's database, for assertions.
    pub store: Arc<SqlStore>,
    pub http: reqwest::Client,
    pub database_url: String,
}

/// What a signed request got back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The text a person sees in the ack (empty for an empty ack).
    pub fn text(&self) -> String {
        self.json()["text"].as_str().unwrap_or_default().to_owned()
    }
}

/// Starts the app on `backend` with `settings`; `None` when the back end is unavailable outside CI.
pub async fn spawn_app(backend: Backend, settings: Settings) -> Option<TestApp> {
    spawn_app_with(backend, move |_| settings).await
}

/// Like [`spawn_app`], with settings made from the fake Slack (to name channels it holds).
pub async fn spawn_app_with(backend: Backend, settings: impl FnOnce(&FakeSlack) -> Settings) -> Option<TestApp> {
    spawn_app_configured(backend, settings, |_, _| {}).await
}

/// Like [`spawn_app_with`], with a last word on the configuration (e.g. Socket Mode's app
/// token) once the fake Slack runs.
pub async fn spawn_app_configured(
    backend: Backend,
    settings: impl FnOnce(&FakeSlack) -> Settings,
    configure: impl FnOnce(&FakeSlack, &mut Config),
) -> Option<TestApp> {
    if std::env::var_os("RUST_LOG").is_some() {
        firebreak::telemetry::init(false);
    }
    let database_url = backend.fresh_database_url().await?;
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let settings = settings(&slack);
    let mut config = test_config(&database_url, &slack, settings);
    configure(&slack, &mut config);
    Some(launch(&config, slack, database_url).await)
}

/// The configuration of a test app on `database_url`, talking to `slack`.
pub fn test_config(database_url: &str, slack: &FakeSlack, settings: Settings) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        database_url: Secret::new(database_url),
        slack: Some(SlackCredentials { bot_token: Secret::new(BOT_TOKEN), signing_secret: Secret::new(SIGNING_SECRET), app_token: None }),
        slack_api_url: slack.api_url(),
        config_path: "firebreak.toml".into(),
        config_file_found: false,
        settings,
        log_json: false,
        api_token: Some(Secret::new(API_TOKEN)),
        alertmanager_token: Some(Secret::new(ALERTMANAGER_TOKEN)),
        redis_url: None,
        pager_secrets: Default::default(),
        statuspage: Default::default(),
    }
}

/// Builds and runs the app `config` describes; `slack` and `database_url` are what it uses.
pub async fn launch(config: &Config, slack: FakeSlack, database_url: String) -> TestApp {
    let app = App::build(config).await.unwrap_or_else(|e| panic!("app failed to build: {e}"));
    let base_url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let store = SqlStore::connect(&database_url).await.unwrap_or_else(|e| panic!("second store handle: {e}"));
    TestApp { base_url, slack, store: Arc::new(store), http: reqwest::Client::new(), database_url }
}

impl TestApp {
    /// POSTs `body` to `path` signed with `secret` at `timestamp`.
    pub async fn post_signed_with(&self, path: &str, content_type: &str, body: &str, secret: &str, timestamp: &str) -> Answer {
        let request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", timestamp)
            .header("x-slack-signature", signing::signature(secret, timestamp, body))
            .body(body.to_owned());
        self.send(request).await
    }

    pub async fn post_signed(&self, path: &str, content_type: &str, body: &str) -> Answer {
        self.post_signed_with(path, content_type, body, SIGNING_SECRET, &signing::now()).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = response.status().as_u16();
        Answer { status, body: response.text().await.unwrap_or_default() }
    }

    /// The slash-command form Slack sends for `/incident {text}` by `user` in `channel`.
    pub fn slash_form(&self, user: &str, channel: &str, text: &str, response_url: &str) -> String {
        serde_urlencoded::to_string([
            ("token", "verification-token-unused"),
            ("team_id", TEAM),
            ("team_domain", "firebreak-test"),
            ("channel_id", channel),
            ("channel_name", "general"),
            ("user_id", user),
            ("user_name", "responder"),
            ("command", "/incident"),
            ("text", text),
            ("api_app_id", "A0001"),
            ("response_url", response_url),
            ("trigger_id", &format!("{}.{}", uuid::Uuid::new_v4().as_u128() % 1_000_000, user)),
        ])
        .unwrap_or_default()
    }

    /// Types `/incident {text}` as `user` in `channel`; returns the ack and the response_url.
    pub async fn slash(&self, user: &str, channel: &str, text: &str) -> (Answer, String) {
        let response_url = self.slack.new_response_url();
        let body = self.slash_form(user, channel, text, &response_url);
        let answer = self.post_signed("/slack/commands", "application/x-www-form-urlencoded", &body).await;
        (answer, response_url)
    }

    /// Clicks button `action_id` with `value` as `user` in `channel`; returns the ack and response_url.
    pub async fn click(&self, user: &str, channel: &str, action_id: &str, value: &str) -> (Answer, String) {
        let response_url = self.slack.new_response_url();
        let payload = self.click_payload(user, channel, action_id, value, &response_url);
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap_or_default();
        let answer = self.post_signed("/slack/interactions", "application/x-www-form-urlencoded", &body).await;
        (answer, response_url)
    }

    /// The `block_actions` payload Slack sends when `user` clicks button `action_id` in `channel`.
    pub fn click_payload(&self, user: &str, channel: &str, action_id: &str, value: &str, response_url: &str) -> Value {
        json!({
            "type": "block_actions",
            "user": { "id": user, "username": "responder", "team_id": TEAM },
            "api_app_id": "A0001",
            "token": "verification-token-unused",
            "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": channel, "is_ephemeral": false },
            "trigger_id": "123.456.abc",
            "team": { "id": TEAM, "domain": "firebreak-test" },
            "channel": { "id": channel, "name": "inc" },
            "response_url": response_url,
            "actions": [{
                "action_id": action_id,
                "block_id": "b1",
                "text": { "type": "plain_text", "text": "x", "emoji": true },
                "value": value,
                "type": "button",
                "action_ts": format!("{}.{:06}", jiff::Timestamp::now().as_second(), uuid::Uuid::new_v4().as_u128() % 1_000_000),
            }],
        })
    }

    /// Delivers an Events API callback (from the fake Slack's people), signed.
    pub async fn event(&self, envelope: &Value) -> Answer {
        self.post_signed("/slack/events", "application/json", &envelope.to_string()).await
    }

    /// Delivers `envelope` again as Slack's retry number `attempt` (`X-Slack-Retry-Num`).
    pub async fn event_retry(&self, envelope: &Value, attempt: u32) -> Answer {
        let body = envelope.to_string();
        let timestamp = signing::now();
        let request = self
            .http
            .post(format!("{}/slack/events", self.base_url))
            .header("content-type", "application/json")
            .header("x-slack-request-timestamp", &timestamp)
            .header("x-slack-signature", signing::signature(SIGNING_SECRET, &timestamp, &body))
            .header("x-slack-retry-num", attempt.to_string())
            .header("x-slack-retry-reason", "http_timeout")
            .body(body);
        self.send(request).await
    }

    /// Declares an incident as `user` and waits until its card is pinned; returns its channel id.
    pub async fn declare(&self, user: &str, text: &str) -> String {
        let (answer, response_url) = self.slash(user, "CGENERAL", text).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        self.slack
            .wait_for("the requester's confirmation", |s| !s.responses(&response_url).is_empty())
            .await;
        let confirmation = self.slack.responses(&response_url).remove(0);
        let text = confirmation["text"].as_str().unwrap_or_default().to_owned();
        let channel = text
            .split("<#")
            .nth(1)
            .and_then(|rest| rest.split('>').next())
            .unwrap_or_else(|| panic!("no channel link in confirmation: {text}"));
        channel.to_owned()
    }

    /// Open incidents of the test workspace, from the database.
    pub async fn open_incidents(&self) -> Vec<firebreak_commands::incident::Incident> {
        let team = firebreak_commands::ids::TeamId::new(TEAM);
        self.store.open_incidents(&team).await.unwrap_or_else(|e| panic!("{e}"))
    }
}

impl TestApp {
    /// The kinds of an incident's timeline events, in order.
    pub async fn store_timeline(&self, id: firebreak_commands::ids::IncidentId) -> Vec<String> {
        let events = self.store.timeline(id).await.unwrap_or_else(|e| panic!("{e}"));
        events.iter().map(|e| e.kind.key().to_owned()).collect()
    }
}
