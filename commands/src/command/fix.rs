//! `/incident fix [action]`: list the runbook's remediations, or request one for approval.

use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::mrkdwn::escape;
use crate::remediation::{card, flow};
use crate::reply::Reply;

pub(super) async fn execute(ctx: &Context, inv: &Invocation, action: Option<String>) -> Result<Option<Reply>, CommandError> {
    match action {
        Some(name) => flow::request(ctx, inv, &name).await,
        None => menu(ctx, inv).await,
    }
}

async fn menu(ctx: &Context, inv: &Invocation) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    let runbook = ctx.settings.runbooks.for_title(&incident.title).filter(|r| !r.actions.is_empty());
    let Some(runbook) = runbook else {
        let all: Vec<String> = ctx.settings.runbooks.0.iter().flat_map(|r| r.actions.iter().map(|a| a.spec.name.clone())).collect();
        return Err(CommandError::User(if all.is_empty() {
            "No remediations are configured.".to_owned()
        } else {
            format!("No runbook matches this incident; request one by name: `/incident fix &lt;action&gt;`. Actions: {}.", escape(&all.join(", ")))
        }));
    };
    Ok(Some(card::menu(incident.id, &runbook.name, &runbook.actions)))
}
