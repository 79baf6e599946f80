//! `/incident fix` and the approval buttons: the authorisation matrix, exactly-once execution
//! under concurrent approvals, and the timeline — against in-memory fakes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::button::ButtonAction;
use crate::diagnostics::runbook::Runbooks;
use crate::engine::Context;
use crate::ids::IncidentId;
use crate::ports::IncidentStore;
use crate::remediation::policy::ApprovalPolicy;
use crate::remediation::spec::{ActionSpec, ActionTarget};
use crate::remediation::{ActionError, RunbookAction};
use crate::settings::Settings;
use crate::testing::actions::{ports, runbook_with_action, RecordingActions};
use crate::testing::{invocation, test_context, test_time, ChatCall, FixedClock};
use crate::timeline::Source;

struct World {
    ctx: Context,
    store: Arc<crate::testing::MemoryStore>,
    chat: Arc<crate::testing::RecordingChat>,
    actions: Arc<RecordingActions>,
    clock: Arc<FixedClock>,
}

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).unwrap_or_else(|| panic!("{id}"))
}

async fn world() -> World {
    let action = RunbookAction {
        spec: ActionSpec { name: "restart-web".into(), target: ActionTarget::K8sRolloutRestart { namespace: "default".into(), deployment: "web".into() } },
        policy: ApprovalPolicy { approvers: vec![user("U2"), user("U3"), user("U1")], ..ApprovalPolicy::default() },
    };
    let runbook = runbook_with_action("web-down", "web", action);
    let (mut ctx, store, chat) = test_context(Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() });
    let actions = Arc::new(RecordingActions::default());
    ctx.actions = ports(actions.clone());
    let clock = Arc::new(FixedClock(Mutex::new(test_time())));
    ctx.clock = clock.clone();
    Command::parse("start sev1 web down").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U1", "CG")).await.unwrap_or_else(|e| panic!("{e}"));
    World { ctx, store, chat, actions, clock }
}

async fn fix(w: &World, who: &str, text: &str) -> Result<Option<Reply>, CommandError> {
    Command::parse(text).unwrap_or_else(|e| panic!("{e}")).execute(&w.ctx, &invocation(who, "C1")).await
}

async fn click(w: &World, who: &str, action: &str, request: i64) -> Result<Option<Reply>, CommandError> {
    let inv = Invocation { source: Source::Button, incident: Some(IncidentId(1)), ..invocation(who, "C1") };
    let button = ButtonAction::parse(action, &format!("1:{request}")).unwrap_or_else(|e| panic!("{e}"));
    button.execute(&w.ctx, &inv).await
}

fn refused(result: Result<Option<Reply>, CommandError>, expected: &str) {
    match result {
        Err(CommandError::User(message)) => assert!(message.contains(expected), "{message}"),
        other => panic!("expected a refusal containing {expected:?}, got {other:?}"),
    }
}

async fn kinds(w: &World) -> Vec<String> {
    w.store.timeline(IncidentId(1)).await.unwrap_or_default().iter().map(|e| e.kind.key().to_owned()).collect()
}

#[tokio::test]
async fn fix_lists_the_runbooks_actions_and_requests_post_an_approval_card() {
    let w = world().await;
    let menu = fix(&w, "U1", "fix").await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("menu"));
    assert!(format!("{menu:?}").contains("fix_request.restart-web"));
    assert!(fix(&w, "U1", "fix restart-web").await.is_ok());
    let card = w.chat.calls().into_iter().rev().find_map(|c| match c {
        ChatCall::Post(_, reply) if reply.text.contains("Approval needed") => Some(reply),
        _ => None,
    });
    let card = format!("{:?}", card.unwrap_or_else(|| panic!("no approval card")));
    for expected in ["kubectl rollout restart deployment/web -n default", "would k8s_rollout_restart", "<@U2>", "fix_approve", "fix_deny", "1:1"] {
        assert!(card.contains(expected), "card lacks {expected}: {card}");
    }
    assert!(kinds(&w).await.contains(&"remediation_requested".to_owned()));
    refused(fix(&w, "U1", "fix drop-database").await, "There is no action `drop-database`");
}

