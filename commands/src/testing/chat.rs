//! A chat that records every call, with names that are taken and calls that are refused.

use std::collections::HashSet;
use std::sync::Mutex;

use async_trait::async_trait;

use super::lock;
use crate::ids::{ChannelId, MessageTs, SlackUserId};
use crate::ports::{Chat, ChatError, CreatedChannel};
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
}

impl RecordingChat {
    pub fn calls(&self) -> Vec<ChatCall> {
        lock(&self.calls).clone()
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
    async fn usergroup_members(&self, group: &str) -> Result<Vec<SlackUserId>, ChatError> {
        let groups = lock(&self.usergroups);
        groups.iter().find(|(id, _)| id == group).map(|(_, m)| m.clone()).ok_or_else(|| ChatError::Refused("no_such_subteam".into()))
    }
    async fn respond(&self, response_url: &str, reply: &Reply) -> Result<(), ChatError> {
        self.record("respond", ChatCall::Respond(response_url.to_owned(), reply.clone()))
    }
}
