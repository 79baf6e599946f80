//! Grammar and execution tests of the `/incident` commands against in-memory fakes.

use super::*;
use crate::ids::ChannelId;
use crate::incident::Setup;
use crate::settings::Settings;
use crate::testing::{invocation, test_context, ChatCall};
use crate::ports::IncidentStore;

fn problem(text: &str) -> String {
    Command::parse(text).err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn the_whole_grammar_parses() {
    let cases = [
        ("start sev1 API returns 502", "start"),
        ("status mitigated rolled back", "status"),
        ("sev 2", "sev"),
        ("lead <@U024BE7LH|bob>", "lead"),
        ("note cache is cold", "note"),
        ("action add an alert on 502s", "action"),
        ("time detected 03:12", "time"),
        ("diag", "diag"),
        ("diag nerf-service-down", "diag"),
        ("fix restart-web", "fix"),
        ("escalate customers affected", "escalate"),
        ("timeline", "timeline"),
        ("resolve deploy rolled back", "resolve"),
        ("postmortem", "postmortem"),
        ("list", "list"),
        ("help", "help"),
        ("", "help"),
    ];
    for (text, name) in cases {
        assert_eq!(Command::parse(text).map(|c| c.name()), Ok(name), "{text}");
    }
    assert_eq!(
        Command::parse("START SEV1   API  down "),
        Ok(Command::Start { severity: Severity::Sev1, title: "API  down".into() })
    );
}

#[test]
fn bad_input_gets_a_usage_message() {
    assert!(problem("start").contains("severity"));
    assert!(problem("start sev1").contains("title"));
    assert!(problem("start sev9 x").contains("Usage: `/incident start"));
    assert!(problem("status resolved").contains("/incident resolve"));
    assert!(problem("status sleeping").contains("not a status"));
    assert!(problem("lead bob").contains("Mention"));
    assert!(problem("note").contains("Usage: `/incident note"));
    assert!(problem("time detected 25:00").contains("HH:MM"));
    assert!(problem("list everything").contains("takes no arguments"));
    assert!(problem("deploy prod").contains("Unknown sub-command `deploy`"));
    assert!(problem(&format!("note {}", "x".repeat(MAX_TEXT_CHARS + 1))).contains("too long"));
    assert!(problem(&format!("start sev2 {}", "y".repeat(300))).contains("too long"));
}

async fn start(ctx: &crate::engine::Context, text: &str) -> Option<Reply> {
    let command = Command::parse(text).unwrap_or_else(|e| panic!("{e}"));
    command.execute(ctx, &invocation("U100", "CGENERAL")).await.unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn start_opens_a_complete_incident() {
    let settings = Settings {
        broadcast_channel: Some(ChannelId::new("CBROADCAST")),
        responders: [(Severity::Sev1, vec![SlackUserId::parse("U200").unwrap_or_else(|| panic!())])].into(),
        ..Settings::default()
    };
    let (ctx, store, chat) = test_context(settings);
    let reply = start(&ctx, "start sev1 API returns 502").await;
    assert!(reply.is_some_and(|r| r.text.contains("#1") && r.text.contains("<#C1>")));
    let calls = chat.calls();
    assert!(matches!(&calls[0], ChatCall::CreateChannel(name) if name == "inc-20261123-1-api-returns-502"));
    assert!(matches!(&calls[1], ChatCall::Invite(_, users) if users.len() == 2));
    assert!(matches!(&calls[2], ChatCall::SetTopic(_, topic) if topic.starts_with("SEV1 · Investigating")));
    assert!(matches!(&calls[3], ChatCall::Post(c, _) if c.as_str() == "C1"));
    assert!(matches!(&calls[4], ChatCall::Pin(..)));
    assert!(matches!(&calls[5], ChatCall::Post(c, _) if c.as_str() == "CBROADCAST"));
    let incident = store.incident(crate::ids::IncidentId(1)).await.ok().flatten();
    let incident = incident.unwrap_or_else(|| panic!("stored"));
    assert_eq!(incident.setup, Setup::Open);
    assert!(incident.card_ts.is_some());
    let kinds: Vec<&str> = store.timeline(incident.id).await.unwrap_or_default().iter().map(|e| e.kind.key()).collect();
    assert_eq!(kinds, ["declared", "channel_created", "people_invited", "topic_set", "card_posted", "card_pinned", "announced"]);
}

#[tokio::test]
async fn sev3_is_not_announced_and_taken_names_get_a_suffix() {
    let settings = Settings { broadcast_channel: Some(ChannelId::new("CB")), ..Settings::default() };
    let (ctx, _store, chat) = test_context(settings);
    chat.taken.lock().unwrap_or_else(|e| e.into_inner()).insert("inc-20261123-1-slow".into());
    start(&ctx, "start sev3 slow").await;
    let creates: Vec<ChatCall> = chat.calls().into_iter().filter(|c| matches!(c, ChatCall::CreateChannel(_))).collect();
    assert_eq!(creates.last(), Some(&ChatCall::CreateChannel("inc-20261123-1-slow-2".into())));
    assert!(!chat.calls().iter().any(|c| matches!(c, ChatCall::Post(ch, _) if ch.as_str() == "CB")));
}

#[tokio::test]
async fn a_channel_that_cannot_be_made_marks_the_incident_failed_and_says_so() {
    let (ctx, store, chat) = test_context(Settings::default());
    chat.fail.lock().unwrap_or_else(|e| e.into_inner()).insert("create_channel");
    let result = Command::parse("start sev2 db down").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U100", "CG")).await;
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("could not be created") && message.contains("create_channel_refused"), "{message}");
    let incident = store.incident(crate::ids::IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!());
    assert_eq!(incident.setup, Setup::Failed);
    assert!(store.open_incidents(&incident.team).await.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn lifecycle_commands_update_card_topic_and_channel() {
    let (ctx, store, chat) = test_context(Settings::default());
    start(&ctx, "start sev2 checkout errors").await;
    let in_channel = invocation("U300", "C1");
    for text in ["status identified bad deploy", "sev sev1", "lead <@U300>", "note rolled back", "resolve fixed"] {
        let command = Command::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let reply = command.execute(&ctx, &in_channel).await.unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(reply.is_none(), "{text}: {reply:?}");
    }
    let kinds: Vec<String> = store.timeline(crate::ids::IncidentId(1)).await.unwrap_or_default().iter().map(|e| e.kind.key().to_owned()).collect();
    assert!(kinds.ends_with(&["status_changed", "severity_changed", "lead_changed", "note", "resolved"].map(String::from)));
    let updates = chat.calls().iter().filter(|c| matches!(c, ChatCall::Update(..))).count();
    assert_eq!(updates, 5);
    let again = Command::parse("status mitigated").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &in_channel).await;
    assert!(matches!(again, Err(CommandError::User(m)) if m.contains("resolved already")));
}

#[tokio::test]
async fn channel_commands_elsewhere_are_explained() {
    let (ctx, _store, _chat) = test_context(Settings::default());
    let result = Command::parse("status mitigated").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U1", "CRANDOM")).await;
    assert!(matches!(result, Err(CommandError::User(m)) if m.contains("inside an incident channel")));
}

#[tokio::test]
async fn setting_the_same_status_twice_is_refused() {
    let (ctx, _store, _chat) = test_context(Settings::default());
    start(&ctx, "start sev4 typo").await;
    let result = Command::parse("status investigating").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U1", "C1")).await;
    assert!(matches!(result, Err(CommandError::User(m)) if m.contains("already Investigating")));
}

#[tokio::test]
async fn action_items_and_key_times_are_recorded_even_after_resolution() {
    let (ctx, store, chat) = test_context(Settings::default());
    start(&ctx, "start sev2 checkout errors").await;
    let in_channel = invocation("U300", "C1");
    for text in ["resolve fixed", "action add an alert on 502s", "time detected 03:05"] {
        let command = Command::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert!(command.execute(&ctx, &in_channel).await.is_ok(), "{text}");
    }
    let events = store.timeline(crate::ids::IncidentId(1)).await.unwrap_or_default();
    let item = events.iter().find(|e| e.kind.key() == "action_item").map(|e| e.kind.describe());
    assert_eq!(item.as_deref(), Some("action item: add an alert on 502s"));
    let Some(crate::timeline::EventKind::KeyTimeSet { which, at }) = events.last().map(|e| e.kind.clone()) else { panic!("no key time") };
    // The test clock reads 03:12 UTC: 03:05 is seven minutes earlier, the same day.
    assert_eq!((which.as_str(), at), ("detected", crate::testing::test_time() - jiff::SignedDuration::from_mins(7)));
    assert!(chat.calls().iter().any(|c| matches!(c, ChatCall::Post(_, r) if r.text.contains("set the detected time to 2026-11-23 03:05 UTC"))));
    let later = Command::parse("time mitigated 23:50").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &in_channel).await;
    assert!(later.is_ok());
    let events = store.timeline(crate::ids::IncidentId(1)).await.unwrap_or_default();
    let Some(crate::timeline::EventKind::KeyTimeSet { at, .. }) = events.last().map(|e| e.kind.clone()) else { panic!("no key time") };
    assert!(at < crate::testing::test_time(), "23:50 means yesterday evening, never the future");
}

#[tokio::test]
async fn postmortem_attaches_the_draft_in_the_card_thread() {
    let (ctx, _store, chat) = test_context(Settings::default());
    start(&ctx, "start sev2 checkout errors").await;
    let reply = Command::parse("postmortem").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U300", "C1")).await;
    let reply = reply.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("no reply"));
    assert!(reply.text.contains("postmortem-1.md"), "{}", reply.text);
    let upload = chat.calls().into_iter().find_map(|c| match c {
        ChatCall::UploadText(_, _, name, content) => Some((name, content)),
        _ => None,
    });
    let (name, content) = upload.unwrap_or_else(|| panic!("nothing attached"));
    assert_eq!(name, "postmortem-1.md");
    assert!(content.contains("## Incident Summary") && content.contains("- **Severity**: SEV2"), "{content}");
}
