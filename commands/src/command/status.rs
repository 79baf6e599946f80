//! `/incident status <status> [note]`: move the incident along its lifecycle.

use super::{optional_text, Command, UsageError};
use crate::engine::{CommandError, Context, Invocation};
use crate::lifecycle;
use crate::mrkdwn::escape_cut;
use crate::reply::Reply;
use crate::status::Status;
use crate::timeline::EventKind;

const USAGE: &str = "status <investigating|identified|mitigated|monitoring> [note]";

pub(super) fn parse(rest: &str) -> Result<Command, UsageError> {
    let rest = rest.trim();
    let (word, note) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if word.is_empty() {
        return Err(UsageError::new("Which status?", USAGE));
    }
    if word.eq_ignore_ascii_case("resolved") {
        return Err(UsageError::new("To resolve, use `/incident resolve [summary]`.", USAGE));
    }
    let status = Status::parse_settable(word)
        .ok_or_else(|| UsageError::new(format!("`{}` is not a status.", escape_cut(word, 40)), USAGE))?;
    Ok(Command::Status { status, note: optional_text(note, "status")? })
}

pub(super) async fn execute(
    ctx: &Context,
    inv: &Invocation,
    status: Status,
    note: Option<String>,
) -> Result<Option<Reply>, CommandError> {
    lifecycle::apply(ctx, inv, |incident| {
        if incident.status == status && note.is_none() {
            return Err(CommandError::User(format!("Incident #{} is already {status}.", incident.number)));
        }
        let from = incident.status;
        incident.status = status;
        Ok(EventKind::StatusChanged { from, to: status, note: note.clone() })
    })
    .await
}
