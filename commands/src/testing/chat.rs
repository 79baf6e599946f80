//! A chat that records every call, with names that are taken and calls that are refused.

use std::collections::HashSet;
use std::sync::Mutex;

use async_trait::async_trait;

use super::lock;
use crate::ids::{ChannelId, MessageTs, SlackUserId};
use crate::ports::{Chat, ChatError, ChatMessage, CreatedChannel};
use crate::reply::Reply;

/// One call the fake chat received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCall {
    CreateChannel(String),
    Invite(ChannelId, Vec<SlackUserId>),
    SetTopic(ChannelId, String),
    Post(ChannelId, Reply),
    Update(ChannelId, MessageTs, Reply),
    Pin(ChannelId, MessageTs),
    PostInThread(ChannelId, MessageTs, Reply),
    UploadText(ChannelId, MessageTs, String, String),
    /// Channel, filename, content, comment.
    ShareText(ChannelId, String, String, String),
    Respond(String, Reply),
}

/// A chat that records calls; names in `taken` answer `NameTaken`; `fail` names call kinds
/// (`create_channel`, `invite`, `set_topic`, `post`, `update`, `pin`) that are refused.
#[derive(Debug, Default)]
pub struct RecordingChat {
    pub calls: Mutex<Vec<ChatCall>>,
    pub taken: Mutex<HashSet<String>>,
    pub fail: Mutex<HashSet<&'static str>>,
    /// User group id → members.
    pub usergroups: Mutex<Vec<(String, Vec<SlackUserId>)>>,
    /// Messages people wrote, for `message`, `permalink` and `reacted_by`.
    pub messages: Mutex<Vec<FakeMessage>>,
}

/// A message people wrote in a channel, with its reactions.
#[derive(Debug, Clone)]
pub struct FakeMessage {
    pub channel: ChannelId,
    pub message: ChatMessage,
    /// Emoji name → who reacted with it.
    pub reactions: Vec<(String, Vec<SlackUserId>)>,
}

impl RecordingChat {
    pub fn calls(&self) -> Vec<ChatCall> {
        lock(&self.calls).clone()
    }

    /// Adds a message `author` wrote in `channel` at `ts`.
    pub fn add_message(&self, channel: &str, ts: &str, author: &str, text: &str) {
        lock(&self.messages).push(FakeMessage {
            channel: ChannelId::new(channel),
            message: ChatMessage { ts: MessageTs::new(ts), author: SlackUserId::parse(author), text: text.to_owned() },
            reactions: Vec::new(),
        });
    }

    /// Sets who has reacted with `emoji` to message `ts`.
    pub fn set_reactions(&self, ts: &str, emoji: &str, users: &[&str]) {
        let mut messages = lock(&self.messages);
        if let Some(found) = messages.iter_mut().find(|m| m.message.ts.as_str() == ts) {
            found.reactions.retain(|(name, _)| name != emoji);
            found.reactions.push((emoji.to_owned(), users.iter().filter_map(|u| SlackUserId::parse(u)).collect()));
        }
    }

    /// Changes the text of message `ts`.
    pub fn edit_message(&self, ts: &str, text: &str) {
        if let Some(found) = lock(&self.messages).iter_mut().find(|m| m.message.ts.as_str() == ts) {
            found.message.text = text.to_owned();
        }
    }

    fn record(&self, kind: &'static str, call: ChatCall) -> Result<(), ChatError> {
        lock(&self.calls).push(call);
        if lock(&self.fail).contains(kind) {
            return Err(ChatError::Refused(format!("{kind}_refused")));
        }
        Ok(())
    }
}

