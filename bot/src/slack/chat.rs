//! `SlackChat`: the `Chat` port straight over Slack's Web API (reads, and the Web API bodies
//! that the outbox queues), without the outbox's durability.

use async_trait::async_trait;
use std::sync::Arc;

use firebreak_commands::ids::{ChannelId, MessageTs, SlackUserId, TeamId};
use tokio::sync::OnceCell;
use firebreak_commands::ports::{Chat, ChatError, ChatMessage, CreatedChannel};
use firebreak_commands::reply::Reply;
use serde_json::{json, Value};

use super::render;
use super::upload::Share;
use super::web_api::SlackWebApi;

/// Firebreak's hands in Slack.
#[derive(Debug, Clone)]
pub struct SlackChat {
    api: SlackWebApi,
    /// Workspace and bot user, asked of `auth.test` once.
    identity: Arc<OnceCell<(TeamId, SlackUserId)>>,
}

impl SlackChat {
    pub fn new(api: SlackWebApi) -> Self {
        Self { api, identity: Arc::new(OnceCell::new()) }
    }
}

/// The Web API body of a message for `channel` (in the thread of `thread`, when given).
pub(crate) fn post_args(channel: &ChannelId, thread: Option<&MessageTs>, reply: &Reply) -> Value {
    let mut args = json!({ "channel": channel.as_str(), "text": render::text(reply), "blocks": render::blocks(reply) });
    if let Some(thread) = thread {
        args["thread_ts"] = json!(thread.as_str());
    }
    args
}

/// The Web API body that replaces message `ts` of `channel` with `reply`.
pub(crate) fn update_args(channel: &ChannelId, ts: &MessageTs, reply: &Reply) -> Value {
    json!({ "channel": channel.as_str(), "ts": ts.as_str(), "text": render::text(reply), "blocks": render::blocks(reply) })
}

/// The Web API body that invites `users` to `channel`.
pub(crate) fn invite_args(channel: &ChannelId, users: &[SlackUserId]) -> Value {
    let users: Vec<&str> = users.iter().map(SlackUserId::as_str).collect();
    json!({ "channel": channel.as_str(), "users": users.join(",") })
}

/// The `ts` of a posted message, from `chat.postMessage`'s answer.
pub(crate) fn posted_ts(answer: &Value) -> Result<MessageTs, ChatError> {
    Ok(MessageTs::new(field(answer, "/ts", "chat.postMessage")?))
}

/// The channel `conversations.create` made, from its answer.
pub(crate) fn created_channel(answer: &Value, asked_name: &str) -> Result<CreatedChannel, ChatError> {
    let id = field(answer, "/channel/id", "conversations.create")?;
    let name = answer.pointer("/channel/name").and_then(Value::as_str).unwrap_or(asked_name);
    Ok(CreatedChannel { id: ChannelId::new(id), name: name.to_owned() })
}

fn field<'a>(value: &'a Value, pointer: &str, method: &str) -> Result<&'a str, ChatError> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| ChatError::Refused(format!("{method} answered without {pointer}")))
}

#[async_trait]
impl Chat for SlackChat {
    async fn create_channel(&self, name: &str) -> Result<CreatedChannel, ChatError> {
        let answer = self.api.call("conversations.create", &json!({ "name": name, "is_private": false })).await?;
        created_channel(&answer, name)
    }

    async fn invite(&self, channel: &ChannelId, users: &[SlackUserId]) -> Result<(), ChatError> {
        match self.api.call("conversations.invite", &invite_args(channel, users)).await {
            // Everyone asked for is there already: the goal is met.
            Err(ChatError::Refused(code)) if code == "already_in_channel" => Ok(()),
            other => other.map(drop),
        }
    }

    async fn set_topic(&self, channel: &ChannelId, topic: &str) -> Result<(), ChatError> {
        self.api.call("conversations.setTopic", &json!({ "channel": channel.as_str(), "topic": topic })).await.map(drop)
    }

    async fn post(&self, channel: &ChannelId, reply: &Reply) -> Result<MessageTs, ChatError> {
        posted_ts(&self.api.call("chat.postMessage", &post_args(channel, None, reply)).await?)
    }

    async fn update(&self, channel: &ChannelId, ts: &MessageTs, reply: &Reply) -> Result<(), ChatError> {
        self.api.call("chat.update", &update_args(channel, ts, reply)).await.map(drop)
    }

    async fn pin(&self, channel: &ChannelId, ts: &MessageTs) -> Result<(), ChatError> {
        match self.api.call("pins.add", &json!({ "channel": channel.as_str(), "timestamp": ts.as_str() })).await {
            Err(ChatError::Refused(code)) if code == "already_pinned" => Ok(()),
            other => other.map(drop),
        }
    }

    async fn post_in_thread(&self, channel: &ChannelId, thread: &MessageTs, reply: &Reply) -> Result<MessageTs, ChatError> {
        posted_ts(&self.api.call("chat.postMessage", &post_args(channel, Some(thread), reply)).await?)
    }

    async fn upload_text(&self, channel: &ChannelId, thread: &MessageTs, filename: &str, content: &str) -> Result<(), ChatError> {
        self.api.upload_text(channel, Share::InThread(thread), filename, content).await
    }

    async fn share_text(&self, channel: &ChannelId, filename: &str, content: &str, comment: &str) -> Result<(), ChatError> {
        self.api.upload_text(channel, Share::WithComment(comment), filename, content).await
    }

    async fn message(&self, channel: &ChannelId, ts: &MessageTs) -> Result<Option<ChatMessage>, ChatError> {
        self.api.message(channel, ts).await
    }

    async fn permalink(&self, channel: &ChannelId, ts: &MessageTs) -> Result<String, ChatError> {
        self.api.permalink(channel, ts).await
    }

    async fn reacted_by(&self, channel: &ChannelId, ts: &MessageTs, emoji: &str) -> Result<Vec<SlackUserId>, ChatError> {
        self.api.reacted_by(channel, ts, emoji).await
    }

    async fn identity(&self) -> Result<(TeamId, SlackUserId), ChatError> {
        let found = self
            .identity
            .get_or_try_init(|| async {
                let answer = self.api.call("auth.test", &json!({})).await?;
                let team = TeamId::new(field(&answer, "/team_id", "auth.test")?);
                let user = SlackUserId::parse(field(&answer, "/user_id", "auth.test")?)
                    .ok_or_else(|| ChatError::Refused("auth.test answered an odd user_id".into()))?;
                Ok::<_, ChatError>((team, user))
            })
            .await?;
        Ok(found.clone())
    }

    async fn usergroup_members(&self, group: &str) -> Result<Vec<SlackUserId>, ChatError> {
        self.api.usergroup_members(group).await
    }

    async fn respond(&self, response_url: &str, reply: &Reply) -> Result<(), ChatError> {
        Ok(self.api.respond(response_url, &render::response_body(reply)).await?)
    }
}
