//! Reading what people wrote: one message by its `ts` (top level or in a thread), its
//! permalink, and who reacted to it — for messages pinned to the timeline by reaction.

use firebreak_commands::ids::{ChannelId, MessageTs, SlackUserId};
use firebreak_commands::ports::{ChatError, ChatMessage};
use serde_json::Value;

use super::web_api::SlackWebApi;

impl SlackWebApi {
    /// Message `ts` of `channel`, or `None` when Slack no longer has it.
    ///
    /// A reaction names only channel and `ts`: a top-level message is the newest message of
    /// the history up to and including `ts`; a reply in a thread is not in the history, so
    /// then the thread is read (`conversations.replies` takes a reply's `ts` too).
    pub async fn message(&self, channel: &ChannelId, ts: &MessageTs) -> Result<Option<ChatMessage>, ChatError> {
        let (channel, ts) = (channel.as_str(), ts.as_str());
        let history = self.get("conversations.history", &[("channel", channel), ("latest", ts), ("inclusive", "true"), ("limit", "1")]).await?;
        if let Some(found) = find(&history, ts) {
            return Ok(Some(found));
        }
        match self.get("conversations.replies", &[("channel", channel), ("ts", ts), ("limit", "200")]).await {
            Ok(thread) => Ok(find(&thread, ts)),
            Err(ChatError::Refused(code)) if code == "thread_not_found" || code == "message_not_found" => Ok(None),
            Err(other) => Err(other),
        }
    }

    pub async fn permalink(&self, channel: &ChannelId, ts: &MessageTs) -> Result<String, ChatError> {
        let answer = self.get("chat.getPermalink", &[("channel", channel.as_str()), ("message_ts", ts.as_str())]).await?;
        answer
            .get("permalink")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ChatError::Refused("chat.getPermalink answered without a permalink".into()))
    }

    pub async fn reacted_by(&self, channel: &ChannelId, ts: &MessageTs, emoji: &str) -> Result<Vec<SlackUserId>, ChatError> {
        let answer = self.get("reactions.get", &[("channel", channel.as_str()), ("timestamp", ts.as_str()), ("full", "true")]).await?;
        let reactions = answer.pointer("/message/reactions").and_then(Value::as_array).cloned().unwrap_or_default();
        let users = reactions
            .iter()
            .filter(|r| r.get("name").and_then(Value::as_str).is_some_and(|name| name.split("::").next() == Some(emoji)))
            .flat_map(|r| r.get("users").and_then(Value::as_array).cloned().unwrap_or_default())
            .filter_map(|u| u.as_str().and_then(SlackUserId::parse))
            .collect();
        Ok(users)
    }
}

/// The message with exactly `ts` among an answer's `messages`.
fn find(answer: &Value, ts: &str) -> Option<ChatMessage> {
    let messages = answer.get("messages")?.as_array()?;
    let message = messages.iter().find(|m| m.get("ts").and_then(Value::as_str) == Some(ts))?;
    Some(ChatMessage {
        ts: MessageTs::new(ts),
        author: message.get("user").and_then(Value::as_str).and_then(SlackUserId::parse),
        text: message.get("text").and_then(Value::as_str).unwrap_or_default().to_owned(),
    })
}
