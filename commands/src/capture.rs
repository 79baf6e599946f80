//! Capture from the conversation: a pin reaction puts a message of the incident channel on the
//! timeline; taking the last one off, editing or deleting the message is recorded too — as new
//! events, never by rewriting the old ones.
//!
//! Every event's cause is derived from the message and its pin generation (`pin:<ts>:<n>`),
//! not from the Slack delivery, so retried deliveries, two people pinning at once and replicas
//! handling the same event all record it once.

use jiff::Timestamp;

use crate::engine::{CommandError, Context};
use crate::ids::{ChannelId, MessageTs, SlackUserId, TeamId};
use crate::incident::Incident;
use crate::pins::{self, PinnedMessage};
use crate::ports::{ChatError, ChatMessage};
use crate::timeline::{Actor, EventKind, NewEvent, PinnedMessageRef, Source};

/// Pinned text beyond this is cut (a postmortem quotes, it does not archive).
pub const MAX_PINNED_CHARS: usize = 3000;

/// Something that happened in a channel, as the Events API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelActivity {
    ReactionAdded { user: SlackUserId, message: MessageTs, emoji: String },
    ReactionRemoved { user: SlackUserId, message: MessageTs, emoji: String },
    /// `edited_at` is Slack's `edited.ts` when given.
    MessageEdited { message: MessageTs, text: String, edited_at: Option<MessageTs> },
    MessageDeleted { message: MessageTs },
}

/// What became of an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Captured {
    /// A new event is on the timeline (its kind key).
    Recorded(&'static str),
    /// The same event was recorded before (a retry or a concurrent delivery).
    AlreadyRecorded,
    /// Not for the timeline, and why.
    Ignored(&'static str),
}

/// Records `activity` in `channel` of workspace `team` on its incident's timeline.
pub async fn capture(ctx: &Context, team: &TeamId, channel: &ChannelId, activity: ChannelActivity) -> Result<Captured, CommandError> {
    let Some(incident) = ctx.store.incident_by_channel(team, channel).await? else {
        return Ok(Captured::Ignored("not an incident channel"));
    };
    let events = ctx.store.timeline(incident.id).await?;
    let pins = pins::pinned_messages(&events);
    let at = ctx.clock.now();
    let event = match activity {
        ChannelActivity::ReactionAdded { user, message, emoji } => {
            if !is_pin(ctx, &emoji) {
                return Ok(Captured::Ignored("not the pin reaction"));
            }
            let earlier = pins::find(&pins, message.as_str());
            if earlier.is_some_and(PinnedMessage::is_pinned) {
                return Ok(Captured::Ignored("pinned already"));
            }
            let Some(found) = ctx.chat.message(channel, &message).await.map_err(chat_error)? else {
                return Ok(Captured::Ignored("the message is gone"));
            };
            let generation = earlier.map_or(0, |p| p.times_pinned);
            pin_event(ctx, &incident, channel, user, found, generation, at).await
        }
        ChannelActivity::ReactionRemoved { user, message, emoji } => {
            if !is_pin(ctx, &emoji) {
                return Ok(Captured::Ignored("not the pin reaction"));
            }
            let Some(pin) = pins::find(&pins, message.as_str()).filter(|p| p.is_pinned()) else {
                return Ok(Captured::Ignored("not pinned"));
            };
            // Someone else's pin reaction still holds it on the timeline.
            match ctx.chat.reacted_by(channel, &message, &emoji).await {
                Ok(still) if !still.is_empty() => return Ok(Captured::Ignored("others still pin it")),
                Ok(_) | Err(ChatError::Refused(_)) => {}
                Err(error) => return Err(chat_error(error)),
            }
            let cause = format!("unpin:{}:{}", message.as_str(), pin.times_pinned);
            event(&incident, at, Actor::User(user), EventKind::PinRemoved { message: pin.message.clone() }, cause)
        }
        ChannelActivity::MessageEdited { message, text, edited_at } => {
            let Some(pin) = pins::find(&pins, message.as_str()) else {
                return Ok(Captured::Ignored("not pinned"));
            };
            let text = clip(&text);
            // Slack also reports unfurls and reactions as `message_changed` with the same text.
            if text == pin.text {
                return Ok(Captured::Ignored("text unchanged"));
            }
            let when = edited_at.as_ref().and_then(MessageTs::posted_at).unwrap_or(at);
            let cause = format!("edit:{}:{}", message.as_str(), when.as_microsecond());
            let actor = pin.author.clone().map_or(Actor::Firebreak, Actor::User);
            event(&incident, when, actor, EventKind::PinnedMessageEdited { message: pin.message.clone(), text }, cause)
        }
        ChannelActivity::MessageDeleted { message } => {
            let Some(pin) = pins::find(&pins, message.as_str()).filter(|p| !p.deleted) else {
                return Ok(Captured::Ignored("not pinned"));
            };
            let cause = format!("delete:{}", message.as_str());
            let actor = pin.author.clone().map_or(Actor::Firebreak, Actor::User);
            event(&incident, at, actor, EventKind::PinnedMessageDeleted { message: pin.message.clone() }, cause)
        }
    };
    let key = event.kind.key();
    Ok(if ctx.store.append(event).await? { Captured::Recorded(key) } else { Captured::AlreadyRecorded })
}

/// Slack names reactions without colons and adds skin tones as `name::skin-tone-2`.
fn is_pin(ctx: &Context, emoji: &str) -> bool {
    let base = emoji.split("::").next().unwrap_or(emoji);
    base == ctx.settings.pin_emoji
}

async fn pin_event(
    ctx: &Context,
    incident: &Incident,
    channel: &ChannelId,
    user: SlackUserId,
    found: ChatMessage,
    generation: usize,
    at: Timestamp,
) -> NewEvent {
    // A link is a convenience: without one the pin is still worth keeping.
    let permalink = match ctx.chat.permalink(channel, &found.ts).await {
        Ok(link) => Some(link),
        Err(error) => {
            tracing::warn!(incident.id = %incident.id, %error, "no permalink for a pinned message");
            None
        }
    };
    let posted_at = found.ts.posted_at().unwrap_or(at);
    let kind = EventKind::MessagePinned {
        message: PinnedMessageRef(found.ts.as_str().to_owned()),
        author: found.author,
        text: clip(&found.text),
        permalink,
        pinned_at: at,
    };
    let cause = format!("pin:{}:{generation}", found.ts.as_str());
    // The event sits at the message's own time: the timeline reads in the order things happened.
    event(incident, posted_at, Actor::User(user), kind, cause)
}

fn event(incident: &Incident, at: Timestamp, actor: Actor, kind: EventKind, cause: String) -> NewEvent {
    NewEvent { incident: incident.id, at, actor, source: Source::Conversation, kind, cause: Some(cause) }
}

fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_PINNED_CHARS {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(MAX_PINNED_CHARS).collect();
    clipped.push('…');
    clipped
}

fn chat_error(error: ChatError) -> CommandError {
    CommandError::Internal(format!("reading the pinned message from Slack: {error}"))
}

#[cfg(test)]
mod tests;
