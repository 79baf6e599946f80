//! Golden file: the postmortem of a full scripted incident — declared, diagnosed, a restart
//! approved and verified, mitigated, resolved, with notes, action items and pinned messages
//! (one edited, one unpinned again). Regenerate with `UPDATE_GOLDEN=1` and review the diff.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use crate::button::ButtonAction;
use crate::capture::{capture, ChannelActivity};
use crate::command::Command;
use crate::diagnostics::facts::HttpFacts;
use crate::diagnostics::runbook::{Runbook, Runbooks};
use crate::diagnostics::spec::{CheckSpec, CheckTarget};
use crate::engine::{Context, Invocation};
use crate::ids::{ChannelId, IncidentId, MessageTs, SlackUserId, TeamId};
use crate::ports::IncidentStore;
use crate::remediation::policy::ApprovalPolicy;
use crate::remediation::spec::{ActionSpec, ActionTarget};
use crate::remediation::RunbookAction;
use crate::settings::Settings;
use crate::testing::actions::{ports as action_ports, RecordingActions};
use crate::testing::diagnostics::{ports as diagnostic_ports, FakeTargets};
use crate::testing::{invocation, test_context, test_time, FixedClock};
use crate::timeline::Source;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/postmortem-full-incident.md");
const HEALTH: &str = "http://checkout/health";

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).unwrap_or_else(|| panic!("{id}"))
}

fn runbook() -> Runbook {
    let check = CheckSpec { name: "checkout health".into(), timeout: Duration::from_secs(2), target: CheckTarget::Http { url: HEALTH.into() } };
    let restart = RunbookAction {
        spec: ActionSpec { name: "restart-checkout".into(), target: ActionTarget::K8sRolloutRestart { namespace: "shop".into(), deployment: "checkout".into() } },
        policy: ApprovalPolicy { approvers: vec![user("U2"), user("U3")], ..ApprovalPolicy::default() },
    };
    Runbook {
        name: "checkout-down".into(),
        description: String::new(),
        alerts: vec![],
        services: vec!["checkout".into()],
        severity: None,
        checks: vec![check],
        actions: vec![restart],
    }
}

struct Script {
    ctx: Context,
    clock: Arc<FixedClock>,
    targets: Arc<FakeTargets>,
    chat: Arc<crate::testing::RecordingChat>,
}

impl Script {
    fn at(&self, hh_mm_ss: &str) -> Timestamp {
        let at: Timestamp = format!("2026-11-23T{hh_mm_ss}Z").parse().unwrap_or_else(|e| panic!("{e}"));
        *self.clock.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
        at
    }

    async fn slash(&self, time: &str, who: &str, text: &str) {
        self.at(time);
        let channel = if text.starts_with("start") { "CGENERAL" } else { "C1" };
        let command = Command::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        command.execute(&self.ctx, &invocation(who, channel)).await.unwrap_or_else(|e| panic!("{text}: {e}"));
    }

    async fn click(&self, time: &str, who: &str, action: &str, value: &str) {
        self.at(time);
        let inv = Invocation { source: Source::Button, incident: Some(IncidentId(1)), ..invocation(who, "C1") };
        let button = ButtonAction::parse(action, value).unwrap_or_else(|e| panic!("{e}"));
        button.execute(&self.ctx, &inv).await.unwrap_or_else(|e| panic!("{action}: {e}"));
    }

    fn health(&self, status: u16) {
        let facts = HttpFacts { status, latency: Duration::from_millis(40), body_snippet: String::new() };
        *self.targets.http.lock().unwrap_or_else(|e| e.into_inner()) = vec![(HEALTH.into(), Ok(facts))];
    }

    /// `who` writes `text` at `posted` (a message ts).
    fn say(&self, posted: &str, who: &str, text: &str) -> String {
        let ts = format!("{}.000100", self.at(posted).as_second());
        self.chat.add_message("C1", &ts, who, text);
        ts
    }

    async fn activity(&self, time: &str, activity: ChannelActivity) {
        self.at(time);
        capture(&self.ctx, &TeamId::new("T0001"), &ChannelId::new("C1"), activity).await.unwrap_or_else(|e| panic!("{e}"));
    }

    async fn pin(&self, time: &str, who: &str, ts: &str) {
        self.activity(time, ChannelActivity::ReactionAdded { user: user(who), message: MessageTs::new(ts), emoji: "pushpin".into() }).await;
    }
}

async fn scripted_incident() -> String {
    let (mut ctx, store, chat) = test_context(Settings { runbooks: Runbooks(vec![runbook()]), ..Settings::default() });
    let clock = Arc::new(FixedClock(Mutex::new(test_time())));
    let targets = Arc::new(FakeTargets::default());
    ctx.clock = clock.clone();
    ctx.diagnostics = diagnostic_ports(targets.clone());
    ctx.actions = action_ports(Arc::new(RecordingActions::default()));
    let s = Script { ctx, clock, targets, chat };

    s.health(503);
    s.slash("03:12:00", "U1", "start sev1 Payments fail at checkout").await;
    let first_report = s.say("03:12:40", "U3", "502s on /pay since about 03:08, right after the deploy");
    s.slash("03:13:10", "U2", "lead <@U2>").await;
    s.slash("03:14:00", "U2", "diag checkout-down").await;
    let error_rate = s.say("03:15:30", "U1", "error rate 40% on checkout");
    s.pin("03:16:00", "U2", &error_rate).await;
    s.slash("03:17:00", "U2", "fix restart-checkout").await;
    s.health(200);
    s.click("03:18:00", "U3", "fix_approve", "1:1").await;
    s.activity("03:18:30", ChannelActivity::MessageEdited {
        message: MessageTs::new(&error_rate),
        text: "error rate 45% on checkout (peak)".into(),
        edited_at: Some(MessageTs::new("1795407510.000000")),
    })
    .await;
    let noise = s.say("03:19:00", "U1", "brb, coffee");
    s.pin("03:19:05", "U1", &noise).await;
    s.chat.set_reactions(&noise, "pushpin", &[]);
    s.activity("03:19:10", ChannelActivity::ReactionRemoved { user: user("U1"), message: MessageTs::new(&noise), emoji: "pushpin".into() }).await;
    s.slash("03:22:00", "U2", "status mitigated restart cleared the stuck connection pool").await;
    // Pinned late, but it reads where it was said.
    s.pin("03:23:00", "U2", &first_report).await;
    s.slash("03:25:00", "U2", "note root cause: the 03:08 deploy halved the DB pool size").await;
    s.slash("03:26:00", "U2", "time detected 03:09").await;
    s.slash("03:40:00", "U2", "resolve checkout healthy for 15 minutes").await;
    s.slash("03:41:00", "U2", "action alert on DB pool saturation").await;
    s.slash("03:41:30", "U1", "action review pool size in the deploy checklist").await;

    let incident = store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("incident"));
    crate::postmortem::draft(store.as_ref(), &s.ctx.settings, &incident, s.at("04:00:00")).await.unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn the_postmortem_of_a_full_incident_matches_the_golden_file() {
    let rendered = scripted_incident().await;
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &rendered).unwrap_or_else(|e| panic!("writing {GOLDEN}: {e}"));
    }
    let golden = std::fs::read_to_string(GOLDEN).unwrap_or_else(|e| panic!("{GOLDEN}: {e} (run with UPDATE_GOLDEN=1 to create it)"));
    assert_eq!(rendered, golden, "the postmortem changed; if intended, regenerate with UPDATE_GOLDEN=1 and review the diff");
}
