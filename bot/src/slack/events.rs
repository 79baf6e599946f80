//! `POST /slack/events`: the Events API. URL verification, and what people do in incident
//! channels — pin reactions, edits and deletions of pinned messages — for the timeline.
//!
//! A callback is handled within the ack budget when it can be (so the ack means "recorded"),
//! else acknowledged in time and finished after. Each delivery is claimed before it is handled
//! and marked done after ([`crate::dedup`]): one whose `event_id` was handled already (Slack's
//! retries, `X-Slack-Retry-Num`, on this replica or another) is acknowledged at once and not
//! handled again (`firebreak_slack_redeliveries_total{transport="events_api"}`); one that
//! another replica is handling right now is answered 503, so that Slack delivers it again
//! later — by then it is done, or that replica died and the redelivery is handled here
//! (`firebreak_slack_deliveries_deferred_total{transport="events_api"}`). One whose handling
//! failed within the budget (the database is down) is answered 503 too, and released, so that
//! Slack's retry records it once the database is back (logged as "event not recorded"); one
//! that fails after its ack is tried again here for about 15 s ([`super::late_retry`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use firebreak_commands::capture::ChannelActivity;
use firebreak_commands::ids::{ChannelId, MessageTs, SlackUserId, TeamId};
use serde::Deserialize;
use serde_json::json;

use super::dispatch::ACK_BUDGET;
use crate::dedup::Claim;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Envelope {
    UrlVerification { challenge: String },
    EventCallback { team_id: String, event_id: String, event: Event },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    ReactionAdded(Reaction),
    ReactionRemoved(Reaction),
    Message(MessageEvent),
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct Reaction {
    user: String,
    reaction: String,
    item: ReactionItem,
}

#[derive(Debug, Deserialize)]
struct ReactionItem {
    #[serde(rename = "type")]
    kind: String,
    channel: Option<String>,
    ts: Option<String>,
}

/// A `message` event; only the `message_changed` and `message_deleted` subtypes matter here.
#[derive(Debug, Deserialize)]
struct MessageEvent {
    subtype: Option<String>,
    channel: Option<String>,
    message: Option<ChangedMessage>,
    deleted_ts: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ChangedMessage {
    ts: String,
    #[serde(default)]
    text: String,
    edited: Option<Edited>,
}

#[derive(Debug, Deserialize)]
struct Edited {
    ts: String,
}

/// Answers Slack's URL verification and acknowledges event callbacks, handling them after.
pub async fn event(State(state): State<AppState>, body: Bytes) -> Response {
    handle(&state, &body).await
}

/// Handles one Events API envelope, whether it came over HTTP or as a Socket Mode payload,
/// and returns the ack.
pub async fn handle(state: &AppState, body: &[u8]) -> Response {
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope::UrlVerification { challenge }) => Json(json!({ "challenge": challenge })).into_response(),
        Ok(Envelope::EventCallback { team_id, event_id, event }) => {
            if let Some((channel, activity)) = activity(event) {
                let key = format!("event:{event_id}");
                match state.deliveries.claim(&key).await {
                    Claim::Handle => {}
                    Claim::Duplicate => {
                        metrics::counter!("firebreak_slack_redeliveries_total", "transport" => "events_api").increment(1);
                        tracing::debug!(slack.event_id = %event_id, "redelivered event acknowledged, not handled again");
                        return StatusCode::OK.into_response();
                    }
                    Claim::Elsewhere => return deferred(&event_id),
                }
                metrics::counter!("firebreak_slack_events_total", "kind" => kind(&activity)).increment(1);
                let (ctx, deliveries) = (state.ctx.clone(), state.deliveries.clone());
                let acked = Arc::new(AtomicBool::new(false));
                let acked_in_task = acked.clone();
                let mut task = ctx.background.clone().spawn(async move {
                    let team = TeamId::new(team_id);
                    match super::late_retry::record(&ctx, &team, &channel, activity, &acked_in_task).await {
                        Ok(outcome) => {
                            deliveries.done(&key).await;
                            tracing::debug!(slack.event_id = %event_id, ?outcome, "event handled");
                            true
                        }
                        Err(error) => {
                            // A later redelivery (or Slack's retry) may then record it.
                            deliveries.release(&key).await;
                            tracing::warn!(slack.event_id = %event_id, %error, "event not recorded");
                            false
                        }
                    }
                });
                // Past the budget the task goes on by itself (trying again if it fails: Slack
                // will not redeliver what it got a 200 for) and Slack gets its ack in time.
                match tokio::time::timeout(ACK_BUDGET, &mut task).await {
                    Ok(Ok(false)) => return not_recorded(),
                    Ok(_) => {}
                    Err(_) => acked.store(true, Ordering::Release),
                }
            }
            StatusCode::OK.into_response()
        }
        Ok(Envelope::Other) => StatusCode::OK.into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, format!("malformed event: {error}")).into_response(),
    }
}

