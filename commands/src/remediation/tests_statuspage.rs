//! A `statuspage_incident` action through `/incident fix` and the Approve button: the card
//! shows the command it replaces (the key's variable, never a key), the approval posts once,
//! the result (id, link) lands on the timeline and in the channel; a failure posts nothing.

use std::sync::Arc;

use async_trait::async_trait;

use super::policy::ApprovalPolicy;
use super::spec::{ActionSpec, ActionTarget};
use super::{ActionError, ActionOutcome, PostedIncident, RunbookAction, StatusPageActions};
use crate::button::ButtonAction;
use crate::command::Command;
use crate::diagnostics::runbook::Runbooks;
use crate::engine::{CommandError, Context, Invocation};
use crate::ids::{IncidentId, SlackUserId};
use crate::ports::IncidentStore;
use crate::reply::Reply;
use crate::settings::Settings;
use crate::testing::actions::{ports, runbook_with_action, RecordingActions};
use crate::testing::{invocation, test_context, ChatCall, MemoryStore, RecordingChat};
use crate::timeline::Source;

fn target() -> ActionTarget {
    ActionTarget::StatusPageIncident {
        page_id: "kctbh9vrtdwd".into(),
        token_env: "STATUSPAGE_API_KEY".into(),
        name: "Service Maintenance".into(),
        status: "investigating".into(),
        body: None,
    }
}

struct World {
    ctx: Context,
    store: Arc<MemoryStore>,
    chat: Arc<RecordingChat>,
}

async fn world(status_page: Option<Arc<dyn StatusPageActions>>) -> (World, Arc<RecordingActions>) {
    let approvers = ["U2", "U3"].iter().map(|u| SlackUserId::parse(u).unwrap_or_else(|| panic!("{u}"))).collect();
    let action = RunbookAction { spec: ActionSpec { name: "statuspage".into(), target: target() }, policy: ApprovalPolicy { approvers, ..ApprovalPolicy::default() } };
    let runbook = runbook_with_action("nerf", "nerf", action);
    let (mut ctx, store, chat) = test_context(Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() });
    let recording = Arc::new(RecordingActions::default());
    ctx.actions = ports(recording.clone());
    if let Some(status_page) = status_page {
        ctx.actions.status_page = status_page;
    }
    Command::parse("start sev1 nerf down").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U1", "CG")).await.unwrap_or_else(|e| panic!("{e}"));
    (World { ctx, store, chat }, recording)
}

impl World {
    async fn request_and_approve(&self) -> Result<Option<Reply>, CommandError> {
        Command::parse("fix statuspage").unwrap_or_else(|e| panic!("{e}")).execute(&self.ctx, &invocation("U1", "C1")).await?;
        let inv = Invocation { source: Source::Button, incident: Some(IncidentId(1)), ..invocation("U2", "C1") };
        ButtonAction::parse("fix_approve", "1:1").unwrap_or_else(|e| panic!("{e}")).execute(&self.ctx, &inv).await
    }

    fn posts(&self) -> Vec<String> {
        self.chat.calls().into_iter().filter_map(|c| if let ChatCall::Post(_, reply) = c { Some(format!("{} {:?}", reply.text, reply.blocks)) } else { None }).collect()
    }

    async fn described(&self, key: &str) -> Vec<String> {
        let events = self.store.timeline(IncidentId(1)).await.unwrap_or_default();
        events.iter().filter(|e| e.kind.key() == key).map(|e| e.kind.describe()).collect()
    }
}

