//! `POST /slack/interactions`: clicks on Firebreak's buttons (`block_actions`), also
//! delivered by Socket Mode.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use firebreak_commands::button::ButtonAction;
use firebreak_commands::ids::{ChannelId, SlackUserId, TeamId};
use firebreak_commands::reply::Reply;
use firebreak_commands::timeline::Source;
use firebreak_commands::Invocation;
use serde::Deserialize;

use super::dispatch;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
struct Form {
    payload: String,
}

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: String,
    user: User,
    team: Option<Id>,
    channel: Option<Id>,
    #[serde(default)]
    actions: Vec<Action>,
    response_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    id: String,
    team_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Id {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Action {
    action_id: String,
    #[serde(default)]
    value: String,
    action_ts: Option<String>,
}

fn bad_request(reason: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("malformed interaction payload: {reason}")).into_response()
}

/// A `block_actions` payload, read and checked: who clicked, where, and which buttons.
#[derive(Debug)]
pub(crate) struct Clicks {
    user: SlackUserId,
    team: String,
    channel: String,
    actions: Vec<Action>,
    response_url: Option<String>,
}

/// Reads an interaction payload without acting on it; `None` for kinds Firebreak ignores.
/// `Err` names what is malformed. (The fuzz targets call this through `crate::fuzzing`.)
pub(crate) fn decode(payload_json: &str) -> Result<Option<Clicks>, String> {
    let payload: Payload = serde_json::from_str(payload_json).map_err(|error| error.to_string())?;
    if payload.kind != "block_actions" {
        return Ok(None);
    }
    let user = SlackUserId::parse(&payload.user.id).ok_or("user.id is not a Slack user id")?;
    let team = payload.team.map(|t| t.id).or(payload.user.team_id).ok_or("no team id")?;
    let channel = payload.channel.map(|c| c.id).ok_or("no channel id")?;
    Ok(Some(Clicks { user, team, channel, actions: payload.actions, response_url: payload.response_url }))
}

/// The HTTP form's `payload` field (the interaction JSON).
pub(crate) fn form_payload(body: &[u8]) -> Result<String, String> {
    serde_urlencoded::from_bytes::<Form>(body).map(|form| form.payload).map_err(|error| error.to_string())
}

impl Clicks {
    /// Each button as Firebreak reads it (`Err` for a button it does not know).
    pub(crate) fn buttons(&self) -> impl Iterator<Item = Result<ButtonAction, firebreak_commands::button::UnknownButton>> + '_ {
        self.actions.iter().map(|action| ButtonAction::parse(&action.action_id, &action.value))
    }
}

/// Acks at once; the click runs as the user who clicked and answers through `response_url`.
pub async fn interaction(State(state): State<AppState>, body: Bytes) -> Response {
    let payload = match form_payload(&body) {
        Ok(payload) => payload,
        Err(error) => return bad_request(&error),
    };
    match handle(&state, &payload) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(reason) => bad_request(&reason),
    }
}

/// Starts the work of an interaction payload (the JSON that HTTP sends in the `payload` form
/// field and Socket Mode as the envelope's payload) and returns at once: the ack is empty.
/// `Err` names what is malformed.
pub fn handle(state: &AppState, payload_json: &str) -> Result<(), String> {
    let Some(clicks) = decode(payload_json)? else {
        // Shortcuts and modals are not Firebreak's yet: acknowledge so Slack shows no error.
        return Ok(());
    };
    for (action, button) in clicks.actions.iter().zip(clicks.buttons()) {
        let button = match button {
            Ok(button) => button,
            Err(unknown) => {
                let reply = Reply::ephemeral(format!(":warning: Firebreak does not know the button `{}`.", unknown.action));
                dispatch::after_ack(&state.ctx, "button", clicks.response_url.clone(), async move { Ok(Some(reply)) });
                continue;
            }
        };
        let inv = Invocation {
            team: TeamId::new(clicks.team.clone()),
            user: clicks.user.clone(),
            channel: ChannelId::new(clicks.channel.clone()),
            source: Source::Button,
            cause: action.action_ts.clone(),
            incident: Some(button.incident()),
            response_url: clicks.response_url.clone(),
        };
        let ctx = state.ctx.clone();
        let name = button.name();
        dispatch::after_ack(&state.ctx, name, clicks.response_url.clone(), async move { button.execute(&ctx, &inv).await });
    }
    Ok(())
}
