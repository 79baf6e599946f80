//! Requesting, approving, denying and running a remediation. Every state change is a
//! compare-and-set: whoever loses a race does nothing, so an approval runs exactly once.

use std::time::Duration;

use jiff::SignedDuration;

use super::{card, lease};
use super::policy::{Refusal, RunCounts};
use super::request::{Move, NewRequest, RemediationRequest, RequestId, RequestState};
use super::{ActionError, ActionOutcome, ActionTarget, Executor, PostedIncident, RunbookAction};
use crate::diagnostics::runbook::Runbook;
use crate::diagnostics::runner::run_checks;
use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::incident::Incident;
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::timeline::EventKind;

/// How long a request waits for an approval.
pub const REQUEST_LIFETIME: SignedDuration = SignedDuration::from_mins(15);
/// How long verification may follow a rollout or container restart.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(180);

/// The runbook whose action `name` applies to the incident: the title's runbook first.
pub fn find_action(ctx: &Context, incident: &Incident, name: &str) -> Result<(Runbook, RunbookAction), CommandError> {
    let runbooks = &ctx.settings.runbooks;
    let preferred = runbooks.for_title(&incident.title).into_iter();
    let found = preferred
        .chain(runbooks.0.iter())
        .find_map(|r| r.actions.iter().find(|a| a.spec.name == name).map(|a| (r.clone(), a.clone())));
    found.ok_or_else(|| {
        let names: Vec<String> = runbooks.0.iter().flat_map(|r| r.actions.iter().map(|a| a.spec.name.clone())).collect();
        let shown: String = name.chars().take(64).collect();
        CommandError::User(format!("There is no action `{}`. Actions: {}.", escape(&shown), if names.is_empty() { "none configured".into() } else { escape(&names.join(", ")).into_owned() }))
    })
}

/// Creates the request and posts its approval card in the incident channel.
pub async fn request(ctx: &Context, inv: &Invocation, name: &str) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    let channel = incident.channel.clone().ok_or_else(|| CommandError::User("The incident has no channel yet.".into()))?;
    let (runbook, action) = find_action(ctx, &incident, name)?;
    let now = ctx.clock.now();
    let new = NewRequest {
        incident: incident.id,
        runbook: runbook.name.clone(),
        action: action.spec.name.clone(),
        requested_by: inv.user.clone(),
        created_at: now,
        expires_at: now.checked_add(REQUEST_LIFETIME).unwrap_or(now),
    };
    let request = ctx.requests.create_request(new).await?;
    let preview = preview(ctx, &action.spec.target).await;
    ctx.chat
        .post(&channel, &card::approval(&request, &action, &preview))
        .await
        .map_err(|e| CommandError::Internal(format!("could not post the approval card: {e}")))?;
    let kind = EventKind::RemediationRequested { request: request.id.0, action: action.spec.name.clone(), command: action.spec.target.describe() };
    ctx.store.append(inv.event(ctx, kind).for_incident(incident.id)).await?;
    Ok(None)
}

async fn preview(ctx: &Context, target: &ActionTarget) -> String {
    match target.executor() {
        Executor::Containers => "Docker has no dry run; the container(s) will be restarted.".to_owned(),
        Executor::StatusPage => match ctx.actions.status_page.preview(target).await {
            Ok(preview) => preview,
            Err(error) => format!(":warning: {error}"),
        },
        Executor::Cluster => match ctx.actions.cluster.preview(target).await {
            Ok(preview) => format!("server-side dry run: {preview}"),
            Err(error) => format!(":warning: dry run failed: {error}"),
        },
    }
}

/// The request a button names, checked to belong to the invocation's incident.
async fn load(ctx: &Context, inv: &Invocation, id: RequestId) -> Result<(Incident, RemediationRequest, RunbookAction), CommandError> {
    let incident = current_incident(ctx, inv).await?;
    let request = ctx
        .requests
        .request(id)
        .await?
        .filter(|r| r.incident == incident.id)
        .ok_or_else(|| CommandError::User(format!("There is no remediation request #{id} in this incident.")))?;
    let (_, action) = find_action(ctx, &incident, &request.action)?;
    Ok((incident, request, action))
}