#[async_trait]
impl Chat for RecordingChat {
    async fn create_channel(&self, name: &str) -> Result<CreatedChannel, ChatError> {
        self.record("create_channel", ChatCall::CreateChannel(name.to_owned()))?;
        if !lock(&self.taken).insert(name.to_owned()) {
            return Err(ChatError::NameTaken);
        }
        Ok(CreatedChannel { id: ChannelId::new(format!("C{}", lock(&self.taken).len())), name: name.to_owned() })
    }
    async fn invite(&self, channel: &ChannelId, users: &[SlackUserId]) -> Result<(), ChatError> {
        self.record("invite", ChatCall::Invite(channel.clone(), users.to_vec()))
    }
    async fn set_topic(&self, channel: &ChannelId, topic: &str) -> Result<(), ChatError> {
        self.record("set_topic", ChatCall::SetTopic(channel.clone(), topic.to_owned()))
    }
    async fn post(&self, channel: &ChannelId, reply: &Reply) -> Result<MessageTs, ChatError> {
        self.record("post", ChatCall::Post(channel.clone(), reply.clone()))?;
        Ok(MessageTs::new(format!("1700000000.{:06}", lock(&self.calls).len())))
    }
    async fn update(&self, channel: &ChannelId, ts: &MessageTs, reply: &Reply) -> Result<(), ChatError> {
        self.record("update", ChatCall::Update(channel.clone(), ts.clone(), reply.clone()))
    }
    async fn pin(&self, channel: &ChannelId, ts: &MessageTs) -> Result<(), ChatError> {
        self.record("pin", ChatCall::Pin(channel.clone(), ts.clone()))
    }
    async fn post_in_thread(&self, channel: &ChannelId, thread: &MessageTs, reply: &Reply) -> Result<MessageTs, ChatError> {
        self.record("post_in_thread", ChatCall::PostInThread(channel.clone(), thread.clone(), reply.clone()))?;
        Ok(MessageTs::new(format!("1700000000.{:06}", lock(&self.calls).len())))
    }
    async fn upload_text(&self, channel: &ChannelId, thread: &MessageTs, filename: &str, content: &str) -> Result<(), ChatError> {
        self.record("upload_text", ChatCall::UploadText(channel.clone(), thread.clone(), filename.to_owned(), content.to_owned()))
    }
    async fn share_text(&self, channel: &ChannelId, filename: &str, content: &str, comment: &str) -> Result<(), ChatError> {
        self.record("share_text", ChatCall::ShareText(channel.clone(), filename.to_owned(), content.to_owned(), comment.to_owned()))
    }
    async fn message(&self, channel: &ChannelId, ts: &MessageTs) -> Result<Option<ChatMessage>, ChatError> {
        let messages = lock(&self.messages);
        Ok(messages.iter().find(|m| &m.channel == channel && &m.message.ts == ts).map(|m| m.message.clone()))
    }
    async fn permalink(&self, channel: &ChannelId, ts: &MessageTs) -> Result<String, ChatError> {
        Ok(format!("https://example.slack.com/archives/{channel}/p{}", ts.as_str().replace('.', "")))
    }
    async fn reacted_by(&self, channel: &ChannelId, ts: &MessageTs, emoji: &str) -> Result<Vec<SlackUserId>, ChatError> {
        let messages = lock(&self.messages);
        let found = messages.iter().find(|m| &m.channel == channel && &m.message.ts == ts).ok_or_else(|| ChatError::Refused("message_not_found".into()))?;
        Ok(found.reactions.iter().find(|(name, _)| name == emoji).map(|(_, users)| users.clone()).unwrap_or_default())
    }
    async fn identity(&self) -> Result<(crate::ids::TeamId, SlackUserId), ChatError> {
        Ok((crate::ids::TeamId::new("T0001"), SlackUserId::parse("UBOT").unwrap_or_else(|| panic!("bot id"))))
    }
    async fn usergroup_members(&self, group: &str) -> Result<Vec<SlackUserId>, ChatError> {
        let groups = lock(&self.usergroups);
        groups.iter().find(|(id, _)| id == group).map(|(_, m)| m.clone()).ok_or_else(|| ChatError::Refused("no_such_subteam".into()))
    }
    async fn respond(&self, response_url: &str, reply: &Reply) -> Result<(), ChatError> {
        self.record("respond", ChatCall::Respond(response_url.to_owned(), reply.clone()))
    }
}
