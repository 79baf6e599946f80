//! The severity's clock with a controllable clock: response-time page, reminders on cadence
//! that stop on resolve, time-based escalation — each once, whoever claims the timers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::command::Command;
use crate::engine::Context;
use crate::escalation::{EscalationLevel, Pager};
use crate::ids::{IncidentId, SlackUserId};
use crate::ports::IncidentStore;
use crate::settings::Settings;
use crate::severity::Severity;
use crate::testing::timers::MemoryTimers;
use crate::testing::{invocation, test_context, test_time, ChatCall, FixedClock, MemoryStore, RecordingChat};

struct World {
    ctx: Context,
    store: Arc<MemoryStore>,
    chat: Arc<RecordingChat>,
    clock: Arc<FixedClock>,
    timers: Arc<MemoryTimers>,
}

impl World {
    fn at_minute(&self, minutes: u64) {
        *self.clock.0.lock().unwrap_or_else(|e| e.into_inner()) = test_time() + Duration::from_secs(minutes * 60);
    }

    async fn run(&self, who: &str, text: &str) {
        let channel = if text.starts_with("start") { "CG" } else { "C1" };
        Command::parse(text).unwrap_or_else(|e| panic!("{e}")).execute(&self.ctx, &invocation(who, channel)).await.unwrap_or_else(|e| panic!("{text}: {e}"));
    }

    async fn tick(&self) -> usize {
        fire_due(&self.ctx).await.unwrap_or_else(|e| panic!("{e}"))
    }

    fn posted(&self, needle: &str) -> usize {
        self.chat.calls().iter().filter(|c| matches!(c, ChatCall::Post(_, reply) if reply.text.contains(needle))).count()
    }

    async fn kinds(&self, kind: &str) -> usize {
        self.store.timeline(IncidentId(1)).await.unwrap_or_default().iter().filter(|e| e.kind.key() == kind).count()
    }
}

async fn world() -> World {
    let settings = Settings {
        oncall: [(Severity::Sev1, vec![Pager::Group("S0ONCALL".into())])].into(),
        escalation: vec![
            EscalationLevel { name: "Level 2 (Team Lead)".into(), after: Some(Duration::from_secs(15 * 60)), min_services: Some(2), page: vec![Pager::Group("S0LEADS".into())], ..EscalationLevel::default() },
            EscalationLevel { name: "Level 3 (Engineering Manager)".into(), after: Some(Duration::from_secs(60 * 60)), min_services: None, page: vec![Pager::User(SlackUserId::parse("U0EM").unwrap_or_else(|| panic!("id")))], ..EscalationLevel::default() },
        ],
        ..Settings::default()
    };
    let (mut ctx, store, chat) = test_context(settings);
    let clock = Arc::new(FixedClock(Mutex::new(test_time())));
    let timers = Arc::new(MemoryTimers::default());
    ctx.clock = clock.clone();
    ctx.timers = timers.clone();
    *chat.usergroups.lock().unwrap_or_else(|e| e.into_inner()) = vec![("S0LEADS".into(), vec![SlackUserId::parse("U0LEAD").unwrap_or_else(|| panic!("id"))])];
    let w = World { ctx, store, chat, clock, timers };
    w.run("U1", "start sev1 API returns 502").await;
    w
}

#[tokio::test]
async fn a_new_incident_starts_its_clock() {
    let w = world().await;
    let pending: Vec<String> = w.timers.pending().into_iter().map(|(k, _)| k).collect();
    assert_eq!(pending, ["response", "reminder:1", "escalation:1", "escalation:2"]);
}

#[tokio::test]
async fn nobody_leading_after_the_response_time_pages_on_call_once() {
    let w = world().await;
    w.at_minute(14);
    assert_eq!(w.tick().await, 0, "not due yet");
    w.at_minute(15);
    w.tick().await;
    w.tick().await;
    assert_eq!(w.posted("<!subteam^S0ONCALL> the SEV1 response time (15 min)"), 1);
    assert_eq!(w.kinds("response_overdue").await, 1);
}

