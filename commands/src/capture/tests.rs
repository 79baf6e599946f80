//! Pins from reactions: once per message, unpinned by the last reaction, edits and deletions
//! recorded as their own events.

use super::*;
use crate::command::Command;
use crate::ids::IncidentId;
use crate::ports::IncidentStore;
use crate::settings::Settings;
use crate::testing::{invocation, test_context, MemoryStore, RecordingChat};

const CHANNEL: &str = "C1";
const MESSAGE: &str = "1795403600.000200";

async fn incident_with_message() -> (Context, std::sync::Arc<MemoryStore>, std::sync::Arc<RecordingChat>) {
    let (ctx, store, chat) = test_context(Settings::default());
    Command::parse("start sev2 checkout errors").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U100", "CG")).await.unwrap_or_else(|e| panic!("{e}"));
    chat.add_message(CHANNEL, MESSAGE, "U200", "502s began right after the 03:10 deploy");
    (ctx, store, chat)
}

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).unwrap_or_else(|| panic!("{id}"))
}

fn added(by: &str, emoji: &str) -> ChannelActivity {
    ChannelActivity::ReactionAdded { user: user(by), message: MessageTs::new(MESSAGE), emoji: emoji.into() }
}

fn removed(by: &str) -> ChannelActivity {
    ChannelActivity::ReactionRemoved { user: user(by), message: MessageTs::new(MESSAGE), emoji: "pushpin".into() }
}

async fn run(ctx: &Context, activity: ChannelActivity) -> Captured {
    capture(ctx, &TeamId::new("T0001"), &ChannelId::new(CHANNEL), activity).await.unwrap_or_else(|e| panic!("{e}"))
}

async fn pin_events(store: &MemoryStore) -> Vec<EventKind> {
    let events = store.timeline(IncidentId(1)).await.unwrap_or_default();
    let pin_kinds = ["message_pinned", "pin_removed", "pinned_message_edited", "pinned_message_deleted"];
    events.into_iter().map(|e| e.kind).filter(|k| pin_kinds.contains(&k.key())).collect()
}