/// The answer to a delivery another replica is handling: not a 2xx, so Slack retries it.
fn deferred(event_id: &str) -> Response {
    metrics::counter!("firebreak_slack_deliveries_deferred_total", "transport" => "events_api").increment(1);
    tracing::debug!(slack.event_id = %event_id, "event in hand on another replica; Slack is asked to deliver it again");
    (StatusCode::SERVICE_UNAVAILABLE, "this event is being handled by another Firebreak replica; deliver it again later").into_response()
}

/// The answer to a delivery that could not be recorded (the database is down, Slack could not
/// be read): not a 2xx, so that Slack delivers it again — its retries come after about a
/// minute and five — instead of Firebreak losing it behind an ack.
fn not_recorded() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "Firebreak could not record this event right now; deliver it again later").into_response()
}

/// The channel activity an event reports, if it is one Firebreak records.
fn activity(event: Event) -> Option<(ChannelId, ChannelActivity)> {
    match event {
        Event::ReactionAdded(r) | Event::ReactionRemoved(r) if r.item.kind != "message" => None,
        Event::ReactionAdded(Reaction { user, reaction, item }) => Some((
            ChannelId::new(item.channel?),
            ChannelActivity::ReactionAdded { user: SlackUserId::parse(&user)?, message: MessageTs::new(item.ts?), emoji: reaction },
        )),
        Event::ReactionRemoved(Reaction { user, reaction, item }) => Some((
            ChannelId::new(item.channel?),
            ChannelActivity::ReactionRemoved { user: SlackUserId::parse(&user)?, message: MessageTs::new(item.ts?), emoji: reaction },
        )),
        Event::Message(m) => {
            let channel = ChannelId::new(m.channel?);
            match m.subtype.as_deref() {
                Some("message_changed") => {
                    let changed = m.message?;
                    let edited_at = changed.edited.map(|e| MessageTs::new(e.ts));
                    Some((channel, ChannelActivity::MessageEdited { message: MessageTs::new(changed.ts), text: changed.text, edited_at }))
                }
                Some("message_deleted") => Some((channel, ChannelActivity::MessageDeleted { message: MessageTs::new(m.deleted_ts?) })),
                _ => None,
            }
        }
        Event::Other => None,
    }
}

fn kind(activity: &ChannelActivity) -> &'static str {
    match activity {
        ChannelActivity::ReactionAdded { .. } => "reaction_added",
        ChannelActivity::ReactionRemoved { .. } => "reaction_removed",
        ChannelActivity::MessageEdited { .. } => "message_changed",
        ChannelActivity::MessageDeleted { .. } => "message_deleted",
    }
}

/// Reads a body as `handle` does without acting on it: the kind of activity it reports, if
/// Firebreak records it. For the fuzz targets, through `crate::fuzzing`.
pub(crate) fn decode(body: &[u8]) -> Result<Option<&'static str>, serde_json::Error> {
    Ok(match serde_json::from_slice::<Envelope>(body)? {
        Envelope::EventCallback { event, .. } => activity(event).map(|(_, activity)| kind(&activity)),
        Envelope::UrlVerification { .. } | Envelope::Other => None,
    })
}
