//! Escalation beyond the clock: several services affected (alerts), flags (`data-integrity`)
//! raised by hand or by an alert label, and pager webhooks reached — or said not to be.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::alerts::{receive, Notification};
use crate::command::Command;
use crate::diagnostics::runbook::{Runbook, Runbooks};
use crate::engine::{CommandError, Context};
use crate::ids::{IncidentId, SlackUserId};
use crate::ports::{IncidentStore, PagingError};
use crate::reply::Reply;
use crate::settings::Settings;
use crate::severity::Severity;
use crate::testing::paging::RecordingPaging;
use crate::testing::{invocation, test_context, ChatCall, MemoryStore, RecordingChat};
use crate::timeline::{Actor, Source};

const FIXTURE: &str = include_str!("../../../tests/fixtures/alertmanager/nerf-service-down-firing.json");

fn nerf_runbook() -> Runbook {
    Runbook {
        name: "nerf-service-down".into(),
        description: String::new(),
        alerts: vec!["NerfServiceDown".into()],
        services: vec![],
        severity: Some(Severity::Sev1),
        checks: vec![],
        actions: vec![],
    }
}

fn webhook() -> PagerWebhook {
    PagerWebhook { url_env: Some("PAGER_WEBHOOK_URL".into()), format: WebhookFormat::Json, routing_key_env: None }
}

/// The seed's two levels; Level 3 also takes the data-integrity flag and has a pager webhook.
fn levels() -> Vec<EscalationLevel> {
    let em = SlackUserId::parse("U0EM").unwrap_or_else(|| panic!("id"));
    vec![
        EscalationLevel { name: "Level 2 (Team Lead)".into(), after: Some(Duration::from_secs(900)), min_services: Some(2), page: vec![Pager::Group("S0LEADS".into())], ..EscalationLevel::default() },
        EscalationLevel {
            name: "Level 3 (Engineering Manager)".into(),
            after: Some(Duration::from_secs(3600)),
            on_flags: vec!["data-integrity".into()],
            page: vec![Pager::User(em)],
            webhook: Some(webhook()),
            ..EscalationLevel::default()
        },
    ]
}

struct World {
    ctx: Context,
    store: Arc<MemoryStore>,
    chat: Arc<RecordingChat>,
    paging: Arc<RecordingPaging>,
}

impl World {
    async fn run(&self, text: &str) -> Result<Option<Reply>, CommandError> {
        let channel = if text.starts_with("start") { "CG" } else { "C1" };
        Command::parse(text).unwrap_or_else(|e| panic!("{e}")).execute(&self.ctx, &invocation("U2", channel)).await
    }

    async fn said(&self, text: &str) -> String {
        self.run(text).await.unwrap_or_else(|e| panic!("{text}: {e}")).map(|r| r.text).unwrap_or_default()
    }

    fn posted(&self, needle: &str) -> usize {
        self.chat.calls().iter().filter(|c| matches!(c, ChatCall::Post(_, reply) if reply.text.contains(needle))).count()
    }

    async fn events(&self, key: &str) -> Vec<String> {
        let events = self.store.timeline(IncidentId(1)).await.unwrap_or_default();
        events.iter().filter(|e| e.kind.key() == key).map(|e| e.kind.describe()).collect()
    }

