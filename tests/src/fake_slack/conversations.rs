//! `conversations.*`: creating channels under Slack's name rules, inviting, topics, lookups.

use serde_json::{Value, json};

use super::methods::{Outcome, Rejection};
use super::request::Args;
use super::state::{BOT_USER, ChannelRecord, State, TEAM_ID};

/// Slack's limits on channel names and topics.
const MAX_NAME_CHARS: usize = 80;
const MAX_TOPIC_CHARS: usize = 250;

pub(super) fn create(state: &mut State, args: &Args) -> Outcome {
    let name = args.text("name").unwrap_or_default();
    check_name(&name)?;
    if state.channel_by_name(&name).is_some() {
        return Err(Rejection::slack("name_taken"));
    }
    let is_private = args
        .text("is_private")
        .is_some_and(|flag| flag == "true" || flag == "1");
    let id = state.add_channel(&name, BOT_USER, is_private);
    let record = state
        .channel(&id)
        .ok_or(Rejection::slack("internal_error"))?;
    Ok(json!({ "channel": channel_json(record) }))
}

/// Slack's channel-name rules, in the order Slack reports them. Slack lowercases nothing for
/// API callers, so uppercase counts as a special character here.
fn check_name(name: &str) -> Result<(), Rejection> {
    if name.is_empty() {
        return Err(Rejection::slack("invalid_name_required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Rejection::slack("invalid_name_maxlength"));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if !name.chars().all(allowed) {
        return Err(Rejection::slack("invalid_name_specials"));
    }
    if !name.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(Rejection::slack("invalid_name_punctuation"));
    }
    Ok(())
}

pub(super) fn invite(state: &mut State, args: &Args) -> Outcome {
    let channel = args.non_empty("channel").unwrap_or_default();
    let users: Vec<String> = args
        .text("users")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|user| !user.is_empty())
        .map(str::to_owned)
        .collect();
    let unknown_user = users.iter().any(|user| !state.user_known(user));
    let record = state
        .visible_channel_mut(&channel)
        .ok_or(Rejection::slack("channel_not_found"))?;
    if users.is_empty() {
        return Err(Rejection::slack("no_user"));
    }
    if unknown_user {
        return Err(Rejection::slack("user_not_found"));
    }
    if record.is_im {
        return Err(Rejection::slack("method_not_supported_for_channel_type"));
    }
    // Only members may invite, and the bot acts as itself.
    if !record.channel.has_member(BOT_USER) {
        return Err(Rejection::slack("not_in_channel"));
    }
    let members_before = record.channel.members.len();
    for user in users {
        // Checked per user so that a name listed twice joins once.
        if !record.channel.has_member(&user) {
            record.channel.members.push(user);
        }
    }
    if record.channel.members.len() == members_before {
        return Err(Rejection::slack("already_in_channel"));
    }
    Ok(json!({ "channel": channel_json(record) }))
}

pub(super) fn set_topic(state: &mut State, args: &Args) -> Outcome {
    let channel = args.non_empty("channel").unwrap_or_default();
    let topic = args.text("topic").unwrap_or_default();
    let record = state
        .visible_channel_mut(&channel)
        .ok_or(Rejection::slack("channel_not_found"))?;
    if topic.chars().count() > MAX_TOPIC_CHARS {
        return Err(Rejection::slack("too_long"));
    }
    if !record.channel.has_member(BOT_USER) {
        return Err(Rejection::slack("not_in_channel"));
    }
    record.channel.topic = topic;
    record.topic_set_by = BOT_USER.to_owned();
    record.topic_set_at = State::now_secs();
    Ok(json!({ "channel": channel_json(record) }))
}

pub(super) fn info(state: &mut State, args: &Args) -> Outcome {
    let channel = args.non_empty("channel").unwrap_or_default();
    let include_members = args
        .text("include_num_members")
        .is_some_and(|flag| flag == "true");
    let record = state
        .visible_channel_mut(&channel)
        .ok_or(Rejection::slack("channel_not_found"))?;
    let mut channel = channel_json(record);
    if include_members && let Value::Object(fields) = &mut channel {
        fields.insert(
            "num_members".to_owned(),
            json!(record.channel.members.len()),
        );
    }
    Ok(json!({ "channel": channel }))
}

pub(super) fn members(state: &mut State, args: &Args) -> Outcome {
    let channel = args.non_empty("channel").unwrap_or_default();
    let record = state
        .visible_channel_mut(&channel)
        .ok_or(Rejection::slack("channel_not_found"))?;
    // One page holds everyone: fake workspaces are far below Slack's page sizes.
    Ok(json!({
        "members": record.channel.members,
        "response_metadata": { "next_cursor": "" },
    }))
}

/// A conversation object as Slack returns it to the bot.
fn channel_json(record: &ChannelRecord) -> Value {
    let channel = &record.channel;
    if record.is_im {
        let user = channel.members.iter().find(|member| *member != BOT_USER);
        return json!({
            "id": channel.id,
            "created": record.created,
            "is_im": true,
            "is_org_shared": false,
            "user": user,
            "is_user_deleted": false,
            "priority": 0,
        });
    }
    json!({
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": true,
        "is_group": false,
        "is_im": false,
        "is_mpim": false,
        "is_private": record.is_private,
        "created": record.created,
        "creator": record.creator,
        "is_archived": false,
        "is_general": false,
        "unlinked": 0,
        "is_shared": false,
        "is_ext_shared": false,
        "is_org_shared": false,
        "shared_team_ids": [TEAM_ID],
        "pending_shared": [],
        "pending_connected_team_ids": [],
        "is_pending_ext_shared": false,
        "is_member": channel.has_member(BOT_USER),
        "topic": {
            "value": channel.topic,
            "creator": record.topic_set_by,
            "last_set": record.topic_set_at,
        },
        "purpose": { "value": "", "creator": "", "last_set": 0 },
        "previous_names": [],
        "context_team_id": TEAM_ID,
        "updated": record.created * 1000,
    })
}
