//! `chat.*`: posting, updating and ephemeral messages, and permalinks.

use serde_json::{Value, json};

use super::blocks;
use super::methods::{Outcome, Rejection};
use super::model::Message;
use super::request::Args;
use super::state::{APP_ID, BOT_ID, BOT_USER, State, TEAM_ID};

/// Slack refuses message text longer than this with `msg_too_long`.
const MAX_TEXT_CHARS: usize = 40_000;

pub(super) fn post_message(state: &mut State, args: &Args) -> Outcome {
    let (text, blocks) = content(args)?;
    let index = target(state, &args.non_empty("channel").unwrap_or_default())?;
    let ts = state.next_ts();
    let mut message = Message::new(ts.clone(), text, blocks);
    message.thread_ts = args.non_empty("thread_ts");
    message.metadata = metadata(args)?;
    let answer = message_json(&message);
    let channel = &mut state.channels[index].channel;
    channel.messages.push(message);
    Ok(json!({ "channel": channel.id, "ts": ts, "message": answer }))
}

pub(super) fn post_ephemeral(state: &mut State, args: &Args) -> Outcome {
    let (text, blocks) = content(args)?;
    let user = args.non_empty("user").unwrap_or_default();
    if !state.user_known(&user) {
        return Err(Rejection::slack("user_not_found"));
    }
    let index = target(state, &args.non_empty("channel").unwrap_or_default())?;
    if !state.channels[index].channel.has_member(&user) {
        return Err(Rejection::slack("user_not_in_channel"));
    }
    let ts = state.next_ts();
    let mut message = Message::new(ts.clone(), text, blocks);
    message.user = Some(user);
    message.ephemeral = true;
    message.thread_ts = args.non_empty("thread_ts");
    state.channels[index].channel.messages.push(message);
    Ok(json!({ "message_ts": ts }))
}

pub(super) fn update(state: &mut State, args: &Args) -> Outcome {
    // Slack keeps what an update leaves out: no `blocks` keeps the blocks, `[]` removes them.
    let blocks = match args.get("blocks") {
        Some(sent) => Some(blocks::parse(Some(sent))?),
        None => None,
    };
    let text = args.text("text");
    let no_text = text.as_deref().is_none_or(str::is_empty);
    if no_text && blocks.is_none() && args.get("attachments").is_none() {
        return Err(Rejection::slack("no_text"));
    }
    if let Some(text) = &text {
        check_length(text)?;
    }
    let channel_id = args.non_empty("channel").unwrap_or_default();
    let ts = args.non_empty("ts").unwrap_or_default();
    let channel = &mut state
        .visible_channel_mut(&channel_id)
        .ok_or(Rejection::slack("channel_not_found"))?
        .channel;
    // Ephemeral messages live only in the recipient's client; Slack cannot find them.
    let message = channel
        .messages
        .iter_mut()
        .find(|message| message.ts == ts && !message.ephemeral)
        .ok_or(Rejection::slack("message_not_found"))?;
    if let Some(text) = text {
        message.text = text;
    }
    if let Some(blocks) = blocks {
        message.blocks = blocks;
    }
    message.edits += 1;
    let mut answer = message_json(message);
    if let Value::Object(fields) = &mut answer {
        fields.insert("edited".to_owned(), json!({ "user": BOT_USER, "ts": ts }));
    }
    Ok(json!({
        "channel": channel.id,
        "ts": ts,
        "text": message.text,
        "message": answer,
    }))
}

pub(super) fn permalink(state: &mut State, args: &Args) -> Outcome {
    let channel_id = args.non_empty("channel").unwrap_or_default();
    let ts = args.non_empty("message_ts").unwrap_or_default();
    let channel = &state
        .visible_channel_mut(&channel_id)
        .ok_or(Rejection::slack("channel_not_found"))?
        .channel;
    let message = channel
        .message(&ts)
        .filter(|message| !message.ephemeral)
        .ok_or(Rejection::slack("message_not_found"))?;
    let mut permalink = format!(
        "https://fake.slack.com/archives/{}/p{}",
        channel.id,
        ts.replace('.', "")
    );
    if let Some(parent) = &message.thread_ts {
        permalink.push_str(&format!("?thread_ts={parent}&cid={}", channel.id));
    }
    Ok(json!({ "channel": channel.id, "permalink": permalink }))
}

