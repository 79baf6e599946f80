//! Reading messages back: `conversations.history`, `conversations.replies` and
//! `reactions.get`, with Slack's ordering, `latest`/`oldest`/`inclusive` bounds and errors.

use serde_json::json;

use super::chat::message_json;
use super::methods::{Outcome, Rejection};
use super::model::{Channel, Message};
use super::request::Args;
use super::state::{BOT_USER, State};

/// Slack's default and largest page sizes for history reads.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 999;

/// A `ts` as a number of microseconds, so `"9.5"` and `"10.000001"` compare as times.
pub(super) fn micros(ts: &str) -> Option<i64> {
    let (seconds, fraction) = ts.split_once('.').unwrap_or((ts, "0"));
    let digits: String = fraction.chars().chain(std::iter::repeat('0')).take(6).collect();
    Some(seconds.parse::<i64>().ok()? * 1_000_000 + digits.parse::<i64>().ok()?)
}

/// The channel as the bot reads it: it must exist, be visible and have the bot as a member.
fn readable<'a>(state: &'a mut State, args: &Args) -> Result<&'a Channel, Rejection> {
    let id = args.non_empty("channel").ok_or(Rejection::slack("channel_not_found"))?;
    let record = state.visible_channel_mut(&id).ok_or(Rejection::slack("channel_not_found"))?;
    if !record.channel.has_member(BOT_USER) {
        return Err(Rejection::slack("not_in_channel"));
    }
    Ok(&record.channel)
}

fn limit(args: &Args) -> Result<usize, Rejection> {
    match args.text("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(text) => text.parse::<usize>().map(|n| n.clamp(1, MAX_LIMIT)).map_err(|_| Rejection::slack("invalid_limit")),
    }
}

/// Whether `ts` lies within the call's `oldest`/`latest` bounds.
fn in_bounds(args: &Args, ts: &str) -> Result<bool, Rejection> {
    let inclusive = args.text("inclusive").is_some_and(|flag| flag == "true" || flag == "1");
    let bound = |name: &str| -> Result<Option<i64>, Rejection> {
        args.non_empty(name).map(|t| micros(&t).ok_or(Rejection::slack("invalid_ts_latest"))).transpose()
    };
    let at = micros(ts).unwrap_or_default();
    let after_oldest = bound("oldest")?.is_none_or(|oldest| if inclusive { at >= oldest } else { at > oldest });
    let before_latest = bound("latest")?.is_none_or(|latest| if inclusive { at <= latest } else { at < latest });
    Ok(after_oldest && before_latest)
}

fn listed(args: &Args, messages: Vec<&Message>) -> Outcome {
    let limit = limit(args)?;
    // Slack returns messages' metadata only when asked to.
    let with_metadata = args.text("include_all_metadata").is_some_and(|flag| flag == "true" || flag == "1");
    let mut shown = Vec::new();
    for message in messages {
        if in_bounds(args, &message.ts)? {
            let mut json = message_json(message);
            if with_metadata && !message.metadata.is_null() {
                json["metadata"] = message.metadata.clone();
            }
            shown.push(json);
        }
    }
    let has_more = shown.len() > limit;
    shown.truncate(limit);
    Ok(json!({ "messages": shown, "has_more": has_more, "response_metadata": { "next_cursor": "" } }))
}

/// Top-level messages (thread replies stay in their threads), newest first.
pub(super) fn history(state: &mut State, args: &Args) -> Outcome {
    let channel = readable(state, args)?;
    let mut messages: Vec<&Message> = channel
        .messages
        .iter()
        .filter(|m| !m.ephemeral && m.thread_ts.as_ref().is_none_or(|parent| *parent == m.ts))
        .collect();
    messages.sort_by_key(|m| std::cmp::Reverse(micros(&m.ts)));
    listed(args, messages)
}

/// A thread, parent first: `ts` may name the parent or any reply.
pub(super) fn replies(state: &mut State, args: &Args) -> Outcome {
    let ts = args.non_empty("ts").ok_or(Rejection::slack("thread_not_found"))?;
    let channel = readable(state, args)?;
    let named = channel.message(&ts).filter(|m| !m.ephemeral).ok_or(Rejection::slack("thread_not_found"))?;
    let parent = named.thread_ts.clone().unwrap_or_else(|| named.ts.clone());
    let mut thread: Vec<&Message> = channel
        .messages
        .iter()
        .filter(|m| !m.ephemeral && (m.ts == parent || m.thread_ts.as_deref() == Some(parent.as_str())))
        .collect();
    thread.sort_by_key(|m| micros(&m.ts));
    listed(args, thread)
}

/// The reactions on a message.
pub(super) fn reactions_get(state: &mut State, args: &Args) -> Outcome {
    let id = args.non_empty("channel").ok_or(Rejection::slack("channel_not_found"))?;
    let ts = args.non_empty("timestamp").ok_or(Rejection::slack("message_not_found"))?;
    let record = state.visible_channel_mut(&id).ok_or(Rejection::slack("channel_not_found"))?;
    let message = record.channel.message(&ts).filter(|m| !m.ephemeral).ok_or(Rejection::slack("message_not_found"))?;
    Ok(json!({ "type": "message", "channel": id, "message": message_json(message) }))
}

#[cfg(test)]
mod tests {
    use super::micros;

    #[test]
    fn timestamps_compare_as_times() {
        assert!(micros("9.5") < micros("10.000001"));
        assert_eq!(micros("1700000000.000100"), Some(1_700_000_000_000_100));
        assert_eq!(micros("x"), None);
    }
}
