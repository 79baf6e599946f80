//! `/incident sev <sev1..sev4>`: change the severity.

use super::{Command, UsageError};
use crate::engine::{CommandError, Context, Invocation};
use crate::lifecycle;
use crate::mrkdwn::escape_cut;
use crate::reply::Reply;
use crate::severity::Severity;
use crate::timeline::EventKind;

const USAGE: &str = "sev <sev1..sev4>";

pub(super) fn parse(rest: &str) -> Result<Command, UsageError> {
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(UsageError::new("Which severity?", USAGE));
    }
    Severity::parse(rest)
        .map(|severity| Command::Sev { severity })
        .ok_or_else(|| UsageError::new(format!("`{}` is not a severity.", escape_cut(rest, 40)), USAGE))
}

pub(super) async fn execute(ctx: &Context, inv: &Invocation, severity: Severity) -> Result<Option<Reply>, CommandError> {
    lifecycle::apply(ctx, inv, |incident| {
        if incident.severity == severity {
            return Err(CommandError::User(format!("Incident #{} is already {severity}.", incident.number)));
        }
        let from = incident.severity;
        incident.severity = severity;
        Ok(EventKind::SeverityChanged { from, to: severity })
    })
    .await
}
