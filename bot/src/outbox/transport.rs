//! Executing one stored call against Slack, and recognising a post that an earlier attempt
//! delivered although its sender never learnt so (it died mid-call, or Slack answered 5xx).

use firebreak_commands::ids::{ChannelId, MessageTs};
use firebreak_commands::ports::ChatError;
use serde_json::{Value, json};

use super::{Queued, RESPOND, UPLOAD_TEXT};
use crate::slack::upload::Share;
use crate::slack::web_api::{Failure, SlackWebApi};

/// `metadata.event_type` of every message the outbox posts; `event_payload.outbox_id` names the row.
pub(super) const METADATA_EVENT: &str = "firebreak_outbox";
const POST: &str = "chat.postMessage";

/// Sends `call` once; `Ok` holds Slack's answer.
pub(super) async fn send(api: &SlackWebApi, call: &Queued) -> Result<Value, Failure> {
    let answer = match call.method.as_str() {
        RESPOND => {
            let url = text(&call.args, "url");
            api.respond(&url, call.args.get("body").unwrap_or(&Value::Null)).await.map(|()| json!({ "ok": true }))
        }
        UPLOAD_TEXT => upload(api, &call.args).await.map(|()| json!({ "ok": true })),
        POST => {
            let mut args = call.args.clone();
            args["metadata"] = json!({ "event_type": METADATA_EVENT, "event_payload": { "outbox_id": call.id } });
            api.call_once(POST, &args).await
        }
        method => api.call_once(method, &call.args).await,
    };
    match answer {
        // What was asked for holds already: the goal is met.
        Err(Failure::Refused(code)) if is_goal_met(&call.method, &code) => Ok(json!({ "ok": true, "already": code })),
        other => other,
    }
}

fn is_goal_met(method: &str, code: &str) -> bool {
    matches!((method, code), ("conversations.invite", "already_in_channel") | ("pins.add", "already_pinned"))
}

async fn upload(api: &SlackWebApi, args: &Value) -> Result<(), Failure> {
    let channel = ChannelId::new(text(args, "channel"));
    let thread = args.get("thread_ts").and_then(Value::as_str).map(MessageTs::new);
    let comment = text(args, "comment");
    let share = match &thread {
        Some(thread) => Share::InThread(thread),
        None => Share::WithComment(&comment),
    };
    api.upload_text(&channel, share, &text(args, "filename"), &text(args, "content")).await.map_err(|error| match error {
        ChatError::NameTaken => Failure::Refused("name_taken".to_owned()),
        ChatError::Refused(code) => Failure::Refused(code),
        ChatError::Unavailable(reason) => Failure::Unavailable(reason),
    })
}

fn text(args: &Value, name: &str) -> String {
    args.get(name).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Whether post `call`, started at `since_ms`, is in its channel already: then Slack's answer
/// as `chat.postMessage` would have given it. `None` also when the channel cannot be read
/// (a DM by user id): then the post is sent again, at least once rather than never.
pub(super) async fn already_posted(api: &SlackWebApi, call: &Queued, since_ms: i64) -> Result<Option<Value>, Failure> {
    if call.method != POST {
        return Ok(None);
    }
    let channel = text(&call.args, "channel");
    let oldest_ms = since_ms - 5_000;
    let oldest = format!("{}.{:06}", oldest_ms.div_euclid(1000), oldest_ms.rem_euclid(1000) * 1000);
    let thread = call.args.get("thread_ts").and_then(Value::as_str).map(str::to_owned);
    let mut params = vec![("channel", channel.as_str()), ("oldest", oldest.as_str()), ("include_all_metadata", "true"), ("limit", "200")];
    let method = match &thread {
        Some(thread) => {
            params.push(("ts", thread.as_str()));
            "conversations.replies"
        }
        None => "conversations.history",
    };
    let answer = match api.get_once(method, &params).await {
        Ok(answer) => answer,
        Err(Failure::Refused(_)) => return Ok(None),
        Err(other) => return Err(other),
    };
    let messages = answer.get("messages").and_then(Value::as_array).cloned().unwrap_or_default();
    let found = messages.iter().find(|m| {
        m.pointer("/metadata/event_type").and_then(Value::as_str) == Some(METADATA_EVENT)
            && m.pointer("/metadata/event_payload/outbox_id").and_then(Value::as_i64) == Some(call.id)
    });
    Ok(found.map(|m| json!({ "ok": true, "channel": channel, "ts": m.get("ts").cloned().unwrap_or(Value::Null), "recovered": true })))
}
