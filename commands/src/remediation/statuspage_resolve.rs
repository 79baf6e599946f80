//! Closing an incident closes what it put on the public status page: every status-page
//! incident its `statuspage_incident` actions posted, and not resolved yet, is set to resolved,
//! said in the channel (or said NOT to be), and recorded once.

use super::{ActionError, ActionTarget};
use crate::engine::Context;
use crate::incident::Incident;
use crate::mrkdwn::escape;
use crate::reply::Reply;
use crate::timeline::{Actor, EventKind, NewEvent, Source, TimelineEvent};

/// Resolves the incident's status-page incidents in the background: Statuspage's answer (up
/// to its timeout) does not hold up the person resolving.
pub fn spawn_resolve_posted(ctx: &Context, incident: &Incident) {
    let (ctx, incident) = (ctx.clone(), incident.clone());
    ctx.background.clone().spawn(async move { resolve_posted(&ctx, &incident).await });
}

/// `(action, status-page incident id)` posted by the incident and not resolved since.
fn still_open(events: &[TimelineEvent]) -> Vec<(String, String)> {
    let mut open: Vec<(String, String)> = Vec::new();
    for event in events {
        match &event.kind {
            EventKind::StatusPagePosted { action, incident_id, status, .. } if status != "resolved" && !open.iter().any(|(_, id)| id == incident_id) => {
                open.push((action.clone(), incident_id.clone()));
            }
            EventKind::StatusPageResolved { incident_id, success: true, .. } => open.retain(|(_, id)| id != incident_id),
            _ => {}
        }
    }
    open
}

/// Sets each of the incident's open status-page incidents to resolved; failures are said in
/// the channel, so nobody believes the public page was updated when it was not.
pub async fn resolve_posted(ctx: &Context, incident: &Incident) {
    let events = match ctx.store.timeline(incident.id).await {
        Ok(events) => events,
        Err(error) => return tracing::warn!(incident.id = %incident.id, %error, "could not read the timeline to resolve status-page incidents"),
    };
    for (action, id) in still_open(&events) {
        let target = ctx.settings.runbooks.0.iter().flat_map(|r| &r.actions).map(|a| &a.spec).find(|s| s.name == action && matches!(s.target, ActionTarget::StatusPageIncident { .. }));
        let outcome = match target {
            Some(spec) => ctx.actions.status_page.resolve(&spec.target, &id).await,
            None => Err(ActionError::NotConfigured(format!("the action `{action}` that posted it is no longer configured"))),
        };
        let outcome = outcome.and_then(|p| if p.status == "resolved" { Ok(p) } else { Err(ActionError::Failed(format!("Statuspage shows it as {}", p.status))) });
        let (success, detail, text) = match &outcome {
            Ok(posted) => {
                let link = posted.shortlink.as_deref().map(|l| format!(" — {}", escape(l))).unwrap_or_default();
                (true, "resolved".to_owned(), format!(":white_check_mark: Resolved on the status page: *{}*{link}", escape(&posted.name)))
            }
            Err(error) => (
                false,
                error.to_string(),
                format!(":warning: Could NOT resolve status-page incident `{}`: {} — resolve it on the page by hand.", escape(&id), escape(&error.to_string())),
            ),
        };
        let kind = EventKind::StatusPageResolved { action: action.clone(), incident_id: id.clone(), success, detail };
        let event = NewEvent { incident: incident.id, at: ctx.clock.now(), actor: Actor::Firebreak, source: Source::Firebreak, kind, cause: Some(format!("statuspage-resolve:{id}")) };
        match ctx.store.append(event).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => tracing::warn!(incident.id = %incident.id, %error, "could not record a status-page resolution"),
        }
        if let Some(channel) = &incident.channel
            && let Err(error) = ctx.chat.post(channel, &Reply::in_channel(text)).await
        {
            tracing::warn!(incident.id = %incident.id, %error, "could not say what became of the status-page incident");
        }
    }
}
