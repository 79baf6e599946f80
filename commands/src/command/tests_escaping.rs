//! Text from people never becomes a mention or a disguised link in Slack: every message,
//! card, topic and line Firebreak sends escapes it, while Firebreak's own mentions stay live
//! and the timeline and postmortem keep what was typed.

use std::sync::Arc;

use super::*;
use crate::diagnostics::facts::HttpFacts;
use crate::diagnostics::ports::ProbeError;
use crate::diagnostics::runbook::{Runbook, Runbooks};
use crate::diagnostics::spec::{CheckSpec, CheckTarget};
use crate::ids::{ChannelId, IncidentId};
use crate::ports::IncidentStore;
use crate::reply::Block;
use crate::settings::Settings;
use crate::testing::diagnostics::{ports, FakeTargets};
use crate::testing::{invocation, test_context, ChatCall};

const TITLE: &str = "Deploy <!channel> & <@U999|boss> <http://evil.example|docs>";
const ESCAPED_TITLE: &str = "Deploy &lt;!channel&gt; &amp; &lt;@U999|boss&gt; &lt;http://evil.example|docs&gt;";
/// Control sequences that must never reach Slack from typed text.
const INJECTED: [&str; 6] = ["<!channel>", "<!here>", "<!everyone>", "<@U999", "<!subteam^S666>", "<http://evil"];

/// The `mrkdwn` texts of a reply: its fallback text and every block Slack parses (headers and
/// button labels are `plain_text`, shown as written).
fn mrkdwn_texts(reply: &Reply) -> Vec<String> {
    let mut texts = vec![reply.text.clone()];
    for block in &reply.blocks {
        match block {
            Block::Section { text, fields } => texts.extend(text.iter().chain(fields).cloned()),
            Block::Context(lines) => texts.extend(lines.iter().cloned()),
            Block::Actions(buttons) => texts.extend(buttons.iter().filter_map(|b| b.confirm.as_ref().map(|c| c.text.clone()))),
            Block::Header(_) | Block::Divider => {}
        }
    }
    texts
}

/// Everything Slack would parse as `mrkdwn` (messages, cards, topics, file comments).
fn sent_mrkdwn(calls: &[ChatCall]) -> Vec<String> {
    calls
        .iter()
        .flat_map(|call| match call {
            ChatCall::Post(_, r) | ChatCall::Update(_, _, r) | ChatCall::PostInThread(_, _, r) | ChatCall::Respond(_, r) => mrkdwn_texts(r),
            ChatCall::SetTopic(_, topic) => vec![topic.clone()],
            ChatCall::ShareText(_, _, _, comment) => vec![comment.clone()],
            _ => vec![],
        })
        .collect()
}

fn assert_no_injection(texts: &[String]) {
    for text in texts {
        for injected in INJECTED {
            assert!(!text.contains(injected), "`{injected}` reached Slack in: {text}");
        }
    }
}

async fn run(ctx: &crate::engine::Context, channel: &str, text: &str) -> Option<Reply> {
    let command = Command::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    command.execute(ctx, &invocation("U100", channel)).await.unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[tokio::test]
async fn typed_mentions_and_links_are_escaped_everywhere_firebreak_writes_them() {
    let level = crate::escalation::EscalationLevel { name: "Team <Lead>".into(), ..Default::default() };
    let settings = Settings { broadcast_channel: Some(ChannelId::new("CBROADCAST")), escalation: vec![level], ..Settings::default() };
    let (ctx, store, chat) = test_context(settings);
    let mut answers = Vec::new();
    answers.extend(run(&ctx, "CGENERAL", &format!("start sev1 {TITLE}")).await);
    answers.extend(run(&ctx, "C1", "note <!here> the <http://evil.example|runbook> says & so").await);
    answers.extend(run(&ctx, "C1", "status mitigated <!everyone> rolled back <!subteam^S666>").await);
    answers.extend(run(&ctx, "C1", "action <!channel> add an alert").await);
    answers.extend(run(&ctx, "C1", "escalate <!here> customers affected").await);
    answers.extend(run(&ctx, "C1", "list").await);
    answers.extend(run(&ctx, "C1", "timeline").await);
    answers.extend(run(&ctx, "C1", "resolve <http://evil.example|all fine> & <@U999> did it").await);

    let calls = chat.calls();
    let mut texts = sent_mrkdwn(&calls);
    texts.extend(answers.iter().flat_map(mrkdwn_texts));
    assert_no_injection(&texts);

    // The escaped forms are there: card, topic, announcement, lines.
    let has = |needle: &str| texts.iter().any(|t| t.contains(needle));
    assert!(has(&format!("*{ESCAPED_TITLE}*")), "the card shows the escaped title");
    assert!(calls.iter().any(|c| matches!(c, ChatCall::SetTopic(_, t) if t.ends_with(ESCAPED_TITLE))), "the topic escapes the title");
    assert!(calls.iter().any(|c| matches!(c, ChatCall::Post(ch, r) if ch.as_str() == "CBROADCAST" && r.text.contains(ESCAPED_TITLE))));
    assert!(has("note: &lt;!here&gt; the &lt;http://evil.example|runbook&gt; says &amp; so"));
    assert!(has("&lt;!everyone&gt; rolled back &lt;!subteam^S666&gt;"));
    assert!(has("action item: &lt;!channel&gt; add an alert"));
    assert!(has("resolved: &lt;http://evil.example|all fine&gt; &amp; &lt;@U999&gt; did it"));
    assert!(has(&format!("*#1 {ESCAPED_TITLE}*")), "the list escapes titles");
    assert!(has("*Escalated to Team &lt;Lead&gt;* — &lt;!here&gt; customers affected (by <@U100>)"));

    // Firebreak's own mentions and links stay live.
    assert!(has("<@U100> note:"), "the requester is still mentioned");
    assert!(has("Declared by <@U100>"));
    assert!(has("join <#C1>"));

    // The header is plain_text (never parsed): it shows the title as typed.
    let header = calls.iter().find_map(|c| match c {
        ChatCall::Post(_, r) => r.blocks.iter().find_map(|b| match b { Block::Header(h) => Some(h.clone()), _ => None }),
        _ => None,
    });
    assert!(header.is_some_and(|h| h.contains(TITLE)));

    // Storage and the postmortem file keep what was typed.
    let incident = store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("no incident"));
    assert_eq!(incident.title, TITLE);
    let timeline = store.timeline(incident.id).await.unwrap_or_default();
    assert!(timeline.iter().any(|e| e.kind.describe() == "note: <!here> the <http://evil.example|runbook> says & so"));
    let postmortem = calls.iter().find_map(|c| match c {
        ChatCall::ShareText(_, _, content, _) => Some(content.clone()),
        _ => None,
    });
    assert!(postmortem.is_some_and(|p| p.contains(TITLE) && !p.contains("&lt;")), "the postmortem keeps raw text");
}

