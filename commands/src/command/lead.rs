//! `/incident lead <@user>`: hand the incident lead to someone.

use super::{Command, UsageError};
use crate::engine::{CommandError, Context, Invocation};
use crate::ids::SlackUserId;
use crate::lifecycle;
use crate::reply::Reply;
use crate::timeline::EventKind;

const USAGE: &str = "lead <@user>";

pub(super) fn parse(rest: &str) -> Result<Command, UsageError> {
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(UsageError::new("Who should lead? Mention them.", USAGE));
    }
    SlackUserId::parse(rest)
        .map(|user| Command::Lead { user })
        .ok_or_else(|| UsageError::new("Mention the new lead as @name.", USAGE))
}

pub(super) async fn execute(ctx: &Context, inv: &Invocation, user: SlackUserId) -> Result<Option<Reply>, CommandError> {
    lifecycle::apply(ctx, inv, |incident| {
        if incident.lead.as_ref() == Some(&user) {
            return Err(CommandError::User(format!("{} already leads #{}.", user.mention(), incident.number)));
        }
        let from = incident.lead.replace(user.clone());
        Ok(EventKind::LeadChanged { from, to: user.clone() })
    })
    .await
}
