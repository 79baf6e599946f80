//! `ConsoleChat`: the `Chat` port over the console's in-memory workspace. Messages are stored
//! as the Block Kit `bot::slack::render` makes for Slack, so the page shows what Slack would.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use firebreak_commands::ids::{ChannelId, MessageTs, SlackUserId, TeamId};
use firebreak_commands::ports::{Chat, ChatError, ChatMessage, CreatedChannel};
use firebreak_commands::reply::Reply;
use serde_json::Value;

use super::workspace::{Author, Workspace, BOT_USER, TEAM};
use crate::slack::render;

/// Where a reply to an interaction goes: Slack's `response_url`, in console form
/// (`console:respond/<channel>/<user>/<message ts or ->`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseUrl {
    pub channel: String,
    pub user: String,
    /// The message the button was on; `None` for a slash command.
    pub message: Option<String>,
}

const RESPONSE_PREFIX: &str = "console:respond/";

impl ResponseUrl {
    pub fn parse(url: &str) -> Option<Self> {
        let mut parts = url.strip_prefix(RESPONSE_PREFIX)?.split('/');
        let (channel, user, message) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || channel.is_empty() || user.is_empty() {
            return None;
        }
        let message = (message != "-").then(|| message.to_owned());
        Some(Self { channel: channel.to_owned(), user: user.to_owned(), message })
    }
}

impl std::fmt::Display for ResponseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{RESPONSE_PREFIX}{}/{}/{}", self.channel, self.user, self.message.as_deref().unwrap_or("-"))
    }
}

/// Firebreak's hands in the console workspace.
#[derive(Debug, Clone)]
pub struct ConsoleChat {
    workspace: Arc<Workspace>,
    /// `http://localhost:<port>`, known once the port is bound (for permalinks).
    base_url: Arc<OnceLock<String>>,
}

impl ConsoleChat {
    pub fn new(workspace: Arc<Workspace>, base_url: Arc<OnceLock<String>>) -> Self {
        Self { workspace, base_url }
    }
}

#[async_trait]
impl Chat for ConsoleChat {
    async fn create_channel(&self, name: &str) -> Result<CreatedChannel, ChatError> {
        match self.workspace.create_channel(name) {
            Ok(channel) => Ok(CreatedChannel { id: ChannelId::new(channel.id), name: channel.name }),
            Err(ChatError::Refused(code)) if code == "name_taken" => Err(ChatError::NameTaken),
            Err(error) => Err(error),
        }
    }

    async fn invite(&self, channel: &ChannelId, users: &[SlackUserId]) -> Result<(), ChatError> {
        let users: Vec<String> = users.iter().map(|u| u.as_str().to_owned()).collect();
        self.workspace.invite(channel.as_str(), &users)
    }

    async fn set_topic(&self, channel: &ChannelId, topic: &str) -> Result<(), ChatError> {
        self.workspace.set_topic(channel.as_str(), topic)
    }

    async fn post(&self, channel: &ChannelId, reply: &Reply) -> Result<MessageTs, ChatError> {
        self.workspace.post(channel.as_str(), Author::Bot, &render::text(reply), render::blocks(reply), None).map(MessageTs::new)
    }

    async fn update(&self, channel: &ChannelId, ts: &MessageTs, reply: &Reply) -> Result<(), ChatError> {
        self.workspace.update(channel.as_str(), ts.as_str(), &render::text(reply), render::blocks(reply))
    }

    async fn pin(&self, channel: &ChannelId, ts: &MessageTs) -> Result<(), ChatError> {
        match self.workspace.pin(channel.as_str(), ts.as_str()) {
            Err(ChatError::Refused(code)) if code == "already_pinned" => Ok(()),
            other => other,
        }
    }

    async fn post_in_thread(&self, channel: &ChannelId, thread: &MessageTs, reply: &Reply) -> Result<MessageTs, ChatError> {
        let posted = self.workspace.post(channel.as_str(), Author::Bot, &render::text(reply), render::blocks(reply), Some(thread.as_str()));
        posted.map(MessageTs::new)
    }

    async fn upload_text(&self, channel: &ChannelId, thread: &MessageTs, filename: &str, content: &str) -> Result<(), ChatError> {
        self.workspace.upload(channel.as_str(), Some(thread.as_str()), filename, content, "").map(drop)
    }

    async fn share_text(&self, channel: &ChannelId, filename: &str, content: &str, comment: &str) -> Result<(), ChatError> {
        self.workspace.upload(channel.as_str(), None, filename, content, comment).map(drop)
    }

    async fn message(&self, channel: &ChannelId, ts: &MessageTs) -> Result<Option<ChatMessage>, ChatError> {
        let channel = self.workspace.channel(channel.as_str()).ok_or_else(|| ChatError::Refused("channel_not_found".into()))?;
        Ok(channel.message(ts.as_str()).filter(|m| m.visible_to.is_none()).map(|m| ChatMessage {
            ts: MessageTs::new(m.ts.clone()),
            author: match &m.author {
                Author::User(id) => SlackUserId::parse(id),
                Author::Bot | Author::System => None,
            },
            text: m.text.clone(),
        }))
    }

