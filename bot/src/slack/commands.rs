//! `POST /slack/commands`: the `/incident` slash command (also delivered by Socket Mode).

mod quick_form;

use std::borrow::Cow;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use firebreak_commands::command::help_reply;
use firebreak_commands::ids::{ChannelId, SlackUserId, TeamId};
use firebreak_commands::reply::Reply;
use firebreak_commands::timeline::Source;
use firebreak_commands::{Command, Invocation, UsageError};
use serde::Deserialize;

use super::dispatch::{self, Ack};
use super::render;
use crate::state::AppState;

/// The fields of Slack's slash-command form that Firebreak uses. Socket Mode delivers the
/// same fields as a JSON object.
#[derive(Debug, Deserialize)]
pub struct SlashForm {
    team_id: String,
    channel_id: String,
    user_id: String,
    #[serde(default)]
    text: String,
    response_url: Option<String>,
    trigger_id: Option<String>,
}

fn bad_request(reason: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("malformed slash command: {reason}")).into_response()
}

fn ack(reply: Option<Reply>) -> Response {
    match reply {
        Some(reply) => Json(render::response_body(&reply)).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

/// [`SlashForm`] borrowed from the request body: the HTTP ack path copies only what a command
/// keeps (and `help` keeps nothing).
#[derive(Debug, Deserialize)]
struct BorrowedForm<'a> {
    #[serde(borrow)]
    team_id: Cow<'a, str>,
    #[serde(borrow)]
    channel_id: Cow<'a, str>,
    #[serde(borrow)]
    user_id: Cow<'a, str>,
    #[serde(borrow, default)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    response_url: Option<Cow<'a, str>>,
    #[serde(borrow)]
    trigger_id: Option<Cow<'a, str>>,
}

impl BorrowedForm<'_> {
    fn into_owned(self) -> SlashForm {
        SlashForm {
            team_id: self.team_id.into_owned(),
            channel_id: self.channel_id.into_owned(),
            user_id: self.user_id.into_owned(),
            text: self.text.into_owned(),
            response_url: self.response_url.map(Cow::into_owned),
            trigger_id: self.trigger_id.map(Cow::into_owned),
        }
    }
}

/// Acknowledges at once with a parse error or a quick answer; slow work answers later.
pub async fn slash_command(State(state): State<AppState>, body: Bytes) -> Response {
    if let Some((user_id, text)) = quick_form::user_and_text(&body)
        && let Ok((_, Ok(Command::Help))) = read_fields(&user_id, &text)
    {
        return help_ack();
    }
    let form: BorrowedForm<'_> = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(error) => return bad_request(&error.to_string()),
    };
    let (user, command) = match read_fields(&form.user_id, &form.text) {
        Ok(read) => read,
        Err(malformed) => return bad_request(malformed.0),
    };
    ack(run(&state, form.into_owned(), user, command).await)
}

/// The ack of `/incident help`: the same bytes every time, rendered once. The same count and
/// answer as running the command through [`handle`], without its task, timer and rendering.
fn help_ack() -> Response {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    let body = BODY.get_or_init(|| render::response_body(&help_reply()).to_string().into_bytes());
    metrics::counter!("firebreak_commands_total", "command" => "help", "outcome" => "ok").increment(1);
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], Bytes::from_static(body)).into_response()
}

/// Who asked and what they asked for, without running anything: `Err` when the form is
/// malformed, `Ok((_, Err))` when the text is not a command (the usage message answers it).
/// The fuzz targets call this through `crate::fuzzing`.
pub(crate) fn read(form: &SlashForm) -> Result<(SlackUserId, Result<Command, UsageError>), Malformed> {
    read_fields(&form.user_id, &form.text)
}

fn read_fields(user_id: &str, text: &str) -> Result<(SlackUserId, Result<Command, UsageError>), Malformed> {
    let user = SlackUserId::parse(user_id).ok_or(Malformed("user_id is not a Slack user id"))?;
    Ok((user, Command::parse(text)))
}

/// Why a slash command could not be read (HTTP answers 400).
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// Runs a decoded slash command within the ack budget, for both transports (HTTP and Socket
/// Mode); returns what the ack carries: a usage message, a quick answer, or "working on it".
pub async fn handle(state: &AppState, form: SlashForm) -> Result<Option<Reply>, Malformed> {
    let (user, command) = read(&form)?;
    Ok(run(state, form, user, command).await)
}

/// [`handle`] once the form was read.
async fn run(state: &AppState, form: SlashForm, user: SlackUserId, command: Result<Command, UsageError>) -> Option<Reply> {
    let command = match command {
        Ok(command) => command,
        Err(usage) => {
            metrics::counter!("firebreak_commands_total", "command" => "invalid", "outcome" => "usage").increment(1);
            return Some(Reply::ephemeral(format!(":warning: {usage}")));
        }
    };
    let inv = Invocation {
        team: TeamId::new(form.team_id),
        user,
        channel: ChannelId::new(form.channel_id),
        source: Source::SlashCommand,
        cause: form.trigger_id,
        incident: None,
        response_url: form.response_url.clone(),
    };
    let name = command.name();
    let ctx = state.ctx.clone();
    if command.is_slow() {
        let started = Reply::ephemeral(format!(":hourglass_flowing_sand: Working on `/incident {name}`…"));
        dispatch::after_ack(&state.ctx, name, form.response_url, async move { command.execute(&ctx, &inv).await });
        return Some(started);
    }
    match dispatch::within_ack(&state.ctx, name, form.response_url, async move { command.execute(&ctx, &inv).await }).await {
        Ack::Now(reply) => reply,
        Ack::Later => Some(Reply::ephemeral(":hourglass_flowing_sand: Working on it…")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_cached_help_ack_is_the_rendered_help_reply() {
        let response = help_ack();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap_or_else(|e| panic!("{e}"));
        let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sent, render::response_body(&help_reply()));
        // What `Json` would have answered, byte for byte.
        let through_json = Json(render::response_body(&help_reply())).into_response();
        let expected = axum::body::to_bytes(through_json.into_body(), usize::MAX).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body, expected);
    }
}