#[tokio::test]
async fn an_approved_status_page_post_is_made_once_and_told_with_its_link() {
    let (w, recording) = world(None).await;
    w.request_and_approve().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(recording.executions(), 1);
    let card = w.posts().into_iter().find(|p| p.contains("Approval needed")).unwrap_or_else(|| panic!("no card"));
    assert!(card.contains("curl -X POST https://api.statuspage.io/v1/pages/kctbh9vrtdwd/incidents"), "{card}");
    assert!(card.contains("OAuth $STATUSPAGE_API_KEY") && card.contains("incident[name]=Service Maintenance"), "{card}");
    assert!(card.contains("would post statuspage_incident"), "the port's preview is on the card: {card}");
    let finished = w.described("remediation_finished").await;
    assert!(finished.iter().any(|f| f.contains("posted Statuspage incident p0st3d1d (investigating): https://stspg.io/t3st")), "{finished:?}");
    let verified = w.described("remediation_verified").await;
    assert!(verified.iter().any(|v| v.contains("Statuspage shows incident p0st3d1d as investigating")), "{verified:?}");
    let told: Vec<String> = w.posts().into_iter().filter(|p| p.contains(":mega: Posted on the status page")).collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("*Service Maintenance* (investigating) — https://stspg.io/t3st"), "{told:?}");
    // A second click runs nothing again.
    let inv = Invocation { source: Source::Button, incident: Some(IncidentId(1)), ..invocation("U3", "C1") };
    assert!(ButtonAction::parse("fix_approve", "1:1").unwrap_or_else(|e| panic!("{e}")).execute(&w.ctx, &inv).await.is_err());
    assert_eq!(recording.executions(), 1);
}

#[tokio::test]
async fn resolving_the_incident_resolves_its_status_page_incident_once() {
    let (w, recording) = world(None).await;
    w.request_and_approve().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.described("status_page_posted").await, ["#1 posted status-page incident `p0st3d1d` (investigating) https://stspg.io/t3st"]);
    Command::parse("resolve nerf is back").unwrap_or_else(|e| panic!("{e}")).execute(&w.ctx, &invocation("U1", "C1")).await.unwrap_or_else(|e| panic!("{e}"));
    // In the background: wait for it.
    for _ in 0..1000 {
        if !w.described("status_page_resolved").await.is_empty() && w.posts().iter().any(|p| p.contains("Resolved on the status page")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(*recording.resolved.lock().unwrap_or_else(|e| e.into_inner()), ["p0st3d1d"]);
    assert_eq!(w.described("status_page_resolved").await, ["resolved status-page incident `p0st3d1d`"]);
    let told: Vec<String> = w.posts().into_iter().filter(|p| p.contains("Resolved on the status page")).collect();
    assert!(told.len() == 1 && told[0].contains("*Service Maintenance* — https://stspg.io/t3st"), "{told:?}");
    // Already resolved there: a second pass resolves nothing more.
    let incident = w.store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("incident"));
    super::statuspage_resolve::resolve_posted(&w.ctx, &incident).await;
    assert_eq!(recording.resolved.lock().unwrap_or_else(|e| e.into_inner()).len(), 1);
}

/// A status page that refuses the key.
struct Refusing;

#[async_trait]
impl StatusPageActions for Refusing {
    async fn preview(&self, _: &ActionTarget) -> Result<String, ActionError> {
        Err(ActionError::NotConfigured("environment variable STATUSPAGE_API_KEY was not set when Firebreak started".into()))
    }
    async fn create(&self, _: &ActionTarget) -> Result<PostedIncident, ActionError> {
        Err(ActionError::Forbidden("Statuspage refused the API key (HTTP 401: Could not authenticate)".into()))
    }
    async fn verify(&self, _: &ActionTarget, _: &PostedIncident) -> Result<ActionOutcome, ActionError> {
        panic!("nothing was posted: nothing to verify")
    }
    async fn resolve(&self, _: &ActionTarget, _: &str) -> Result<PostedIncident, ActionError> {
        panic!("nothing was posted: nothing to resolve")
    }
}

#[tokio::test]
async fn a_refused_post_fails_the_request_and_claims_nothing_was_posted() {
    let (w, _) = world(Some(Arc::new(Refusing))).await;
    w.request_and_approve().await.unwrap_or_else(|e| panic!("{e}"));
    let card = w.posts().into_iter().find(|p| p.contains("Approval needed")).unwrap_or_else(|| panic!("no card"));
    assert!(card.contains(":warning: not configured: environment variable STATUSPAGE_API_KEY"), "the card warns before approval: {card}");
    let finished = w.described("remediation_finished").await;
    assert!(finished.iter().any(|f| f.contains("forbidden: Statuspage refused the API key")), "{finished:?}");
    assert!(w.described("remediation_verified").await.is_empty());
    assert!(!w.posts().iter().any(|p| p.contains("Posted on the status page")));
}
