//! `response_url`s of slash commands and interactions: bodies are recorded, and like Slack the
//! fake accepts at most five posts per URL.

use serde_json::Value;

use super::FakeSlack;
use super::blocks;
use super::reply::Reply;
use super::state::{State, lock};

/// Slack's limit: "you can use a response_url up to 5 times within 30 minutes".
const MAX_POSTS: usize = 5;

impl FakeSlack {
    /// A fresh response_url, as Slack puts in a slash command or interaction payload.
    pub fn new_response_url(&self) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        lock(&self.shared)
            .response_urls
            .insert(id.clone(), Vec::new());
        format!("{}/response/{id}", self.base_url)
    }

    /// The bodies Slack accepted on `response_url`, in order (empty for unknown URLs).
    pub fn responses(&self, response_url: &str) -> Vec<Value> {
        let id = response_url.rsplit('/').next().unwrap_or_default();
        lock(&self.shared)
            .response_urls
            .get(id)
            .cloned()
            .unwrap_or_default()
    }
}

/// Answers one POST to `/response/<id>`, whose body Slack reads as JSON.
pub(super) fn receive(state: &mut State, id: &str, is_json: bool, body: &[u8]) -> Reply {
    let Some(posts) = state.response_urls.get(id) else {
        state.violation(format!("response_url {id}: not handed out by this fake"));
        return Reply::error(404, "no_service");
    };
    if posts.len() >= MAX_POSTS {
        state.violation(format!(
            "response_url {id}: used more than {MAX_POSTS} times"
        ));
        return Reply::error(404, "used_url");
    }
    let parsed = if is_json {
        serde_json::from_slice::<Value>(body)
            .ok()
            .filter(Value::is_object)
    } else {
        None
    };
    let Some(message) = parsed else {
        state.violation(format!(
            "response_url {id}: body is not a JSON object sent as application/json"
        ));
        return Reply::error(400, "invalid_payload");
    };
    let sent_blocks = message.get("blocks").filter(|blocks| !blocks.is_null());
    if let Err(rejection) = blocks::parse(sent_blocks) {
        let why = rejection.violation.unwrap_or_default();
        state.violation(format!("response_url {id}: {why}"));
        return Reply::error(400, rejection.error);
    }
    state
        .response_urls
        .entry(id.to_owned())
        .or_default()
        .push(message);
    Reply::ok(Value::Null)
}
