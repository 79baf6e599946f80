//! The fake holds the bot to Socket Mode's rules: the right token for `apps.connections.open`,
//! one connection per ticket, `hello` first.

use futures_util::StreamExt;
use serde_json::{Value, json};

use super::FakeSocketMode;
use crate::fake_slack::FakeSlack;

const BOT: &str = "xoxb-fake-bot";
const APP: &str = "xapp-1-fake-app";

async fn open(slack: &FakeSlack, token: &str, method: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/{method}", slack.api_url()))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .expect("the fake answers");
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn only_the_app_token_opens_connections_and_only_the_bot_token_calls_methods() {
    let slack = FakeSlack::start(BOT).await;
    let socket = FakeSocketMode::start(&slack, APP);
    assert_eq!(open(&slack, BOT, "apps.connections.open").await["error"], "not_allowed_token_type");
    assert_eq!(open(&slack, "xapp-1-other", "apps.connections.open").await["error"], "invalid_auth");
    assert_eq!(open(&slack, APP, "auth.test").await["error"], "not_allowed_token_type");
    assert_eq!(open(&slack, BOT, "auth.test").await["ok"], true);
    let answer = open(&slack, APP, "apps.connections.open").await;
    assert_eq!(answer["ok"], true);
    assert!(answer["url"].as_str().is_some_and(|u| u.starts_with("ws://127.0.0.1:") && u.contains("ticket=")), "{answer}");
    assert_eq!(socket.tickets_issued(), 1);
    assert_eq!(slack.violations().len(), 3, "{:?}", slack.violations());
}

#[tokio::test]
async fn a_ticket_opens_one_connection_which_starts_with_hello() {
    let slack = FakeSlack::start(BOT).await;
    let socket = FakeSocketMode::start(&slack, APP);
    let url = open(&slack, APP, "apps.connections.open").await["url"].as_str().expect("url").to_owned();
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect("the first use of a ticket connects");
    let hello = ws.next().await.expect("a message").expect("no error");
    let hello: Value = serde_json::from_str(hello.to_text().expect("text")).expect("JSON");
    assert_eq!((hello["type"].as_str(), hello["num_connections"].as_u64()), (Some("hello"), Some(1)));
    assert_eq!(hello["connection_info"]["app_id"], super::APP_ID);
    assert!(tokio_tungstenite::connect_async(&url).await.is_err(), "a ticket is good for one connection");
    socket.wait_connections(1).await;
    assert_eq!(socket.violations().len(), 1, "{:?}", socket.violations());
}