fn mv(from: RequestState, to: RequestState, inv: Option<&Invocation>, ctx: &Context, result: Option<String>) -> Move {
    Move { from, to, by: inv.map(|i| i.user.clone()), at: ctx.clock.now(), result }
}

async fn record(ctx: &Context, inv: &Invocation, incident: &Incident, kind: EventKind) -> Result<(), CommandError> {
    ctx.store.append(inv.event(ctx, kind).for_incident(incident.id)).await?;
    Ok(())
}

/// An Approve click: policy, then compare-and-set requested → approved → running, run, verify.
pub async fn approve(ctx: &Context, inv: &Invocation, id: RequestId) -> Result<Option<Reply>, CommandError> {
    let (incident, request, action) = load(ctx, inv, id).await?;
    let now = ctx.clock.now();
    let hour_ago = now.checked_sub(SignedDuration::from_hours(1)).unwrap_or(now);
    let runs = RunCounts {
        in_incident: ctx.requests.count_runs(&request.runbook, &request.action, Some(incident.id), jiff::Timestamp::UNIX_EPOCH).await?,
        in_last_hour: ctx.requests.count_runs(&request.runbook, &request.action, None, hour_ago).await?,
    };
    let in_group = in_approver_group(ctx, &action, &inv.user).await;
    if let Err(refusal) = action.policy.check(&request, &inv.user, in_group, incident.severity, now, runs) {
        if refusal == Refusal::Expired && ctx.requests.move_request(id, &mv(RequestState::Requested, RequestState::Expired, None, ctx, None)).await? {
            record(ctx, inv, &incident, EventKind::RemediationExpired { request: id.0, action: request.action.clone() }).await?;
            respond(ctx, inv, &card::settled(&request, &request.action, ":hourglass: Expired unapproved", &[])).await;
        }
        record(ctx, inv, &incident, EventKind::RemediationRefused { request: id.0, reason: refusal.to_string() }).await?;
        return Err(CommandError::User(format!("Not approved: {}.", escape(&refusal.to_string()))));
    }
    if !ctx.requests.move_request(id, &mv(RequestState::Requested, RequestState::Approved, Some(inv), ctx, None)).await? {
        return Err(CommandError::User(format!("Request #{id} was decided by someone else a moment ago.")));
    }
    record(ctx, inv, &incident, EventKind::RemediationApproved { request: id.0, action: request.action.clone() }).await?;
    if !ctx.requests.start_run(id, ctx.clock.now(), lease::lease_end(ctx)).await? {
        return Ok(None);
    }
    // From here until the outcome is recorded this replica renews its lease on the run.
    lease::holding(ctx, id, async {
        record(ctx, inv, &incident, EventKind::RemediationStarted { request: id.0, action: request.action.clone() }).await?;
        let running = format!(":gear: Running — approved by {}", inv.user.mention());
        respond(ctx, inv, &card::settled(&request, &request.action, &running, &[format!("`{}`", escape(&action.spec.target.describe()))])).await;
        run(ctx, inv, &incident, &request, &action).await
    })
    .await
}

/// Whether `user` belongs to one of the action's approver groups. Slack is asked at each click
/// (membership changes); if it cannot answer, the answer is no — the policy fails closed.
async fn in_approver_group(ctx: &Context, action: &RunbookAction, user: &crate::ids::SlackUserId) -> bool {
    if action.policy.approvers.contains(user) {
        return false;
    }
    for group in &action.policy.approver_groups {
        match ctx.chat.usergroup_members(group).await {
            Ok(members) if members.contains(user) => return true,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, usergroup = %group, "could not read approver group; treating as not a member"),
        }
    }
    false
}

