//! Tests of the fake itself, through real HTTP as the bot's client would send it.

mod channels;
mod contract;
mod faults;
mod messages;
mod response_urls;
mod throttle;

use serde_json::Value;

use super::FakeSlack;

const TOKEN: &str = "xoxb-fake-token";

/// What the fake answered to one request.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Answer {
    fn error(&self) -> Option<&str> {
        self.body.get("error").and_then(Value::as_str)
    }

    fn ok(&self) -> bool {
        self.body.get("ok").and_then(Value::as_bool) == Some(true)
    }

    /// Field `name` of the answer as text.
    fn text(&self, name: &str) -> String {
        self.body
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

async fn fake() -> FakeSlack {
    FakeSlack::start(TOKEN).await
}

/// Calls `method` as slack-morphism does: a JSON body and a bearer token.
async fn call(fake: &FakeSlack, method: &str, args: Value) -> anyhow::Result<Answer> {
    let request = reqwest::Client::new()
        .post(format!("{}/{method}", fake.api_url()))
        .bearer_auth(TOKEN)
        .json(&args);
    send(request).await
}

/// Sends a request and checks the one thing every answer must have: a JSON content type.
async fn send(request: reqwest::RequestBuilder) -> anyhow::Result<Answer> {
    let response = request.send().await?;
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
    anyhow::ensure!(
        content_type.starts_with("application/json"),
        "answer with content type {content_type:?}"
    );
    let retry_after = header(reqwest::header::RETRY_AFTER);
    let status = response.status().as_u16();
    let body = response.json().await?;
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// Creates a channel through the API, so the bot is its creator and member.
async fn create_channel(fake: &FakeSlack, name: &str) -> anyhow::Result<String> {
    let answer = call(
        fake,
        "conversations.create",
        serde_json::json!({ "name": name }),
    )
    .await?;
    anyhow::ensure!(answer.ok(), "conversations.create refused: {answer:?}");
    answer.body["channel"]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no channel id in {answer:?}"))
}
