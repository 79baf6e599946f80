//! The console's in-memory chat workspace: channels, messages (with threads and ephemeral
//! ones), pins and files, kept the way Slack keeps them so the page can show what Slack would.

use std::sync::{Mutex, MutexGuard, PoisonError};

use firebreak_commands::ports::ChatError;
use serde_json::Value;

/// The console workspace's id; slash commands and `identity()` agree on it.
pub const TEAM: &str = "T0CONSOLE";
/// Firebreak's own user in the console workspace.
pub const BOT_USER: &str = "U0FIREBREAK";

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    /// Firebreak (a bot message).
    Bot,
    /// A person, by user id.
    User(String),
    /// Slack's own grey lines ("set the channel topic", "pinned a message").
    System,
}

/// A message as Slack holds it: fallback text plus Block Kit JSON.
#[derive(Debug, Clone)]
pub struct Message {
    pub ts: String,
    pub author: Author,
    pub text: String,
    /// Block Kit, exactly as Firebreak sent it (`[]` for plain text).
    pub blocks: Value,
    /// The parent's ts for a reply in a thread.
    pub thread_ts: Option<String>,
    /// Set for an ephemeral message: only this user sees it.
    pub visible_to: Option<String>,
    /// A file shared with the message.
    pub file: Option<String>,
}

/// A channel with its messages in posting order.
#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub topic: String,
    pub members: Vec<String>,
    pub pins: Vec<String>,
    pub messages: Vec<Message>,
}

/// An uploaded text file.
#[derive(Debug, Clone)]
pub struct File {
    pub id: String,
    pub name: String,
    pub content: String,
}

#[derive(Debug, Default)]
struct Inner {
    channels: Vec<Channel>,
    files: Vec<File>,
    /// The last ts handed out, in microseconds: every message gets a later, unique one.
    last_micros: i64,
    /// Bumped by every change, so the page knows when to redraw.
    version: u64,
}

/// The workspace; cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct Workspace {
    inner: Mutex<Inner>,
}

fn not_found(code: &str) -> ChatError {
    ChatError::Refused(code.to_owned())
}

impl Channel {
    pub fn message(&self, ts: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.ts == ts)
    }

    /// The replies in the thread of `ts`, oldest first.
    pub fn replies<'a>(&'a self, ts: &'a str) -> impl Iterator<Item = &'a Message> + 'a {
        self.messages.iter().filter(move |m| m.thread_ts.as_deref() == Some(ts))
    }
}

impl Message {
    fn new(ts: String, author: Author, text: &str, blocks: Value) -> Self {
        Self { ts, author, text: text.to_owned(), blocks, thread_ts: None, visible_to: None, file: None }
    }

    pub fn visible_to_user(&self, user: &str) -> bool {
        self.visible_to.as_deref().is_none_or(|only| only == user)
    }
}

