//! What people do in the fake workspace — write, reply, react, edit, delete — and the Events
//! API envelopes Slack would deliver for it, for the test to send to the bot (signed).

use serde_json::{Value, json};

use super::FakeSlack;
use super::chat::message_json;
use super::model::Message;
use super::state::{APP_ID, State, TEAM_ID, lock};

impl FakeSlack {
    /// `user` writes `text` in `channel`; returns the message's `ts`. Panics on an unknown
    /// channel: the test set it up wrong.
    pub fn post_as(&self, channel: &str, user: &str, text: &str) -> String {
        self.write(channel, user, text, None)
    }

    /// `user` replies `text` in the thread of `parent`; returns the reply's `ts`.
    pub fn reply_as(&self, channel: &str, parent: &str, user: &str, text: &str) -> String {
        self.write(channel, user, text, Some(parent))
    }

    fn write(&self, channel: &str, user: &str, text: &str, parent: Option<&str>) -> String {
        let mut state = lock(&self.shared);
        let ts = state.next_ts();
        let mut message = Message::new(ts.clone(), text.to_owned(), Value::Null);
        message.author = Some(user.to_owned());
        message.thread_ts = parent.map(str::to_owned);
        channel_messages(&mut state, channel).push(message);
        ts
    }

    /// `user` reacts with `emoji` to message `ts`; the `reaction_added` event callback.
    pub fn react(&self, channel: &str, ts: &str, user: &str, emoji: &str) -> Value {
        let mut state = lock(&self.shared);
        let message = find(&mut state, channel, ts);
        let item_user = message.author.clone();
        match message.reactions.iter_mut().find(|(name, _)| name == emoji) {
            Some((_, users)) if !users.iter().any(|u| u == user) => users.push(user.to_owned()),
            Some(_) => {}
            None => message.reactions.push((emoji.to_owned(), vec![user.to_owned()])),
        }
        reaction_event(&mut state, "reaction_added", channel, ts, user, emoji, item_user)
    }

    /// `user` takes their `emoji` reaction off message `ts`; the `reaction_removed` callback.
    pub fn unreact(&self, channel: &str, ts: &str, user: &str, emoji: &str) -> Value {
        let mut state = lock(&self.shared);
        let message = find(&mut state, channel, ts);
        let item_user = message.author.clone();
        for (_, users) in message.reactions.iter_mut().filter(|(name, _)| name == emoji) {
            users.retain(|u| u != user);
        }
        message.reactions.retain(|(_, users)| !users.is_empty());
        reaction_event(&mut state, "reaction_removed", channel, ts, user, emoji, item_user)
    }

    /// The author edits message `ts` to `text`; the `message_changed` callback.
    pub fn edit_as_author(&self, channel: &str, ts: &str, text: &str) -> Value {
        let mut state = lock(&self.shared);
        let event_ts = state.next_ts();
        let message = find(&mut state, channel, ts);
        let previous = message_json(message);
        message.text = text.to_owned();
        let mut current = message_json(message);
        current["edited"] = json!({ "user": message.author, "ts": event_ts });
        let event = json!({
            "type": "message",
            "subtype": "message_changed",
            "hidden": true,
            "channel": channel,
            "channel_type": "channel",
            "message": current,
            "previous_message": previous,
            "ts": event_ts,
            "event_ts": event_ts,
        });
        envelope(&mut state, event)
    }

    /// Message `ts` is deleted; the `message_deleted` callback.
    pub fn delete_message(&self, channel: &str, ts: &str) -> Value {
        let mut state = lock(&self.shared);
        let previous = message_json(find(&mut state, channel, ts));
        channel_messages(&mut state, channel).retain(|m| m.ts != ts);
        let event_ts = state.next_ts();
        let event = json!({
            "type": "message",
            "subtype": "message_deleted",
            "hidden": true,
            "channel": channel,
            "channel_type": "channel",
            "deleted_ts": ts,
            "previous_message": previous,
            "ts": event_ts,
            "event_ts": event_ts,
        });
        envelope(&mut state, event)
    }

    /// The bytes uploaded for file `id` as text, once its upload happened.
    pub fn file_text(&self, id: &str) -> Option<String> {
        let state = lock(&self.shared);
        let file = state.files.get(id)?;
        file.uploaded.map(|_| String::from_utf8_lossy(&file.content).into_owned())
    }
}

fn channel_messages<'a>(state: &'a mut State, channel: &str) -> &'a mut Vec<Message> {
    let record = state.channels.iter_mut().find(|r| r.channel.id == channel);
    &mut record.unwrap_or_else(|| panic!("fake Slack has no channel {channel}")).channel.messages
}

fn find<'a>(state: &'a mut State, channel: &str, ts: &str) -> &'a mut Message {
    let messages = channel_messages(state, channel);
    messages.iter_mut().find(|m| m.ts == ts).unwrap_or_else(|| panic!("fake Slack has no message {ts} in {channel}"))
}

/// The `reaction_added`/`reaction_removed` callback for `user`'s `emoji` on message `ts`.
fn reaction_event(state: &mut State, kind: &str, channel: &str, ts: &str, user: &str, emoji: &str, item_user: Option<String>) -> Value {
    let event_ts = state.next_ts();
    let event = json!({
        "type": kind,
        "user": user,
        "reaction": emoji,
        "item_user": item_user,
        "item": { "type": "message", "channel": channel, "ts": ts },
        "event_ts": event_ts,
    });
    envelope(state, event)
}

/// The `event_callback` envelope Slack posts to the Events API URL.
fn envelope(state: &mut State, event: Value) -> Value {
    let event_id = format!("Ev{}", state.new_id('E'));
    json!({
        "token": "verification-token-unused",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": jiff::Timestamp::now().as_second(),
        "authorizations": [{ "team_id": TEAM_ID, "user_id": super::state::BOT_USER, "is_bot": true }],
    })
}
