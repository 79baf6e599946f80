//! `/incident diag [runbook]`: run a runbook's checks and post the summary and details.

use std::time::Instant;

use crate::diagnostics::report;
use crate::diagnostics::runbook::Runbook;
use crate::diagnostics::runner::run_checks;
use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::ids::ChannelId;
use crate::incident::Incident;
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::timeline::{Actor, CheckLine, EventKind, NewEvent, Source};

pub(super) async fn execute(ctx: &Context, inv: &Invocation, runbook: Option<String>) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    let channel = incident
        .channel
        .clone()
        .ok_or_else(|| CommandError::User(format!("Incident #{} has no channel yet.", incident.number)))?;
    let runbook = choose(ctx, &incident, runbook.as_deref())?;
    let trigger = Trigger { actor: Actor::User(inv.user.clone()), source: inv.source, cause: inv.cause.clone() };
    run(ctx, trigger, &incident, &channel, &runbook).await?;
    Ok(None)
}

/// The runbook named, or the one the incident's title matches.
fn choose(ctx: &Context, incident: &Incident, name: Option<&str>) -> Result<Runbook, CommandError> {
    let runbooks = &ctx.settings.runbooks;
    let available = || {
        let names = runbooks.names();
        if names.is_empty() { "No runbooks are configured.".to_owned() } else { format!("Runbooks: {}.", escape(&names.join(", "))) }
    };
    match name {
        Some(name) => runbooks
            .by_name(name)
            .cloned()
            .ok_or_else(|| CommandError::User(format!("There is no runbook `{}`. {}", escape(&name.chars().take(64).collect::<String>()), available()))),
        None => runbooks.for_title(&incident.title).cloned().ok_or_else(|| {
            CommandError::User(format!("No runbook matches “{}”; name one: `/incident diag &lt;runbook&gt;`. {}", escape(&incident.title), available()))
        }),
    }
}

/// Who or what started a diagnostics run, for the timeline.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub actor: Actor,
    pub source: Source,
    pub cause: Option<String>,
}

/// Posts "running", runs every check, turns the message into the summary, records the outcome
/// on the timeline, and puts the details in the message's thread.
pub async fn run(
    ctx: &Context,
    trigger: Trigger,
    incident: &Incident,
    channel: &ChannelId,
    runbook: &Runbook,
) -> Result<(), CommandError> {
    let unavailable = |what: &str, e: crate::ports::ChatError| CommandError::Internal(format!("could not {what}: {e}"));
    let message = ctx.chat.post(channel, &report::running(runbook)).await.map_err(|e| unavailable("post the diagnostics message", e))?;
    let started = Instant::now();
    let results = run_checks(&ctx.diagnostics, &runbook.checks, ctx.settings.diagnostics_deadline, ctx.clock.now()).await;
    let summary = report::summary(runbook, &results, started.elapsed());
    if let Err(error) = ctx.chat.update(channel, &message, &summary).await {
        tracing::warn!(%error, "could not update the diagnostics message; posting the summary anew");
        ctx.chat.post(channel, &summary).await.map_err(|e| unavailable("post the diagnostics summary", e))?;
    }
    // Recorded as soon as the outcome is known: the details below may wait in the outbox for a
    // while (pacing, a throttled Slack), and the timeline must not wait for them.
    let kind = EventKind::DiagnosticsRan {
        runbook: runbook.name.clone(),
        tally: report::Tally::of(&results).text(),
        results: results
            .iter()
            .map(|r| CheckLine { name: r.name.clone(), outcome: r.outcome.key().to_owned(), summary: r.summary.clone() })
            .collect(),
    };
    let event = NewEvent { incident: incident.id, at: ctx.clock.now(), actor: trigger.actor, source: trigger.source, kind, cause: trigger.cause };
    ctx.store.append(event).await?;
    for result in &results {
        let (details, attachment) = report::details(result);
        if let Err(error) = ctx.chat.post_in_thread(channel, &message, &details).await {
            tracing::warn!(%error, check = %result.name, "could not post check details");
        }
        if let Some(full) = attachment {
            let filename = format!("{}.txt", result.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
            if let Err(error) = ctx.chat.upload_text(channel, &message, &filename, &full).await {
                tracing::warn!(%error, check = %result.name, "could not attach check output");
            }
        }
    }
    Ok(())
}
