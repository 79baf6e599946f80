//! Messages pinned to the timeline with a reaction, folded from their append-only events into
//! what each message looks like now (edited, unpinned, deleted), keeping what it said before.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::ids::SlackUserId;
use crate::timeline::{Actor, EventKind, PinnedMessageRef, TimelineEvent};

/// One pinned message as the events leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedMessage {
    pub message: PinnedMessageRef,
    /// When the message was posted (the timeline orders by this, not by the pin).
    pub posted_at: Timestamp,
    pub author: Option<SlackUserId>,
    pub pinned_by: Actor,
    /// The text when it was first pinned.
    pub original_text: String,
    /// The latest text (after edits).
    pub text: String,
    pub permalink: Option<String>,
    /// The last pin reaction was removed (and not added again).
    pub unpinned: bool,
    pub deleted: bool,
    /// How many times it was pinned: the next pin's generation, so that concurrent or retried
    /// deliveries of one reaction record it once.
    pub times_pinned: usize,
}

impl PinnedMessage {
    /// Whether the message still counts as pinned.
    pub fn is_pinned(&self) -> bool {
        !self.unpinned
    }

    pub fn edited(&self) -> bool {
        self.text != self.original_text
    }
}

/// Every message ever pinned in `events`, in the order they were posted.
pub fn pinned_messages(events: &[TimelineEvent]) -> Vec<PinnedMessage> {
    let mut pins: Vec<PinnedMessage> = Vec::new();
    // Message → its place in `pins`: long incidents have thousands of pins.
    let mut index: HashMap<&str, usize> = HashMap::new();
    for event in events {
        match &event.kind {
            EventKind::MessagePinned { message, author, text, permalink, .. } => match index.get(message.0.as_str()) {
                Some(&i) => {
                    let pin = &mut pins[i];
                    pin.unpinned = false;
                    pin.times_pinned += 1;
                    pin.pinned_by = event.actor.clone();
                }
                None => {
                    index.insert(message.0.as_str(), pins.len());
                    pins.push(PinnedMessage {
                        message: message.clone(),
                        posted_at: event.at,
                        author: author.clone(),
                        pinned_by: event.actor.clone(),
                        original_text: text.clone(),
                        text: text.clone(),
                        permalink: permalink.clone(),
                        unpinned: false,
                        deleted: false,
                        times_pinned: 1,
                    });
                }
            },
            EventKind::PinRemoved { message } => {
                if let Some(&i) = index.get(message.0.as_str()) {
                    pins[i].unpinned = true;
                }
            }
            EventKind::PinnedMessageEdited { message, text } => {
                if let Some(&i) = index.get(message.0.as_str()) {
                    pins[i].text = text.clone();
                }
            }
            EventKind::PinnedMessageDeleted { message } => {
                if let Some(&i) = index.get(message.0.as_str()) {
                    pins[i].deleted = true;
                }
            }
            _ => {}
        }
    }
    pins.sort_by_key(|p| p.posted_at);
    pins
}

/// The pin of message `ts`, if it was ever pinned.
pub fn find<'a>(pins: &'a [PinnedMessage], ts: &str) -> Option<&'a PinnedMessage> {
    pins.iter().find(|p| p.message.0 == ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IncidentId;
    use crate::timeline::Source;

    fn event(seq: i64, at: i64, kind: EventKind) -> TimelineEvent {
        TimelineEvent {
            seq,
            incident: IncidentId(1),
            at: Timestamp::from_second(at).unwrap_or_default(),
            actor: Actor::User(SlackUserId::parse("U1").unwrap_or_else(|| panic!("user id"))),
            source: Source::Conversation,
            kind,
            cause: None,
        }
    }

    fn pinned(ts: &str, text: &str) -> EventKind {
        EventKind::MessagePinned {
            message: PinnedMessageRef(ts.into()),
            author: None,
            text: text.into(),
            permalink: None,
            pinned_at: Timestamp::from_second(9_000).unwrap_or_default(),
        }
    }

    #[test]
    fn pins_fold_edits_removals_and_deletions_and_read_in_posting_order() {
        let events = vec![
            event(1, 300, pinned("300.0", "db is at max connections")),
            event(2, 100, pinned("100.0", "502s started")),
            event(3, 400, EventKind::PinnedMessageEdited { message: PinnedMessageRef("300.0".into()), text: "db pool exhausted".into() }),
            event(4, 500, EventKind::PinRemoved { message: PinnedMessageRef("100.0".into()) }),
            event(5, 600, EventKind::PinnedMessageDeleted { message: PinnedMessageRef("300.0".into()) }),
        ];
        let pins = pinned_messages(&events);
        assert_eq!(pins.iter().map(|p| p.message.0.as_str()).collect::<Vec<_>>(), ["100.0", "300.0"]);
        assert!(pins[0].unpinned && !pins[0].is_pinned());
        assert_eq!((pins[1].original_text.as_str(), pins[1].text.as_str()), ("db is at max connections", "db pool exhausted"));
        assert!(pins[1].edited() && pins[1].deleted && pins[1].is_pinned());
    }

    #[test]
    fn pinning_again_after_removal_counts_a_new_generation() {
        let events = vec![
            event(1, 100, pinned("100.0", "a")),
            event(2, 200, EventKind::PinRemoved { message: PinnedMessageRef("100.0".into()) }),
            event(3, 100, pinned("100.0", "a")),
        ];
        let pins = pinned_messages(&events);
        assert_eq!(pins.len(), 1);
        assert!(pins[0].is_pinned());
        assert_eq!(pins[0].times_pinned, 2);
    }
}