#[tokio::test]
async fn the_authorisation_matrix_runs_nothing() {
    let w = world().await;
    fix(&w, "U1", "fix restart-web").await.unwrap_or_else(|e| panic!("{e}"));
    refused(click(&w, "U9", "fix_approve", 1).await, "not an approver");
    refused(click(&w, "U1", "fix_approve", 1).await, "two-person rule");
    refused(click(&w, "U9", "fix_deny", 1).await, "only an approver or the requester");
    assert!(click(&w, "U2", "fix_deny", 1).await.is_ok());
    refused(click(&w, "U3", "fix_approve", 1).await, "denied already");

    fix(&w, "U1", "fix restart-web").await.unwrap_or_else(|e| panic!("{e}"));
    *w.clock.0.lock().unwrap_or_else(|e| e.into_inner()) = test_time() + jiff::SignedDuration::from_mins(16);
    refused(click(&w, "U2", "fix_approve", 2).await, "expired");
    refused(click(&w, "U2", "fix_approve", 99).await, "no remediation request #99");

    assert_eq!(w.actions.executions(), 0);
    let kinds = kinds(&w).await;
    assert_eq!(kinds.iter().filter(|k| *k == "remediation_refused").count(), 5, "every refused click on a real request is recorded: {kinds:?}");
    assert!(kinds.contains(&"remediation_denied".to_owned()) && kinds.contains(&"remediation_expired".to_owned()));
}

#[tokio::test]
async fn an_approval_runs_once_verifies_and_lands_on_the_timeline() {
    let w = world().await;
    fix(&w, "U1", "fix restart-web").await.unwrap_or_else(|e| panic!("{e}"));
    assert!(click(&w, "U2", "fix_approve", 1).await.is_ok());
    refused(click(&w, "U3", "fix_approve", 1).await, "succeeded already");
    assert_eq!(w.actions.executions(), 1);
    let kinds = kinds(&w).await;
    let flow: Vec<&str> = kinds.iter().map(String::as_str).filter(|k| k.starts_with("remediation_") && *k != "remediation_refused").collect();
    assert_eq!(flow, ["remediation_requested", "remediation_approved", "remediation_started", "remediation_finished", "remediation_verified"]);
    let last_card = w.chat.calls().into_iter().rev().find_map(|c| match c {
        ChatCall::Respond(_, reply) => Some(reply),
        _ => None,
    });
    let last_card = last_card.unwrap_or_else(|| panic!("no card update"));
    assert!(last_card.replace_original && last_card.text.contains("Succeeded"), "{last_card:?}");
}