#[tokio::test]
async fn a_lead_in_time_silences_the_response_page() {
    let w = world().await;
    w.at_minute(5);
    w.run("U2", "lead <@U2>").await;
    w.at_minute(16);
    w.tick().await;
    assert_eq!(w.posted("response time"), 0);
    assert_eq!(w.kinds("response_overdue").await, 0);
}

#[tokio::test]
async fn reminders_follow_the_cadence_skip_after_an_update_and_stop_on_resolve() {
    let w = world().await;
    w.run("U2", "lead <@U2>").await;
    w.at_minute(30);
    w.tick().await;
    assert_eq!(w.posted("<@U2> time for a status update on #1 (SEV1 updates every 30 min)"), 1);
    w.at_minute(50);
    w.run("U2", "status identified bad deploy").await;
    w.at_minute(60);
    w.tick().await;
    assert_eq!(w.posted("time for a status update"), 1, "an update 10 minutes ago: no reminder");
    w.at_minute(90);
    w.tick().await;
    assert_eq!(w.posted("time for a status update"), 2);
    w.run("U2", "resolve fixed").await;
    w.at_minute(300);
    w.tick().await;
    assert_eq!(w.posted("time for a status update"), 2, "no reminders after resolve");
    assert_eq!(w.kinds("update_reminded").await, 2);
}

#[tokio::test]
async fn unresolved_incidents_escalate_level_by_level_once_each() {
    let w = world().await;
    w.run("U2", "lead <@U2>").await;
    w.at_minute(15);
    w.tick().await;
    assert_eq!(w.posted("*Escalated to Level 2 (Team Lead)* — still unresolved after 15 min"), 1);
    assert!(w.chat.calls().iter().any(|c| matches!(c, ChatCall::Invite(_, users) if users.iter().any(|u| u.as_str() == "U0LEAD"))));
    w.at_minute(60);
    w.tick().await;
    w.tick().await;
    assert_eq!(w.posted("*Escalated to Level 3 (Engineering Manager)*"), 1);
    assert_eq!(w.kinds("escalated").await, 2);
}

#[tokio::test]
async fn escalate_by_hand_goes_up_one_level_and_time_does_not_repeat_it() {
    let w = world().await;
    w.at_minute(3);
    w.run("U2", "escalate customers report failed payments").await;
    assert_eq!(w.posted("*Escalated to Level 2 (Team Lead)* — customers report failed payments"), 1);
    w.at_minute(15);
    w.tick().await;
    assert_eq!(w.posted("Escalated to Level 2"), 1, "level 2 is reached already");
    w.run("U2", "escalate").await;
    let refused = Command::parse("escalate").unwrap_or_else(|e| panic!("{e}")).execute(&w.ctx, &invocation("U2", "C1")).await;
    assert!(matches!(refused, Err(crate::engine::CommandError::User(m)) if m.contains("highest level")));
    assert_eq!(w.kinds("escalated").await, 2);
}

#[tokio::test]
async fn concurrent_claimers_fire_each_timer_once() {
    let w = world().await;
    w.at_minute(16);
    let rounds = (0..6).map(|_| {
        let ctx = w.ctx.clone();
        async move { fire_due(&ctx).await.unwrap_or(0) }
    });
    let fired: usize = futures_util::future::join_all(rounds).await.into_iter().sum();
    assert_eq!(fired, 2, "response + escalation:1");
    assert_eq!(w.posted("response time"), 1);
}

#[test]
fn timer_keys_round_trip() {
    for kind in [TimerKind::Response, TimerKind::Reminder(3), TimerKind::Escalation(2)] {
        assert_eq!(TimerKind::parse(&kind.key()), Some(kind));
    }
    assert_eq!(TimerKind::parse("reminder:x"), None);
}