/// `metadata` as Slack takes it: an object, or its JSON text in a form; it needs an
/// `event_type` and an `event_payload` object.
fn metadata(args: &Args) -> Result<Value, Rejection> {
    let metadata = match args.get("metadata") {
        None => return Ok(Value::Null),
        Some(Value::String(text)) => serde_json::from_str(text).map_err(|_| Rejection::slack("invalid_metadata_format"))?,
        Some(other) => other.clone(),
    };
    let has_type = metadata.get("event_type").and_then(Value::as_str).is_some_and(|t| !t.is_empty());
    let has_payload = metadata.get("event_payload").is_some_and(Value::is_object);
    if !has_type || !has_payload {
        return Err(Rejection::contract("invalid_metadata_schema", "metadata needs an event_type and an event_payload object".to_owned()));
    }
    Ok(metadata)
}

/// A message's text and blocks, refused as Slack does when there is nothing to show.
fn content(args: &Args) -> Result<(String, Value), Rejection> {
    let blocks = blocks::parse(args.get("blocks"))?;
    let text = args.text("text").unwrap_or_default();
    let has_attachments = args.get("attachments").is_some();
    if text.is_empty() && blocks.is_null() && !has_attachments {
        return Err(Rejection::slack("no_text"));
    }
    check_length(&text)?;
    Ok((text, blocks))
}

fn check_length(text: &str) -> Result<(), Rejection> {
    let count = text.chars().count();
    if count > MAX_TEXT_CHARS {
        return Err(Rejection::contract(
            "msg_too_long",
            format!("text has {count} characters, Slack allows {MAX_TEXT_CHARS}"),
        ));
    }
    Ok(())
}

/// Where a message goes, as an index in `state.channels`: a channel id, a channel name
/// (`#name` or `name`, which Slack also accepts), or a user id, which opens the DM.
fn target(state: &mut State, channel: &str) -> Result<usize, Rejection> {
    let by_id = state
        .channels
        .iter()
        .position(|record| record.channel.id == channel && record.visible_to_bot());
    if let Some(index) = by_id {
        return Ok(index);
    }
    let name = channel.strip_prefix('#').unwrap_or(channel);
    let by_name = state
        .channels
        .iter()
        .position(|record| !record.is_im && record.channel.name == name && record.visible_to_bot());
    if let Some(index) = by_name {
        return Ok(index);
    }
    let is_user_id = channel.starts_with('U') || channel.starts_with('W');
    if is_user_id && state.user_known(channel) {
        return Ok(state.open_im(channel));
    }
    Err(Rejection::slack("channel_not_found"))
}

/// A message as Slack echoes it back to the bot that posted it.
pub(super) fn message_json(message: &Message) -> Value {
    let mut answer = match &message.author {
        Some(author) => json!({ "type": "message", "text": message.text, "user": author, "team": TEAM_ID, "ts": message.ts }),
        None => json!({
            "type": "message",
            "text": message.text,
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": message.ts,
        }),
    };
    if let Value::Object(fields) = &mut answer {
        if !message.reactions.is_empty() {
            let reactions: Vec<Value> = message
                .reactions
                .iter()
                .map(|(name, users)| json!({ "name": name, "users": users, "count": users.len() }))
                .collect();
            fields.insert("reactions".to_owned(), Value::Array(reactions));
        }
        if !message.blocks.is_null() {
            fields.insert("blocks".to_owned(), message.blocks.clone());
        }
        if let Some(parent) = &message.thread_ts {
            fields.insert("thread_ts".to_owned(), json!(parent));
        }
    }
    answer
}
