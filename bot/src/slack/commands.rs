//! `POST /slack/commands`: the `/incident` slash command (also delivered by Socket Mode).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
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

/// Acknowledges at once with a parse error or a quick answer; slow work answers later.
pub async fn slash_command(State(state): State<AppState>, body: Bytes) -> Response {
    let form: SlashForm = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(error) => return bad_request(&error.to_string()),
    };
    match handle(&state, form).await {
        Ok(reply) => ack(reply),
        Err(malformed) => bad_request(malformed.0),
    }
}

/// Who asked and what they asked for, without running anything: `Err` when the form is
/// malformed, `Ok((_, Err))` when the text is not a command (the usage message answers it).
/// The fuzz targets call this through `crate::fuzzing`.
pub(crate) fn read(form: &SlashForm) -> Result<(SlackUserId, Result<Command, UsageError>), Malformed> {
    let user = SlackUserId::parse(&form.user_id).ok_or(Malformed("user_id is not a Slack user id"))?;
    Ok((user, Command::parse(&form.text)))
}

/// Why a slash command could not be read (HTTP answers 400).
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// Runs a decoded slash command within the ack budget, for both transports (HTTP and Socket
/// Mode); returns what the ack carries: a usage message, a quick answer, or "working on it".
pub async fn handle(state: &AppState, form: SlashForm) -> Result<Option<Reply>, Malformed> {
    let (user, command) = read(&form)?;
    let command = match command {
        Ok(command) => command,
        Err(usage) => {
            metrics::counter!("firebreak_commands_total", "command" => "invalid", "outcome" => "usage").increment(1);
            return Ok(Some(Reply::ephemeral(format!(":warning: {usage}"))));
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
        return Ok(Some(started));
    }
    match dispatch::within_ack(&state.ctx, name, form.response_url, async move { command.execute(&ctx, &inv).await }).await {
        Ack::Now(reply) => Ok(reply),
        Ack::Later => Ok(Some(Reply::ephemeral(":hourglass_flowing_sand: Working on it…"))),
    }
}