/// Executes once, records the result, verifies, re-runs the runbook's health checks, and
/// replaces the card with the evidence.
async fn run(ctx: &Context, inv: &Invocation, incident: &Incident, request: &RemediationRequest, action: &RunbookAction) -> Result<Option<Reply>, CommandError> {
    let target = &action.spec.target;
    let executor = target.executor();
    let mut posted: Option<PostedIncident> = None;
    let executed = match executor {
        Executor::Cluster => ctx.actions.cluster.execute(target).await,
        Executor::Containers => ctx.actions.containers.execute(target).await,
        Executor::StatusPage => ctx.actions.status_page.create(target).await.map(|incident| posted.insert(incident).outcome()),
    };
    if let Err(ActionError::Unanswered(why)) = &executed {
        return outcome_unknown(ctx, inv, incident, request, action, why).await;
    }
    let outcome = executed.unwrap_or_else(|e| ActionOutcome { success: false, summary: e.to_string(), evidence: vec![] });
    let end = if outcome.success { RequestState::Succeeded } else { RequestState::Failed };
    ctx.requests.move_request(request.id, &mv(RequestState::Running, end, None, ctx, Some(outcome.summary.clone()))).await?;
    let finished = EventKind::RemediationFinished { request: request.id.0, action: request.action.clone(), success: outcome.success, summary: outcome.summary.clone() };
    record(ctx, inv, incident, finished).await?;
    if let Some(posted) = &posted {
        // What resolving the incident will resolve on the page.
        let kind = EventKind::StatusPagePosted {
            request: request.id.0,
            action: request.action.clone(),
            incident_id: posted.id.clone(),
            status: posted.status.clone(),
            shortlink: posted.shortlink.clone(),
        };
        record(ctx, inv, incident, kind).await?;
    }
    // Summaries and evidence come from Kubernetes and Docker: escaped where they become mrkdwn.
    let mut lines = vec![format!("`{}`", escape(&target.describe())), format!("Result: {}", escape(&outcome.summary))];
    lines.extend(outcome.evidence.iter().map(|line| escape(line).into_owned()));
    if outcome.success {
        let verified = match (executor, &posted) {
            (Executor::Cluster, _) => ctx.actions.cluster.verify(target, VERIFY_TIMEOUT).await,
            (Executor::Containers, _) => ctx.actions.containers.verify(target, VERIFY_TIMEOUT).await,
            (Executor::StatusPage, Some(incident)) => ctx.actions.status_page.verify(target, incident).await,
            (Executor::StatusPage, None) => Err(ActionError::Failed("no Statuspage incident to read back".into())),
        };
        let verified = verified.unwrap_or_else(|e| ActionOutcome { success: false, summary: e.to_string(), evidence: vec![] });
        let kind = EventKind::RemediationVerified { request: request.id.0, action: request.action.clone(), success: verified.success, summary: verified.summary.clone() };
        record(ctx, inv, incident, kind).await?;
        lines.push(format!("Verification: {}", escape(&verified.summary)));
        match &posted {
            // A public statement: said in the channel too, not only on the card.
            Some(posted) => tell_posted(ctx, incident, posted).await,
            None => lines.extend(health_checks(ctx, &request.runbook).await),
        }
    }
    let headline = if outcome.success { ":white_check_mark: Succeeded" } else { ":x: Failed" };
    respond(ctx, inv, &card::settled(request, &request.action, &format!("{headline} — approved by {}", inv.user.mention()), &lines)).await;
    Ok(None)
}

/// The change went out and no answer came back: the run ends `unknown` rather than `failed`,
/// nothing is verified (a rollout that completes says nothing of whether the restart landed),
/// and the card says what to check before asking again.
async fn outcome_unknown(
    ctx: &Context,
    inv: &Invocation,
    incident: &Incident,
    request: &RemediationRequest,
    action: &RunbookAction,
    why: &str,
) -> Result<Option<Reply>, CommandError> {
    let result = ActionError::Unanswered(why.to_owned()).to_string();
    ctx.requests.move_request(request.id, &mv(RequestState::Running, RequestState::Unknown, None, ctx, Some(result.clone()))).await?;
    let kind = EventKind::RemediationOutcomeUnknown { request: request.id.0, action: request.action.clone(), summary: why.to_owned() };
    record(ctx, inv, incident, kind).await?;
    let lines = [format!("`{}`", escape(&action.spec.target.describe())), format!("Result: {}", escape(&result))];
    let headline = format!(":grey_question: Outcome unknown — approved by {}", inv.user.mention());
    respond(ctx, inv, &card::settled(request, &request.action, &headline, &lines)).await;
    Ok(None)
}

