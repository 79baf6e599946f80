//! The `/console…` routes. Typed commands and button clicks go through the same handlers as
//! Slack's (`slack::commands::handle`, `slack::interactions::handle`), as the chosen person.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::chat::{deliver, ResponseUrl};
use super::workspace::{Author, Workspace, TEAM};
use super::{page, PEOPLE};
use crate::slack::commands::{self, SlashForm};
use crate::slack::{interactions, render};
use crate::state::AppState;

/// What the routes share.
#[derive(Debug, Clone)]
pub struct ConsoleState {
    pub app: AppState,
    pub workspace: Arc<Workspace>,
}

/// The page's own requests carry this header. A form on another site cannot send it, so no
/// other web page can type commands or click buttons in the console.
const CONSOLE_HEADER: &str = "x-firebreak-console";
const GENERAL: &str = "C0GENERAL";
const MAX_MESSAGE_CHARS: usize = 4000;

/// Why a console request was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("this request must come from the console page at http://localhost:<port>/console (or an IP address), with its {CONSOLE_HEADER} header")]
    NotFromThePage,
    #[error("`{0}` is not one of the console's people (U0CONSOLE, U0TEAMMATE)")]
    UnknownPerson(String),
    #[error("there is no channel `{0}`")]
    UnknownChannel(String),
    #[error("there is no message `{0}` you can see in that channel")]
    UnknownMessage(String),
    #[error("that message has no button `{0}` with this value")]
    UnknownButton(String),
    #[error("there is no file `{0}`")]
    UnknownFile(String),
    #[error("{0}")]
    Malformed(String),
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::NotFromThePage => StatusCode::FORBIDDEN,
            Self::UnknownChannel(_) | Self::UnknownMessage(_) | Self::UnknownFile(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, self.to_string()).into_response()
    }
}

pub fn router(state: ConsoleState) -> Router {
    Router::new()
        .route("/console", get(show_page))
        .route("/console/view", get(show_view))
        .route("/console/command", post(command))
        .route("/console/click", post(click))
        .route("/console/files/{id}", get(file))
        .with_state(state)
}

#[derive(Debug, Deserialize)]
struct ViewQuery {
    channel: Option<String>,
    #[serde(rename = "as")]
    person: Option<String>,
    /// The version the page shows; unchanged → 204.
    since: Option<u64>,
}

fn person(id: Option<&str>) -> Result<String, ConsoleError> {
    let id = id.unwrap_or(PEOPLE[0].0);
    PEOPLE.iter().find(|(p, _)| *p == id).map(|(p, _)| (*p).to_owned()).ok_or_else(|| ConsoleError::UnknownPerson(id.chars().take(40).collect()))
}

/// Whether a request that changes something comes from the console page itself: it carries
/// the console header, names the server by `localhost` or an IP address (a page on another
/// domain that resolves to this machine — DNS rebinding — names its own domain), and, when the
/// browser says where the page came from, it is this server.
fn from_the_page(headers: &HeaderMap) -> Result<(), ConsoleError> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let host = text(header::HOST);
    let hostname = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host.as_str(),
    };
    let local_name = hostname == "localhost" || hostname.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok();
    let origin = text(header::ORIGIN);
    let same_origin = origin.is_empty() || origin.split_once("://").is_some_and(|(_, rest)| rest == host);
    (headers.contains_key(CONSOLE_HEADER) && local_name && same_origin).then_some(()).ok_or(ConsoleError::NotFromThePage)
}

async fn show_page(State(state): State<ConsoleState>, Query(query): Query<ViewQuery>) -> Result<Html<String>, ConsoleError> {
    let user = person(query.person.as_deref())?;
    Ok(Html(page::page(&state.workspace, query.channel.as_deref().unwrap_or(GENERAL), &user)))
}