    async fn permalink(&self, channel: &ChannelId, ts: &MessageTs) -> Result<String, ChatError> {
        let base = self.base_url.get().map_or("", String::as_str);
        Ok(format!("{base}/console?channel={}#m{}", channel.as_str(), ts.as_str().replace('.', "-")))
    }

    async fn reacted_by(&self, _channel: &ChannelId, _ts: &MessageTs, _emoji: &str) -> Result<Vec<SlackUserId>, ChatError> {
        // The console has no reactions: nobody has reacted.
        Ok(vec![])
    }

    async fn identity(&self) -> Result<(TeamId, SlackUserId), ChatError> {
        let bot = SlackUserId::parse(BOT_USER).ok_or_else(|| ChatError::Refused("bad bot user id".into()))?;
        Ok((TeamId::new(TEAM), bot))
    }

    async fn usergroup_members(&self, _group: &str) -> Result<Vec<SlackUserId>, ChatError> {
        // The console workspace has no user groups.
        Ok(vec![])
    }

    async fn respond(&self, response_url: &str, reply: &Reply) -> Result<(), ChatError> {
        let url = ResponseUrl::parse(response_url).ok_or_else(|| ChatError::Refused("invalid response_url".into()))?;
        deliver(&self.workspace, &url, &render::response_body(reply))
    }
}

/// Does with a `response_url` body what Slack does: replace the message the button was on,
/// post in the channel for everyone, or show an ephemeral message to the person who asked.
pub fn deliver(workspace: &Workspace, url: &ResponseUrl, body: &Value) -> Result<(), ChatError> {
    let text = body["text"].as_str().unwrap_or_default();
    let blocks = body.get("blocks").cloned().unwrap_or(Value::Array(vec![]));
    let replace = body["replace_original"].as_bool().unwrap_or(false);
    match (&url.message, replace) {
        (Some(ts), true) => workspace.update(&url.channel, ts, text, blocks),
        _ if body["response_type"] == "in_channel" => workspace.post(&url.channel, Author::Bot, text, blocks, None).map(drop),
        _ => workspace.post_ephemeral(&url.channel, &url.user, text, blocks).map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_urls_round_trip_and_reject_anything_else() {
        let url = ResponseUrl { channel: "C0GENERAL".into(), user: "U0CONSOLE".into(), message: Some("1700000000.000001".into()) };
        assert_eq!(ResponseUrl::parse(&url.to_string()), Some(url));
        let slash = ResponseUrl { channel: "C1".into(), user: "U1".into(), message: None };
        assert_eq!(ResponseUrl::parse(&slash.to_string()), Some(slash));
        for bad in ["https://hooks.slack.com/x", "console:respond/C1/U1", "console:respond/C1/U1/-/x", "console:respond//U1/-"] {
            assert_eq!(ResponseUrl::parse(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn responses_replace_post_or_whisper_as_slack_does() {
        let workspace = Arc::new(Workspace::new(&["U0CONSOLE"], &[]));
        let chat = ConsoleChat::new(workspace.clone(), Arc::default());
        let card = chat.post(&ChannelId::new("C0GENERAL"), &Reply::in_channel("card")).await.unwrap_or_else(|e| panic!("{e}"));
        let on_card = ResponseUrl { channel: "C0GENERAL".into(), user: "U0CONSOLE".into(), message: Some(card.as_str().to_owned()) }.to_string();
        let replacement = Reply { replace_original: true, ..Reply::in_channel("replaced") };
        chat.respond(&on_card, &replacement).await.unwrap_or_else(|e| panic!("{e}"));
        chat.respond(&on_card, &Reply::ephemeral("just you")).await.unwrap_or_else(|e| panic!("{e}"));
        chat.respond(&on_card, &Reply::in_channel("everyone")).await.unwrap_or_else(|e| panic!("{e}"));
        let general = workspace.channel("C0GENERAL").unwrap_or_else(|| panic!("general"));
        let seen: Vec<(&str, Option<&str>)> = general.messages.iter().map(|m| (m.text.as_str(), m.visible_to.as_deref())).collect();
        assert_eq!(seen, [("replaced", None), ("just you", Some("U0CONSOLE")), ("everyone", None)]);
        assert_eq!(general.messages[0].blocks[0]["text"]["text"], "replaced", "stored as the Block Kit Slack gets");
        assert!(chat.respond("https://hooks.slack.com/commands/x", &Reply::ephemeral("x")).await.is_err());
    }

    #[tokio::test]
    async fn a_taken_name_is_name_taken_and_the_identity_is_the_console_workspace() {
        let chat = ConsoleChat::new(Arc::new(Workspace::new(&[], &[])), Arc::default());
        assert_eq!(chat.create_channel("general").await.err(), Some(ChatError::NameTaken));
        let (team, bot) = chat.identity().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((team.as_str(), bot.as_str()), (TEAM, BOT_USER));
    }
}