/// Says in the incident channel what is now on the public status page, with its link.
async fn tell_posted(ctx: &Context, incident: &Incident, posted: &PostedIncident) {
    let Some(channel) = &incident.channel else { return };
    let link = posted.shortlink.as_deref().map(|l| format!(" — {}", escape(l))).unwrap_or_default();
    let text = format!(":mega: Posted on the status page: *{}* ({}){link}", escape(&posted.name), escape(&posted.status));
    if let Err(error) = ctx.chat.post(channel, &Reply::in_channel(text)).await {
        tracing::warn!(incident.id = %incident.id, %error, "could not say the status-page incident was posted");
    }
}

/// The runbook's `http` checks again, as the seed's "Verify Recovery" step.
async fn health_checks(ctx: &Context, runbook: &str) -> Vec<String> {
    let Some(runbook) = ctx.settings.runbooks.by_name(runbook) else { return vec![] };
    let checks: Vec<_> = runbook.checks.iter().filter(|c| c.target.kind() == "http").cloned().collect();
    let results = run_checks(&ctx.diagnostics, &checks, ctx.settings.diagnostics_deadline, ctx.clock.now()).await;
    results.iter().map(|r| format!("{} {} — {}", r.outcome.emoji(), escape(&r.name), escape(&r.summary))).collect()
}

/// A Deny click by an approver or the requester.
pub async fn deny(ctx: &Context, inv: &Invocation, id: RequestId) -> Result<Option<Reply>, CommandError> {
    let (incident, request, action) = load(ctx, inv, id).await?;
    let may_deny = action.policy.approvers.contains(&inv.user) || request.requested_by == inv.user || in_approver_group(ctx, &action, &inv.user).await;
    if !may_deny {
        let reason = "only an approver or the requester may deny".to_owned();
        record(ctx, inv, &incident, EventKind::RemediationRefused { request: id.0, reason: reason.clone() }).await?;
        return Err(CommandError::User(format!("Not denied: {reason}.")));
    }
    if !ctx.requests.move_request(id, &mv(RequestState::Requested, RequestState::Denied, Some(inv), ctx, None)).await? {
        return Err(CommandError::User(format!("Request #{id} was already decided.")));
    }
    record(ctx, inv, &incident, EventKind::RemediationDenied { request: id.0, action: request.action.clone() }).await?;
    respond(ctx, inv, &card::settled(&request, &request.action, &format!(":no_entry: Denied by {}", inv.user.mention()), &[])).await;
    Ok(None)
}

/// Replaces the card the button was on (through the click's `response_url`).
async fn respond(ctx: &Context, inv: &Invocation, reply: &Reply) {
    if let Some(url) = &inv.response_url
        && let Err(error) = ctx.chat.respond(url, reply).await
    {
        tracing::warn!(%error, "could not update the approval card");
    }
}

/// Tells each interrupted request's incident channel (its replica died mid-run, see
/// [`lease`]) that its outcome is unknown and that it will not run again, and records it.
/// Failures are logged, not fatal.
pub async fn report_interrupted(ctx: &Context, ids: &[RequestId]) {
    for id in ids {
        if let Err(error) = report_one(ctx, *id).await {
            tracing::warn!(request = %id, %error, "could not report an interrupted remediation");
        }
    }
}

async fn report_one(ctx: &Context, id: RequestId) -> Result<(), CommandError> {
    let Some(request) = ctx.requests.request(id).await? else { return Ok(()) };
    let Some(incident) = ctx.store.incident(request.incident).await? else { return Ok(()) };
    let kind = EventKind::RemediationInterrupted { request: id.0, action: request.action.clone() };
    let event = crate::timeline::NewEvent {
        incident: incident.id,
        at: ctx.clock.now(),
        actor: crate::timeline::Actor::Firebreak,
        source: crate::timeline::Source::Firebreak,
        kind,
        cause: Some(format!("interrupted:{id}")),
    };
    ctx.store.append(event).await?;
    if let Some(channel) = &incident.channel {
        let text = format!(
            ":warning: Remediation #{id} `{}` was interrupted: the Firebreak replica running it stopped (restart or crash) — *state unknown*. \
             It will not run again by itself; check its target, and request it anew with `/incident fix {}` if needed.",
            escape(&request.action),
            escape(&request.action)
        );
        ctx.chat.post(channel, &Reply::in_channel(text)).await.map_err(|e| CommandError::Internal(e.to_string()))?;
    }
    Ok(())
}
