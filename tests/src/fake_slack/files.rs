//! Slack's external file upload: `files.getUploadURLExternal`, the upload URL it hands out,
//! then `files.completeUploadExternal`, which shares the file in a channel.

use serde_json::{Value, json};

use super::blocks;
use super::methods::{Outcome, Rejection};
use super::model::Message;
use super::reply::Reply;
use super::request::Args;
use super::state::{BOT_USER, FileRecord, State};

pub(super) fn get_upload_url(state: &mut State, args: &Args) -> Outcome {
    let name = args.non_empty("filename").unwrap_or_default();
    let length = args
        .text("length")
        .and_then(|length| length.parse::<usize>().ok())
        .filter(|length| *length > 0)
        .ok_or(Rejection::contract(
            "invalid_arguments",
            "`length` must be the file's size in bytes",
        ))?;
    let file_id = state.new_id('F');
    state.files.insert(
        file_id.clone(),
        FileRecord {
            name,
            length,
            uploaded: None,
            content: Vec::new(),
        },
    );
    Ok(json!({
        "upload_url": format!("{}/upload/{file_id}", state.base_url),
        "file_id": file_id,
    }))
}

/// The bytes POSTed to an upload URL; Slack answers those with plain HTTP, not the Web API.
pub(super) fn receive_upload(state: &mut State, file_id: &str, bytes: &[u8]) -> Reply {
    let Some(file) = state.files.get_mut(file_id) else {
        state.violation(format!("upload to unknown file id {file_id}"));
        return Reply::error(404, "file_not_found");
    };
    file.uploaded = Some(bytes.len());
    file.content = bytes.to_vec();
    Reply::ok(Value::Null)
}

pub(super) fn complete_upload(state: &mut State, args: &Args) -> Outcome {
    let files = listed_files(args)?;
    for (id, _) in &files {
        let Some(file) = state.files.get(id) else {
            return Err(Rejection::slack("file_not_found"));
        };
        match file.uploaded {
            None => {
                return Err(Rejection::contract(
                    "file_not_found",
                    format!("{id} completed before its upload"),
                ));
            }
            Some(bytes) if bytes != file.length => {
                return Err(Rejection::contract(
                    "file_upload_size_mismatch",
                    format!("{id}: announced {} bytes, uploaded {bytes}", file.length),
                ));
            }
            Some(_) => {}
        }
    }
    let channels: Vec<String> = args
        .non_empty("channel_id")
        .or_else(|| args.non_empty("channels"))
        .map(|list| list.split(',').map(|id| id.trim().to_owned()).collect())
        .unwrap_or_default();
    // Every channel is checked before any is shared with, so a refusal changes nothing.
    let unknown = |id: &String| {
        !state
            .channel(id)
            .is_some_and(|record| record.visible_to_bot())
    };
    if channels.iter().any(unknown) {
        return Err(Rejection::slack("channel_not_found"));
    }
    let blocks = blocks::parse(args.get("blocks"))?;
    for channel in &channels {
        share(state, channel, &files, &blocks, args);
    }
    let answer: Vec<Value> = files
        .iter()
        .map(|(id, title)| {
            let name = state.files.get(id).map(|file| file.name.clone());
            json!({ "id": id, "name": name, "title": title.clone().or(name.clone()), "user": BOT_USER })
        })
        .collect();
    Ok(json!({ "files": answer }))
}

/// `files`: a JSON array (or JSON-encoded string) of `{"id", "title"}` objects.
fn listed_files(args: &Args) -> Result<Vec<(String, Option<String>)>, Rejection> {
    let bad = |why: &str| Rejection::contract("invalid_arguments", format!("`files`: {why}"));
    let value = match args.get("files") {
        Some(Value::String(text)) => serde_json::from_str(text).map_err(|_| bad("not JSON"))?,
        Some(other) => other.clone(),
        None => return Err(bad("missing")),
    };
    let list = value
        .as_array()
        .filter(|list| !list.is_empty())
        .ok_or_else(|| bad("not a non-empty array"))?;
    list.iter()
        .map(|file| {
            let id = file
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("entry without `id`"))?;
            let title = file.get("title").and_then(Value::as_str).map(str::to_owned);
            Ok((id.to_owned(), title))
        })
        .collect()
}

/// Posts the message that shares the files, as Slack does on completion.
fn share(
    state: &mut State,
    channel: &str,
    files: &[(String, Option<String>)],
    blocks: &Value,
    args: &Args,
) {
    let ts = state.next_ts();
    let text = args.text("initial_comment").unwrap_or_default();
    let mut message = Message::new(ts, text, blocks.clone());
    message.thread_ts = args.non_empty("thread_ts");
    message.files = files.iter().map(|(id, _)| id.clone()).collect();
    if let Some(record) = state.visible_channel_mut(channel) {
        record.channel.messages.push(message);
    }
}