#[tokio::test]
async fn a_pin_reaction_records_the_message_at_its_own_time_with_author_and_link() {
    let (ctx, store, _chat) = incident_with_message().await;
    assert_eq!(run(&ctx, added("U300", "pushpin")).await, Captured::Recorded("message_pinned"));
    let events = store.timeline(IncidentId(1)).await.unwrap_or_default();
    let pinned = events.iter().find(|e| e.kind.key() == "message_pinned").unwrap_or_else(|| panic!("no pin"));
    assert_eq!(pinned.at, MessageTs::new(MESSAGE).posted_at().unwrap_or_default(), "ordered by when it was said");
    assert_eq!(pinned.actor, Actor::User(user("U300")));
    assert_eq!(pinned.source, Source::Conversation);
    match &pinned.kind {
        EventKind::MessagePinned { author, text, permalink, .. } => {
            assert_eq!(author.as_ref(), Some(&user("U200")));
            assert_eq!(text, "502s began right after the 03:10 deploy");
            assert!(permalink.as_deref().is_some_and(|l| l.contains("p1795403600000200")), "{permalink:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn other_reactions_and_other_channels_are_ignored() {
    let (ctx, store, chat) = incident_with_message().await;
    assert_eq!(run(&ctx, added("U300", "eyes")).await, Captured::Ignored("not the pin reaction"));
    chat.add_message("C999", MESSAGE, "U200", "elsewhere");
    let elsewhere = capture(&ctx, &TeamId::new("T0001"), &ChannelId::new("C999"), added("U300", "pushpin")).await;
    assert_eq!(elsewhere.ok(), Some(Captured::Ignored("not an incident channel")));
    assert!(pin_events(&store).await.is_empty());
}

#[tokio::test]
async fn a_configured_emoji_and_skin_tones_count() {
    let (mut ctx, store, _chat) = incident_with_message().await;
    let mut settings = (*ctx.settings).clone();
    settings.pin_emoji = "round_pushpin".into();
    ctx.settings = std::sync::Arc::new(settings);
    assert_eq!(run(&ctx, added("U300", "pushpin")).await, Captured::Ignored("not the pin reaction"));
    assert_eq!(run(&ctx, added("U300", "round_pushpin::skin-tone-3")).await, Captured::Recorded("message_pinned"));
    assert_eq!(pin_events(&store).await.len(), 1);
}

#[tokio::test]
async fn duplicate_reactions_and_retried_deliveries_add_nothing() {
    let (ctx, store, _chat) = incident_with_message().await;
    run(&ctx, added("U300", "pushpin")).await;
    assert_eq!(run(&ctx, added("U300", "pushpin")).await, Captured::Ignored("pinned already"));
    assert_eq!(run(&ctx, added("U400", "pushpin")).await, Captured::Ignored("pinned already"));
    assert_eq!(pin_events(&store).await.len(), 1);
}

#[tokio::test]
async fn concurrent_pins_of_one_message_are_recorded_once() {
    let (ctx, store, _chat) = incident_with_message().await;
    let runs = (0..8).map(|i| {
        let ctx = ctx.clone();
        async move { run(&ctx, added(&format!("U30{i}"), "pushpin")).await }
    });
    let outcomes = futures_util::future::join_all(runs).await;
    let recorded = outcomes.iter().filter(|o| matches!(o, Captured::Recorded(_))).count();
    assert_eq!(recorded, 1, "{outcomes:?}");
    assert_eq!(pin_events(&store).await.len(), 1);
}

#[tokio::test]
async fn the_pin_goes_when_the_last_reaction_goes_and_can_come_back() {
    let (ctx, store, chat) = incident_with_message().await;
    run(&ctx, added("U300", "pushpin")).await;
    chat.set_reactions(MESSAGE, "pushpin", &["U400"]);
    assert_eq!(run(&ctx, removed("U300")).await, Captured::Ignored("others still pin it"));
    chat.set_reactions(MESSAGE, "pushpin", &[]);
    assert_eq!(run(&ctx, removed("U400")).await, Captured::Recorded("pin_removed"));
    assert_eq!(run(&ctx, removed("U400")).await, Captured::Ignored("not pinned"));
    assert_eq!(run(&ctx, added("U300", "pushpin")).await, Captured::Recorded("message_pinned"));
    let events = store.timeline(IncidentId(1)).await.unwrap_or_default();
    assert!(pins::pinned_messages(&events)[0].is_pinned());
    assert_eq!(pin_events(&store).await.len(), 3);
}

#[tokio::test]
async fn edits_and_deletions_are_new_events_and_the_old_text_stays() {
    let (ctx, store, _chat) = incident_with_message().await;
    run(&ctx, added("U300", "pushpin")).await;
    let edit = |text: &str, at: &str| ChannelActivity::MessageEdited { message: MessageTs::new(MESSAGE), text: text.into(), edited_at: Some(MessageTs::new(at)) };
    assert_eq!(run(&ctx, edit("502s began right after the 03:10 deploy", "1795403700.000000")).await, Captured::Ignored("text unchanged"));
    assert_eq!(run(&ctx, edit("502s began right after the 03:08 deploy", "1795403700.000000")).await, Captured::Recorded("pinned_message_edited"));
    assert_eq!(run(&ctx, edit("502s began right after the 03:08 deploy", "1795403700.000000")).await, Captured::Ignored("text unchanged"));
    let deleted = || ChannelActivity::MessageDeleted { message: MessageTs::new(MESSAGE) };
    assert_eq!(run(&ctx, deleted()).await, Captured::Recorded("pinned_message_deleted"));
    assert_eq!(run(&ctx, deleted()).await, Captured::Ignored("not pinned"));
    let events = store.timeline(IncidentId(1)).await.unwrap_or_default();
    let pin = &pins::pinned_messages(&events)[0];
    assert_eq!(pin.original_text, "502s began right after the 03:10 deploy");
    assert_eq!(pin.text, "502s began right after the 03:08 deploy");
    assert!(pin.deleted);
    let unpinned_edit = ChannelActivity::MessageEdited { message: MessageTs::new("1.0"), text: "x".into(), edited_at: None };
    assert_eq!(run(&ctx, unpinned_edit).await, Captured::Ignored("not pinned"));
}

#[tokio::test]
async fn a_reaction_on_a_vanished_message_records_nothing() {
    let (ctx, store, _chat) = incident_with_message().await;
    let gone = ChannelActivity::ReactionAdded { user: user("U300"), message: MessageTs::new("1795409999.000001"), emoji: "pushpin".into() };
    assert_eq!(run(&ctx, gone).await, Captured::Ignored("the message is gone"));
    assert!(pin_events(&store).await.is_empty());
}