impl Workspace {
    /// A workspace with `#general` (where people type commands) and the given extra channels
    /// (`(id, name)`, e.g. the broadcast channel), each with `people` and Firebreak as members.
    pub fn new(people: &[&str], extra: &[(String, String)]) -> Self {
        let workspace = Self::default();
        {
            let mut inner = workspace.lock();
            let mut members: Vec<String> = people.iter().map(|p| (*p).to_owned()).collect();
            members.push(BOT_USER.to_owned());
            let general = ("C0GENERAL".to_owned(), "general".to_owned());
            for (id, name) in std::iter::once(&general).chain(extra) {
                let topic = String::new();
                inner.channels.push(Channel { id: id.clone(), name: name.clone(), topic, members: members.clone(), pins: vec![], messages: vec![] });
            }
        }
        workspace
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` on the channel `id` and bumps the version; `channel_not_found` otherwise.
    fn change<R>(&self, id: &str, change: impl FnOnce(&mut Channel, &mut dyn FnMut() -> String) -> Result<R, ChatError>) -> Result<R, ChatError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let mut last = inner.last_micros;
        let channel = inner.channels.iter_mut().find(|c| c.id == id).ok_or_else(|| not_found("channel_not_found"))?;
        let mut next_ts = || {
            last = (jiff::Timestamp::now().as_microsecond()).max(last + 1);
            format!("{}.{:06}", last.div_euclid(1_000_000), last.rem_euclid(1_000_000))
        };
        let result = change(channel, &mut next_ts)?;
        inner.last_micros = last;
        inner.version += 1;
        Ok(result)
    }

    pub fn version(&self) -> u64 {
        self.lock().version
    }

    /// A copy of every channel, for rendering.
    pub fn channels(&self) -> Vec<Channel> {
        self.lock().channels.clone()
    }

    pub fn channel(&self, id: &str) -> Option<Channel> {
        self.lock().channels.iter().find(|c| c.id == id).cloned()
    }

    pub fn file(&self, id: &str) -> Option<File> {
        self.lock().files.iter().find(|f| f.id == id).cloned()
    }

    /// `conversations.create`: `name_taken` when a channel has the name already.
    pub fn create_channel(&self, name: &str) -> Result<Channel, ChatError> {
        let mut inner = self.lock();
        if inner.channels.iter().any(|c| c.name == name) {
            return Err(not_found("name_taken"));
        }
        let id = format!("C0CON{:05}", inner.channels.len() + 1);
        let channel = Channel { id, name: name.to_owned(), topic: String::new(), members: vec![BOT_USER.to_owned()], pins: vec![], messages: vec![] };
        inner.channels.push(channel.clone());
        inner.version += 1;
        Ok(channel)
    }

    pub fn invite(&self, channel: &str, users: &[String]) -> Result<(), ChatError> {
        self.change(channel, |c, _| {
            for user in users {
                if !c.members.contains(user) {
                    c.members.push(user.clone());
                }
            }
            Ok(())
        })
    }

    /// Sets the topic and, as Slack does, says so in the channel.
    pub fn set_topic(&self, channel: &str, topic: &str) -> Result<(), ChatError> {
        self.change(channel, |c, ts| {
            c.topic = topic.to_owned();
            c.messages.push(Message::new(ts(), Author::System, &format!("Firebreak set the channel topic: {topic}"), Value::Array(vec![])));
            Ok(())
        })
    }

    /// Posts a message (in the thread of `thread` when given); returns its ts.
    pub fn post(&self, channel: &str, author: Author, text: &str, blocks: Value, thread: Option<&str>) -> Result<String, ChatError> {
        self.change(channel, |c, ts| {
            if let Some(parent) = thread
                && c.message(parent).is_none_or(|m| m.thread_ts.is_some())
            {
                return Err(not_found("thread_not_found"));
            }
            let mut message = Message::new(ts(), author, text, blocks);
            message.thread_ts = thread.map(str::to_owned);
            let posted = message.ts.clone();
            c.messages.push(message);
            Ok(posted)
        })
    }

    /// An ephemeral message only `user` sees.
    pub fn post_ephemeral(&self, channel: &str, user: &str, text: &str, blocks: Value) -> Result<String, ChatError> {
        self.change(channel, |c, ts| {
            let mut message = Message::new(ts(), Author::Bot, text, blocks);
            message.visible_to = Some(user.to_owned());
            let posted = message.ts.clone();
            c.messages.push(message);
            Ok(posted)
        })
    }

    /// `chat.update`: replaces text and blocks in place, keeping ts, thread and visibility.
    pub fn update(&self, channel: &str, ts: &str, text: &str, blocks: Value) -> Result<(), ChatError> {
        self.change(channel, |c, _| {
            let message = c.messages.iter_mut().find(|m| m.ts == ts).ok_or_else(|| not_found("message_not_found"))?;
            message.text = text.to_owned();
            message.blocks = blocks;
            Ok(())
        })
    }

    /// `pins.add`; pinning twice is `already_pinned`, as in Slack.
    pub fn pin(&self, channel: &str, ts: &str) -> Result<(), ChatError> {
        self.change(channel, |c, next| {
            if c.message(ts).is_none() {
                return Err(not_found("message_not_found"));
            }
            if c.pins.iter().any(|p| p == ts) {
                return Err(not_found("already_pinned"));
            }
            c.pins.push(ts.to_owned());
            c.messages.push(Message::new(next(), Author::System, "Firebreak pinned a message to this channel.", Value::Array(vec![])));
            Ok(())
        })
    }

    /// Shares a text file as a message (with `comment`), in the thread of `thread` when given.
    pub fn upload(&self, channel: &str, thread: Option<&str>, name: &str, content: &str, comment: &str) -> Result<String, ChatError> {
        // Checked first, so a refused upload leaves no orphan file behind.
        let parent_ok = self.channel(channel).map(|c| thread.is_none_or(|t| c.message(t).is_some()));
        match parent_ok {
            None => return Err(not_found("channel_not_found")),
            Some(false) => return Err(not_found("thread_not_found")),
            Some(true) => {}
        }
        let id = {
            let mut inner = self.lock();
            let id = format!("F0CON{:05}", inner.files.len() + 1);
            inner.files.push(File { id: id.clone(), name: name.to_owned(), content: content.to_owned() });
            id
        };
        self.change(channel, |c, ts| {
            let mut message = Message::new(ts(), Author::Bot, comment, Value::Array(vec![]));
            message.thread_ts = thread.map(str::to_owned);
            message.file = Some(id);
            let posted = message.ts.clone();
            c.messages.push(message);
            Ok(posted)
        })
    }
}

#[cfg(test)]
mod tests;