    /// Waits for the pager's outcome: pages are sent in a task of their own (see
    /// `page::spawn_webhook`), so the escalation returns before the pager answers.
    async fn pager_answered(&self) {
        for _ in 0..1000 {
            let notified = self.events("pager_notified").await;
            // A failure is said in the channel after it is recorded.
            if notified.first().is_some_and(|n| !n.starts_with("could NOT") || self.posted("NOT reached") > 0) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the pager's outcome was never recorded");
    }
}

fn world() -> World {
    let (mut ctx, store, chat) = test_context(Settings { runbooks: Runbooks(vec![nerf_runbook()]), escalation: levels(), ..Settings::default() });
    let paging = Arc::new(RecordingPaging::default());
    ctx.paging = paging.clone();
    World { ctx, store, chat, paging }
}

async fn declared() -> World {
    let w = world();
    w.said("start sev1 API returns 502").await;
    w
}

#[tokio::test]
async fn two_services_in_the_alerts_escalate_to_the_level_that_asks_for_it() {
    let w = world();
    let notification = Notification::parse(FIXTURE.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    receive(&w.ctx, &notification).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.events("escalated").await, ["escalated to Level 2 (Team Lead): 2 services affected (nerf-web, nerf-api)"]);
}

#[tokio::test]
async fn reaching_a_level_with_a_webhook_pages_it_once_with_the_incident() {
    let w = declared().await;
    w.said("escalate customers report errors").await;
    assert!(w.paging.pages().is_empty(), "Level 2 has no webhook");
    w.said("escalate checkout is down everywhere").await;
    w.pager_answered().await;
    let pages = w.paging.pages();
    assert_eq!(pages.len(), 1);
    let (hook, page) = &pages[0];
    assert_eq!(hook, &webhook());
    assert_eq!((page.incident, page.level, page.level_name.as_str()), (1, 2, "Level 3 (Engineering Manager)"));
    assert_eq!((page.reason.as_str(), page.severity, page.title.as_str()), ("checkout is down everywhere", Severity::Sev1, "API returns 502"));
    assert_eq!(page.channel.as_ref().map(|c| c.as_str()), Some("C1"));
    assert_eq!(page.dedup_key, "firebreak-T0001-1-level-2");
    assert_eq!(w.events("pager_notified").await, ["paged Level 3 (Engineering Manager) through its pager webhook (HTTP 202, 1 attempt(s))"]);
    assert_eq!(w.posted("NOT reached"), 0);
    // The time condition (or another replica) reaching the level again pages nobody.
    let incident = w.store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("incident"));
    let why = Escalation { actor: Actor::Firebreak, source: Source::Firebreak, reason: "still unresolved after 60 min".into() };
    assert!(!escalate(&w.ctx, &incident, 2, why).await.unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(w.paging.pages().len(), 1);
}

#[tokio::test]
async fn a_pager_that_was_not_reached_is_said_in_the_channel_and_on_the_timeline() {
    let w = declared().await;
    w.paging.fail_next(PagingError::Refused { status: 503, attempts: 3, detail: "service unavailable".into() });
    w.said("escalate data-integrity").await;
    w.pager_answered().await;
    assert_eq!(w.posted("*The pager of Level 3 (Engineering Manager) was NOT reached* — the pager answered HTTP 503 after 3 attempt(s): service unavailable"), 1);
    let urgent = w.chat.calls().iter().any(|c| matches!(c, ChatCall::Post(_, r) if r.text.contains("NOT reached") && r.urgency == crate::reply::Urgency::Urgent));
    assert!(urgent, "the failure goes ahead of bulk output");
    assert_eq!(w.events("pager_notified").await, ["could NOT page Level 3 (Engineering Manager) through its pager webhook: the pager answered HTTP 503 after 3 attempt(s): service unavailable"]);
}

#[tokio::test]
async fn escalate_with_a_flag_raises_it_and_reaches_its_level_once() {
    let w = declared().await;
    let said = w.said("escalate data-integrity: replica checksums differ").await;
    assert!(said.contains("Raised the data-integrity flag on #1: escalated to Level 3 (Engineering Manager)"), "{said}");
    assert_eq!(w.events("flag_raised").await, ["raised the data-integrity flag: replica checksums differ"]);
    assert_eq!(w.events("escalated").await, ["escalated to Level 3 (Engineering Manager): data-integrity flag — replica checksums differ"]);
    assert_eq!(w.posted("*Escalated to Level 3 (Engineering Manager)* — data-integrity flag"), 1);
    w.pager_answered().await;
    let again = w.said("escalate DATA-INTEGRITY still differ").await;
    assert!(again.contains("reached already"), "{again}");
    assert_eq!((w.events("flag_raised").await.len(), w.events("escalated").await.len(), w.paging.pages().len()), (1, 1, 1));
    let top = w.run("escalate").await;
    assert!(matches!(top, Err(CommandError::User(m)) if m.contains("highest level")), "levels only go up");
}

#[tokio::test]
async fn a_reason_that_does_not_start_with_a_flag_goes_one_level_up() {
    let w = declared().await;
    w.said("escalate data integrity looks fine but latency is not").await;
    assert_eq!(w.events("escalated").await, ["escalated to Level 2 (Team Lead): data integrity looks fine but latency is not"]);
    assert!(w.events("flag_raised").await.is_empty());
}

#[tokio::test]
async fn an_alert_carrying_the_flag_label_raises_the_flag_once() {
    let w = world();
    let mut payload: serde_json::Value = serde_json::from_str(FIXTURE).unwrap_or_else(|e| panic!("{e}"));
    payload["alerts"][0]["labels"]["firebreak_flag"] = "data-integrity".into();
    let notification = Notification::parse(payload.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    receive(&w.ctx, &notification).await.unwrap_or_else(|e| panic!("{e}"));
    receive(&w.ctx, &notification).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.events("flag_raised").await, ["raised the data-integrity flag: alert `NerfServiceDown` has firebreak_flag=data-integrity"]);
    let escalated = w.events("escalated").await;
    assert_eq!(escalated.len(), 2, "{escalated:?}");
    assert!(escalated[1].starts_with("escalated to Level 3 (Engineering Manager): data-integrity flag — alert `NerfServiceDown`"), "{escalated:?}");
    w.pager_answered().await;
    assert_eq!(w.paging.pages().len(), 1);
}