#[tokio::test]
async fn text_slack_sent_escaped_is_stored_as_typed_and_escaped_once() {
    let (ctx, store, chat) = test_context(Settings::default());
    // Slack escapes `&`, `<`, `>` in slash-command text; a typed `&lt;` arrives as `&amp;lt;`.
    run(&ctx, "CGENERAL", "start sev3 R&amp;D &lt;b&gt; down &amp;lt;").await;
    let incident = store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("no incident"));
    assert_eq!(incident.title, "R&D <b> down &lt;");
    let card = chat.calls().iter().find_map(|c| match c {
        ChatCall::Post(_, r) => Some(r.clone()),
        _ => None,
    });
    assert!(card.is_some_and(|r| r.text.contains("R&amp;D &lt;b&gt; down &amp;lt;")), "escaped exactly once");
}

#[tokio::test]
async fn a_pinned_message_is_quoted_without_its_mentions_nor_a_second_escape() {
    let (ctx, store, _chat) = test_context(Settings::default());
    run(&ctx, "CGENERAL", "start sev3 cache cold").await;
    let pinned = crate::timeline::EventKind::MessagePinned {
        message: crate::timeline::PinnedMessageRef("1700000000.000100".into()),
        author: None,
        // As Slack stores message text: its own entities, live control sequences.
        text: "a &amp; b <!channel> <http://evil.example|docs>".into(),
        permalink: None,
        pinned_at: crate::testing::test_time(),
    };
    let inv = invocation("U100", "C1");
    store.append(inv.event(&ctx, pinned).for_incident(IncidentId(1))).await.unwrap_or_else(|e| panic!("{e}"));
    let timeline = run(&ctx, "C1", "timeline").await.unwrap_or_else(|| panic!("no timeline"));
    let texts = mrkdwn_texts(&timeline);
    assert_no_injection(&texts);
    assert!(texts.iter().any(|t| t.contains("\"a &amp; b &lt;!channel&gt; &lt;http://evil.example|docs&gt;\"")), "{texts:?}");
}

#[tokio::test]
async fn diagnostics_escape_what_the_checked_systems_said() {
    let runbook = Runbook {
        name: "web-down".into(),
        description: String::new(),
        alerts: vec![],
        services: vec![],
        severity: None,
        checks: vec![
            CheckSpec { name: "health".into(), timeout: std::time::Duration::from_secs(2), target: CheckTarget::Http { url: "http://web/health".into() } },
            CheckSpec { name: "api".into(), timeout: std::time::Duration::from_secs(2), target: CheckTarget::Http { url: "http://web/api".into() } },
        ],
        actions: vec![],
    };
    let (mut ctx, store, chat) = test_context(Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() });
    let targets = Arc::new(FakeTargets::default());
    {
        let mut http = targets.http.lock().unwrap_or_else(|e| e.into_inner());
        http.push(("http://web/api".into(), Err(ProbeError::Unreachable("<!here> upstream said <http://evil.example|retry>".into()))));
        http.push(("http://web/health".into(), Ok(HttpFacts { status: 500, latency: std::time::Duration::from_millis(3), body_snippet: "ERROR <!here> payment & refund failed".into() })));
    }
    ctx.diagnostics = ports(targets);
    run(&ctx, "CGENERAL", "start sev3 web down").await;
    let before = chat.calls().len();
    run(&ctx, "C1", "diag web-down").await;
    let calls = chat.calls()[before..].to_vec();
    let texts = sent_mrkdwn(&calls);
    assert!(!texts.is_empty());
    assert_no_injection(&texts);
    assert!(texts.iter().any(|t| t.contains("&lt;!here&gt; upstream said &lt;http://evil.example|retry&gt;")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("```URL: http://web/health\nstatus: 500\nlatency: 3 ms\nbody: ERROR &lt;!here&gt; payment &amp; refund failed```")), "{texts:?}");
    // The timeline keeps what the check said.
    let timeline = store.timeline(IncidentId(1)).await.unwrap_or_default();
    let Some(crate::timeline::EventKind::DiagnosticsRan { results, .. }) = timeline.last().map(|e| e.kind.clone()) else { panic!("no diagnostics event") };
    assert!(results.iter().any(|r| r.summary.contains("<!here> upstream said")), "{results:?}");
}
