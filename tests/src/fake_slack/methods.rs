//! Routes a checked call to the method's behaviour; methods the bot does not use answer ok.

use serde_json::{Value, json};

use super::request::Args;
use super::state::State;
use super::{apps, chat, conversations, files, history, identity, pins};

/// Why a method refused a call.
#[derive(Debug)]
pub(super) struct Rejection {
    /// Slack's error code for the answer.
    pub(super) error: &'static str,
    /// Set when the caller broke Slack's contract (e.g. oversized blocks), rather than meeting
    /// an ordinary refusal a bot must handle (e.g. `name_taken`).
    pub(super) violation: Option<String>,
}

impl Rejection {
    /// An ordinary refusal.
    pub(super) fn slack(error: &'static str) -> Rejection {
        Rejection {
            error,
            violation: None,
        }
    }

    /// A refusal caused by breaking the contract; also listed in the violations.
    pub(super) fn contract(error: &'static str, why: impl Into<String>) -> Rejection {
        Rejection {
            error,
            violation: Some(why.into()),
        }
    }
}

/// The method's answer fields (an object, merged after `"ok": true`) or its refusal.
pub(super) type Outcome = Result<Value, Rejection>;

pub(super) fn dispatch(state: &mut State, method: &str, args: &Args) -> Outcome {
    match method {
        "auth.test" => Ok(identity::auth_test()),
        "apps.connections.open" => apps::connections_open(state),
        "users.info" => identity::users_info(state, args),
        "usergroups.users.list" => identity::usergroup_users(state, args),
        "conversations.create" => conversations::create(state, args),
        "conversations.invite" => conversations::invite(state, args),
        "conversations.setTopic" => conversations::set_topic(state, args),
        "conversations.info" => conversations::info(state, args),
        "conversations.members" => conversations::members(state, args),
        "conversations.history" => history::history(state, args),
        "conversations.replies" => history::replies(state, args),
        "reactions.get" => history::reactions_get(state, args),
        "chat.postMessage" => chat::post_message(state, args),
        "chat.update" => chat::update(state, args),
        "chat.postEphemeral" => chat::post_ephemeral(state, args),
        "chat.getPermalink" => chat::permalink(state, args),
        "pins.add" => pins::add(state, args),
        "files.getUploadURLExternal" => files::get_upload_url(state, args),
        "files.completeUploadExternal" => files::complete_upload(state, args),
        // Other methods pass the contract checks; their effects are not modelled.
        _ => Ok(json!({})),
    }
}
