//! The records a test reads back from the fake: Web API calls, channels and their messages.

use serde_json::Value;

/// One Web API call as the fake received and answered it.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    /// The arguments as sent (JSON body, form fields and query merged), without the token.
    pub args: Value,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The JSON body of the answer.
    pub response: Value,
    /// When the fake received the call (for pacing: facts recorded by the fake, not the bot).
    pub received_at: std::time::Instant,
}

impl Call {
    /// Argument `name` as text: strings as sent, numbers and booleans in their JSON spelling.
    pub fn arg(&self, name: &str) -> Option<String> {
        match self.args.get(name)? {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// Whether the fake answered `"ok": true`.
    pub fn ok(&self) -> bool {
        self.response.get("ok").and_then(Value::as_bool) == Some(true)
    }

    /// The `error` of a refused call.
    pub fn error(&self) -> Option<&str> {
        self.response.get("error").and_then(Value::as_str)
    }
}

/// A conversation in the fake workspace: a channel, or a DM opened by posting to a user id.
#[derive(Clone, Debug)]
pub struct Channel {
    pub id: String,
    /// Empty for DMs, which have no name in Slack.
    pub name: String,
    pub topic: String,
    pub members: Vec<String>,
    /// Messages in the order they were posted, ephemeral ones included.
    pub messages: Vec<Message>,
    /// Timestamps of pinned messages, in pin order.
    pub pins: Vec<String>,
}

impl Channel {
    /// The message (ephemeral or not) with timestamp `ts`.
    pub fn message(&self, ts: &str) -> Option<&Message> {
        self.messages.iter().find(|message| message.ts == ts)
    }

    /// Messages everyone in the channel sees, i.e. without ephemerals.
    pub fn visible_messages(&self) -> Vec<&Message> {
        self.messages
            .iter()
            .filter(|message| !message.ephemeral)
            .collect()
    }

    pub fn has_member(&self, user: &str) -> bool {
        self.members.iter().any(|member| member == user)
    }
}

/// A message in a channel: posted by the bot, or written by a person in the test.
#[derive(Clone, Debug)]
pub struct Message {
    pub ts: String,
    pub text: String,
    /// The person who wrote it; `None` for the bot's own messages.
    pub author: Option<String>,
    /// Emoji name → who reacted with it, in reaction order.
    pub reactions: Vec<(String, Vec<String>)>,
    /// The blocks as an array, or `Null` when the message has none.
    pub blocks: Value,
    /// For ephemerals: the only user who sees the message.
    pub user: Option<String>,
    pub ephemeral: bool,
    /// How many times `chat.update` changed the message.
    pub edits: usize,
    /// The thread parent's timestamp, for replies.
    pub thread_ts: Option<String>,
    /// Ids of files shared with the message (`files.completeUploadExternal`).
    pub files: Vec<String>,
    /// The message's `metadata` (`event_type`, `event_payload`) as posted, or `Null`.
    pub metadata: Value,
}

impl Message {
    /// A fresh, unedited, non-ephemeral message.
    pub(super) fn new(ts: String, text: String, blocks: Value) -> Message {
        Message {
            ts,
            text,
            author: None,
            reactions: Vec::new(),
            blocks,
            user: None,
            ephemeral: false,
            edits: 0,
            thread_ts: None,
            files: Vec::new(),
            metadata: Value::Null,
        }
    }
}