async fn show_view(State(state): State<ConsoleState>, Query(query): Query<ViewQuery>) -> Result<Response, ConsoleError> {
    let user = person(query.person.as_deref())?;
    if query.since == Some(state.workspace.version()) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Html(page::view(&state.workspace, query.channel.as_deref().unwrap_or(GENERAL), &user)).into_response())
}

#[derive(Debug, Deserialize)]
struct CommandForm {
    channel: String,
    #[serde(rename = "as")]
    person: String,
    text: String,
}

/// What the person typed: `/incident …` runs the command; other text is a message in the channel.
async fn command(State(state): State<ConsoleState>, headers: HeaderMap, Form(form): Form<CommandForm>) -> Result<StatusCode, ConsoleError> {
    from_the_page(&headers)?;
    let user = person(Some(&form.person))?;
    let channel = state.workspace.channel(&form.channel).ok_or_else(|| ConsoleError::UnknownChannel(form.channel.chars().take(40).collect()))?;
    let text = form.text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ConsoleError::Malformed(format!("type a command such as `/incident help` (at most {MAX_MESSAGE_CHARS} characters)")));
    }
    let here = ResponseUrl { channel: channel.id.clone(), user: user.clone(), message: None };
    let refused = |e: firebreak_commands::ports::ChatError| ConsoleError::Malformed(e.to_string());
    if let Some(rest) = text.strip_prefix("/incident").filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        let form: SlashForm = serde_json::from_value(json!({
            "team_id": TEAM,
            "channel_id": channel.id,
            "user_id": user,
            // Slack sends slash-command text with `&`, `<` and `>` escaped; so does the console.
            "text": firebreak_commands::mrkdwn::escape(rest.trim()),
            "response_url": here.to_string(),
            "trigger_id": format!("console.{}", uuid::Uuid::new_v4().simple()),
        }))
        .map_err(|e| ConsoleError::Malformed(e.to_string()))?;
        let ack = commands::handle(&state.app, form).await.map_err(|malformed| ConsoleError::Malformed(malformed.0.to_owned()))?;
        if let Some(reply) = ack {
            deliver(&state.workspace, &here, &render::response_body(&reply)).map_err(refused)?;
        }
    } else if let Some(other) = text.strip_prefix('/') {
        let name: String = other.split_whitespace().next().unwrap_or_default().chars().take(40).collect();
        let body = json!({ "response_type": "ephemeral", "text": format!(":warning: `/{name}` is not a command here. Firebreak's is `/incident` — try `/incident help`.") });
        deliver(&state.workspace, &here, &body).map_err(refused)?;
    } else {
        // A message typed into the channel, escaped as Slack's clients escape it.
        let escaped = firebreak_commands::mrkdwn::escape(text);
        state.workspace.invite(&channel.id, std::slice::from_ref(&user)).map_err(refused)?;
        state.workspace.post(&channel.id, Author::User(user), &escaped, Value::Array(vec![]), None).map_err(refused)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct ClickForm {
    channel: String,
    #[serde(rename = "as")]
    person: String,
    ts: String,
    action_id: String,
    value: String,
}

/// Whether `blocks` hold a button `action_id` with `value` (in actions or as an accessory).
fn has_button(blocks: &Value, action_id: &str, value: &str) -> bool {
    let is_it = |e: &Value| e["type"] == "button" && e["action_id"] == action_id && e["value"] == value;
    blocks.as_array().into_iter().flatten().any(|b| b["elements"].as_array().into_iter().flatten().any(is_it) || is_it(&b["accessory"]))
}

/// A button click: checked to be a button on a message the person sees, then handled exactly
/// as Slack's `block_actions` payload for it would be.
async fn click(State(state): State<ConsoleState>, headers: HeaderMap, Form(form): Form<ClickForm>) -> Result<StatusCode, ConsoleError> {
    from_the_page(&headers)?;
    let user = person(Some(&form.person))?;
    let channel = state.workspace.channel(&form.channel).ok_or_else(|| ConsoleError::UnknownChannel(form.channel.chars().take(40).collect()))?;
    let message = channel.message(&form.ts).filter(|m| m.visible_to_user(&user)).ok_or_else(|| ConsoleError::UnknownMessage(form.ts.chars().take(40).collect()))?;
    if !has_button(&message.blocks, &form.action_id, &form.value) {
        return Err(ConsoleError::UnknownButton(form.action_id.chars().take(64).collect()));
    }
    let now = jiff::Timestamp::now().as_microsecond();
    let payload = json!({
        "type": "block_actions",
        "user": { "id": user, "team_id": TEAM },
        "team": { "id": TEAM },
        "channel": { "id": channel.id, "name": channel.name },
        "container": { "type": "message", "message_ts": message.ts, "channel_id": channel.id, "is_ephemeral": message.visible_to.is_some() },
        "response_url": ResponseUrl { channel: channel.id.clone(), user: user.clone(), message: Some(message.ts.clone()) }.to_string(),
        "actions": [{
            "type": "button",
            "action_id": form.action_id,
            "value": form.value,
            "action_ts": format!("{}.{:06}", now.div_euclid(1_000_000), now.rem_euclid(1_000_000)),
        }],
    });
    interactions::handle(&state.app, &payload.to_string()).map_err(ConsoleError::Malformed)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A shared file, downloaded as text.
async fn file(State(state): State<ConsoleState>, Path(id): Path<String>) -> Result<Response, ConsoleError> {
    let file = state.workspace.file(&id).ok_or_else(|| ConsoleError::UnknownFile(id.chars().take(40).collect()))?;
    let safe_name: String = file.name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    let kind = if safe_name.ends_with(".md") { "text/markdown; charset=utf-8" } else { "text/plain; charset=utf-8" };
    let disposition = format!("attachment; filename=\"{safe_name}\"");
    Ok(([(header::CONTENT_TYPE, kind.to_owned()), (header::CONTENT_DISPOSITION, disposition)], file.content).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_buttons_that_are_on_the_message_count() {
        let blocks = json!([
            { "type": "actions", "elements": [{ "type": "button", "action_id": "incident_diag", "value": "1" }] },
            { "type": "section", "accessory": { "type": "button", "action_id": "more", "value": "x" } },
        ]);
        assert!(has_button(&blocks, "incident_diag", "1"));
        assert!(has_button(&blocks, "more", "x"));
        assert!(!has_button(&blocks, "incident_diag", "2"), "a forged value");
        assert!(!has_button(&blocks, "remediation_approve", "1:1"));
        assert!(!has_button(&json!([]), "incident_diag", "1"));
    }

    #[test]
    fn changes_come_from_the_console_page_only() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap_or_else(|_| panic!("{value}")));
            }
            map
        };
        assert!(from_the_page(&headers(&[(CONSOLE_HEADER, "1"), ("host", "localhost:3000"), ("origin", "http://localhost:3000")])).is_ok());
        assert!(from_the_page(&headers(&[(CONSOLE_HEADER, "1"), ("host", "127.0.0.1:41234")])).is_ok());
        assert!(from_the_page(&headers(&[(CONSOLE_HEADER, "1"), ("host", "[::1]:3000")])).is_ok());
        assert!(from_the_page(&headers(&[("host", "localhost:3000")])).is_err(), "a plain form post from another site");
        assert!(from_the_page(&headers(&[(CONSOLE_HEADER, "1"), ("host", "evil.example:3000")])).is_err(), "DNS rebinding");
        assert!(from_the_page(&headers(&[(CONSOLE_HEADER, "1"), ("host", "localhost:3000"), ("origin", "http://evil.example")])).is_err());
    }

    #[test]
    fn only_the_console_people() {
        assert_eq!(person(None).ok().as_deref(), Some("U0CONSOLE"));
        assert_eq!(person(Some("U0TEAMMATE")).ok().as_deref(), Some("U0TEAMMATE"));
        assert!(matches!(person(Some("U0MALLORY")), Err(ConsoleError::UnknownPerson(_))));
    }
}
