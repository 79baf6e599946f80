//! Property tests of the approval flow: arbitrary sequences of requests, approve and deny
//! clicks (some at the same moment), by arbitrary people, with time passing, against the
//! in-memory store. Whatever the order: nothing runs without an approval by an allowed
//! approver (and not by the requester where the two-person rule applies), nothing runs twice,
//! and a request in a final state stays there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;

use super::policy::ApprovalPolicy;
use super::request::{RequestId, RequestState};
use super::spec::{ActionSpec, ActionTarget};
use super::RunbookAction;
use crate::button::ButtonAction;
use crate::diagnostics::runbook::Runbooks;
use crate::engine::{Context, Invocation};
use crate::ids::{IncidentId, SlackUserId};
use crate::ports::IncidentStore;
use crate::settings::Settings;
use crate::testing::actions::{ports, runbook_with_action, RecordingActions};
use crate::testing::{invocation, test_context, test_time, FixedClock, MemoryStore};
use crate::timeline::{EventKind, Source};
use crate::Command;

/// The approvers of the action; `U1` declares the incident and usually requests.
const APPROVERS: [&str; 2] = ["U2", "U3"];
const PEOPLE: [&str; 5] = ["U1", "U2", "U3", "U8", "U9"];

#[derive(Debug, Clone)]
enum Step {
    Request(usize),
    Approve(usize, i64),
    Deny(usize, i64),
    /// Two people click Approve on the same request at the same moment.
    ApproveTogether(usize, usize, i64),
    /// The clock moves on (requests expire after 15 minutes).
    Wait(u8),
}

fn step() -> impl Strategy<Value = Step> {
    let person = 0..PEOPLE.len();
    let request = 1i64..=4;
    prop_oneof![
        2 => person.clone().prop_map(Step::Request),
        4 => (person.clone(), request.clone()).prop_map(|(p, r)| Step::Approve(p, r)),
        2 => (person.clone(), request.clone()).prop_map(|(p, r)| Step::Deny(p, r)),
        2 => (person.clone(), person, request).prop_map(|(a, b, r)| Step::ApproveTogether(a, b, r)),
        1 => (0u8..20).prop_map(Step::Wait),
    ]
}

struct World {
    ctx: Context,
    store: Arc<MemoryStore>,
    actions: Arc<RecordingActions>,
    clock: Arc<FixedClock>,
    two_person: bool,
}

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).unwrap_or_else(|| panic!("{id}"))
}

async fn world(severity: &str) -> World {
    let action = RunbookAction {
        spec: ActionSpec { name: "restart-web".into(), target: ActionTarget::K8sRolloutRestart { namespace: "default".into(), deployment: "web".into() } },
        policy: ApprovalPolicy { approvers: APPROVERS.iter().map(|a| user(a)).collect(), ..ApprovalPolicy::default() },
    };
    let runbook = runbook_with_action("web-down", "web", action);
    let (mut ctx, store, _chat) = test_context(Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() });
    let actions = Arc::new(RecordingActions::default());
    ctx.actions = ports(actions.clone());
    let clock = Arc::new(FixedClock(Mutex::new(test_time())));
    ctx.clock = clock.clone();
    let start = Command::parse(&format!("start {severity} web down")).unwrap_or_else(|e| panic!("{e}"));
    start.execute(&ctx, &invocation("U1", "CG")).await.unwrap_or_else(|e| panic!("{e}"));
    World { ctx, store, actions, clock, two_person: matches!(severity, "sev1" | "sev2") }
}

fn click_as(who: &str) -> Invocation {
    Invocation { source: Source::Button, incident: Some(IncidentId(1)), ..invocation(who, "C1") }
}

async fn click(w: &World, who: &str, action: &str, request: i64) {
    let button = ButtonAction::parse(action, &format!("1:{request}")).unwrap_or_else(|e| panic!("{e}"));
    // Refusals are answers to the clicker; the invariants below judge what happened.
    let _ = button.execute(&w.ctx, &click_as(who)).await;
}

async fn apply(w: &World, step: &Step) {
    match step {
        Step::Request(p) => {
            let fix = Command::parse("fix restart-web").unwrap_or_else(|e| panic!("{e}"));
            let _ = fix.execute(&w.ctx, &invocation(PEOPLE[*p], "C1")).await;
        }
        Step::Approve(p, r) => click(w, PEOPLE[*p], "fix_approve", *r).await,
        Step::Deny(p, r) => click(w, PEOPLE[*p], "fix_deny", *r).await,
        Step::ApproveTogether(a, b, r) => {
            futures_util::future::join(click(w, PEOPLE[*a], "fix_approve", *r), click(w, PEOPLE[*b], "fix_approve", *r)).await;
        }
        Step::Wait(minutes) => {
            let mut now = w.clock.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *now += jiff::SignedDuration::from_mins(i64::from(*minutes));
        }
    }
}

/// Whether `to` can follow `from` through zero or more allowed moves.
fn reachable(from: RequestState, to: RequestState) -> bool {
    from == to || RequestState::ALL.iter().any(|next| from.can_move_to(*next) && reachable(*next, to))
}

/// Checks every invariant against the store after a step; `seen` is each request's last state.
async fn check(w: &World, seen: &mut HashMap<i64, RequestState>) -> Result<(), TestCaseError> {
    let approved: Vec<i64> = w
        .store
        .timeline(IncidentId(1))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::RemediationApproved { request, .. } => Some(request),
            _ => None,
        })
        .collect();
    let mut runs = 0;
    for id in 1..=8 {
        let Some(request) = w.ctx.requests.request(RequestId(id)).await.unwrap_or(None) else { continue };
        let state = request.state;
        if let Some(before) = seen.insert(id, state) {
            prop_assert!(!before.is_final() || before == state, "#{id} left final state {before:?} for {state:?}");
            prop_assert!(reachable(before, state), "#{id} jumped {before:?} → {state:?}");
        }
        if RequestState::RAN.contains(&state) {
            runs += 1;
            let by = request.decided_by.as_ref().map(SlackUserId::as_str);
            prop_assert!(by.is_some_and(|by| APPROVERS.contains(&by)), "#{id} ran, approved by {by:?}");
            prop_assert!(!(w.two_person && request.decided_by.as_ref() == Some(&request.requested_by)), "#{id} self-approved at SEV1/2");
            prop_assert_eq!(approved.iter().filter(|r| **r == id).count(), 1, "#{} ran without exactly one recorded approval", id);
        }
    }
    prop_assert_eq!(w.actions.executions(), runs, "executions vs requests that ran");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_order_of_clicks_runs_anything_unapproved_or_twice(
        severity in prop_oneof![Just("sev1"), Just("sev3")],
        steps in proptest::collection::vec(step(), 1..30),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap_or_else(|e| panic!("{e}"));
        runtime.block_on(async {
            let w = world(severity).await;
            let mut seen = HashMap::new();
            for step in &steps {
                apply(&w, step).await;
                check(&w, &mut seen).await?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}
