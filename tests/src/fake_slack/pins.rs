//! `pins.add`: pinning a message of a channel.

use serde_json::json;

use super::methods::{Outcome, Rejection};
use super::request::Args;
use super::state::State;

/// Slack's limit on pins per channel.
const MAX_PINS: usize = 100;

pub(super) fn add(state: &mut State, args: &Args) -> Outcome {
    let channel_id = args.non_empty("channel").unwrap_or_default();
    let channel = &mut state
        .visible_channel_mut(&channel_id)
        .ok_or(Rejection::slack("channel_not_found"))?
        .channel;
    // The spec marks `timestamp` optional because files could be pinned too; a message needs it.
    let ts = args
        .non_empty("timestamp")
        .ok_or(Rejection::slack("no_item_specified"))?;
    let pinnable = channel
        .message(&ts)
        .is_some_and(|message| !message.ephemeral);
    if !pinnable {
        return Err(Rejection::slack("message_not_found"));
    }
    if channel.pins.contains(&ts) {
        return Err(Rejection::slack("already_pinned"));
    }
    if channel.pins.len() >= MAX_PINS {
        return Err(Rejection::slack("too_many_pins"));
    }
    channel.pins.push(ts);
    Ok(json!({}))
}