#[tokio::test]
async fn a_change_sent_without_an_answer_ends_unknown_unverified_and_never_reruns() {
    use crate::remediation::request::{RequestId, RequestState};
    let w = world().await;
    let why = "no answer to patch deployments web; the change may have been made: check the target before requesting it again";
    *w.actions.fail_with.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(ActionError::Unanswered(why.into()));
    fix(&w, "U1", "fix restart-web").await.unwrap_or_else(|e| panic!("{e}"));
    assert!(click(&w, "U2", "fix_approve", 1).await.is_ok());

    let request = w.ctx.requests.request(RequestId(1)).await.ok().flatten().unwrap_or_else(|| panic!("request gone"));
    assert_eq!((request.state, request.result.as_deref()), (RequestState::Unknown, Some(format!("outcome unknown: {why}").as_str())));
    assert_eq!(*w.actions.verifications.lock().unwrap_or_else(std::sync::PoisonError::into_inner), 0, "an unknown outcome is not 'verified'");
    let kinds = kinds(&w).await;
    let flow: Vec<&str> = kinds.iter().map(String::as_str).filter(|k| k.starts_with("remediation_")).collect();
    assert_eq!(flow, ["remediation_requested", "remediation_approved", "remediation_started", "remediation_outcome_unknown"]);
    let timeline = w.store.timeline(IncidentId(1)).await.unwrap_or_default();
    let said = timeline.last().map(|e| e.kind.describe()).unwrap_or_default();
    assert!(said.contains("#1 outcome unknown") && said.contains("may have been made"), "{said}");
    let last_card = w.chat.calls().into_iter().rev().find_map(|c| match c {
        ChatCall::Respond(_, reply) => Some(reply),
        _ => None,
    });
    let card = last_card.unwrap_or_else(|| panic!("no card update")).text;
    assert!(card.contains("Outcome unknown") && !card.contains("Failed") && !card.contains("Succeeded"), "{card}");

    refused(click(&w, "U3", "fix_approve", 1).await, "finished (outcome unknown) already");
    assert_eq!(w.actions.executions(), 1, "never run again by itself");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_simultaneous_approvals_run_it_once() {
    let w = Arc::new(world().await);
    *w.actions.delay.lock().unwrap_or_else(|e| e.into_inner()) = Duration::from_millis(100);
    fix(&w, "U1", "fix restart-web").await.unwrap_or_else(|e| panic!("{e}"));
    let clicks: Vec<_> = (0..10)
        .map(|i| {
            let w = w.clone();
            tokio::spawn(async move { click(&w, if i % 2 == 0 { "U2" } else { "U3" }, "fix_approve", 1).await.is_ok() })
        })
        .collect();
    let mut approved = 0;
    for c in clicks {
        approved += usize::from(c.await.unwrap_or(false));
    }
    assert_eq!((approved, w.actions.executions()), (1, 1));
}

/// A clock that follows tokio's (paused) time, so that leases age as the test lets time pass.
struct TokioClock(tokio::time::Instant);

impl crate::ports::Clock for TokioClock {
    fn now(&self) -> jiff::Timestamp {
        test_time().checked_add(self.0.elapsed()).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// The world with its requests shared by several replicas' handles and a clock that moves.
async fn replicated_world() -> (World, Arc<crate::testing::requests::MemoryRequests>) {
    let mut w = world().await;
    let requests = Arc::new(crate::testing::requests::MemoryRequests::default());
    w.ctx.requests = requests.clone();
    w.ctx.clock = Arc::new(TokioClock(tokio::time::Instant::now()));
    (w, requests)
}

/// The same bot as another replica: the same store, its own handle on the requests.
fn replica(w: &World, requests: &crate::testing::requests::MemoryRequests, name: &str) -> Context {
    Context { requests: Arc::new(requests.replica(name)), ..w.ctx.clone() }
}

fn interrupted_posts(w: &World) -> usize {
    w.chat.calls().iter().filter(|c| matches!(c, ChatCall::Post(_, r) if r.text.contains("state unknown"))).count()
}

#[tokio::test(start_paused = true)]
async fn a_long_run_renews_its_lease_and_another_replica_leaves_it_alone() {
    use crate::remediation::request::{RequestId, RequestState};
    let (w, requests) = replicated_world().await;
    *w.actions.delay.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Duration::from_secs(300);
    fix(&w, "U1", "fix restart-web").await.unwrap_or_else(|e| panic!("{e}"));
    let (ctx, inv) = (w.ctx.clone(), Invocation { source: Source::Button, incident: Some(IncidentId(1)), ..invocation("U2", "C1") });
    let run = tokio::spawn(async move {
        let button = ButtonAction::parse("fix_approve", "1:1").unwrap_or_else(|e| panic!("{e}"));
        button.execute(&ctx, &inv).await
    });
    // Replica B's round, every 5 s of a run that takes five minutes (far past one lease).
    let other = replica(&w, &requests, "replica-b");
    while !run.is_finished() {
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(crate::remediation::lease::interrupt_expired(&other).await.unwrap_or_else(|e| panic!("{e}")), 0, "a live run was interrupted");
    }
    run.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|e| panic!("{e}"));
    let request = w.ctx.requests.request(RequestId(1)).await.ok().flatten().unwrap_or_else(|| panic!("request gone"));
    assert_eq!(request.state, RequestState::Succeeded);
    assert_eq!((w.actions.executions(), interrupted_posts(&w)), (1, 0));
    assert!(!kinds(&w).await.contains(&"remediation_interrupted".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_run_whose_replica_died_is_reported_once_by_one_of_two_replicas_and_never_rerun() {
    use crate::remediation::request::{Move, RequestId, RequestState};
    let (w, requests) = replicated_world().await;
    fix(&w, "U1", "fix restart-web").await.unwrap_or_else(|e| panic!("{e}"));
    let id = RequestId(1);
    let approve = Move { from: RequestState::Requested, to: RequestState::Approved, by: Some(user("U2")), at: test_time(), result: None };
    assert!(w.ctx.requests.move_request(id, &approve).await.unwrap_or(false));
    let start = Move { to: RequestState::Running, from: RequestState::Approved, ..approve.clone() };
    assert!(w.ctx.requests.move_request(id, &start).await.is_err(), "no run without a lease");
    let lease_end = crate::remediation::lease::lease_end(&w.ctx);
    assert!(w.ctx.requests.start_run(id, w.ctx.clock.now(), lease_end).await.unwrap_or(false));
    // Replica A died here, before its first renewal. B and C run their rounds:
    let (b, c) = (replica(&w, &requests, "replica-b"), replica(&w, &requests, "replica-c"));
    let round = |ctx: Context| async move { crate::remediation::lease::interrupt_expired(&ctx).await.unwrap_or_else(|e| panic!("{e}")) };
    tokio::time::sleep(Duration::from_secs(44)).await;
    assert_eq!(round(b.clone()).await + round(c.clone()).await, 0, "the lease still runs");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (by_b, by_c) = tokio::join!(round(b.clone()), round(c.clone()));
    assert_eq!((by_b + by_c, interrupted_posts(&w)), (1, 1), "reported once");
    assert!(kinds(&w).await.contains(&"remediation_interrupted".to_owned()));
    assert_eq!(w.ctx.requests.renew_lease(id, crate::remediation::lease::lease_end(&w.ctx)).await.ok(), Some(false), "A's lease is gone");
    refused(click(&w, "U3", "fix_approve", 1).await, "interrupted already");
    assert_eq!(w.actions.executions(), 0);
}
