//! The `/incident` grammar: one enum listing every sub-command, one file per command.
//!
//! The doc comment of each variant is its line in `/incident help`.

mod diag;
mod escalate;
mod fix;
mod followup;
mod help;
mod lead;
mod postmortem;
mod list;
mod note;
mod resolve;
mod sev;
mod start;
mod status;
mod timeline;

use crate::engine::{CommandError, Context, Invocation};
use crate::reply::Reply;
use crate::severity::Severity;
use crate::status::Status;
use crate::ids::SlackUserId;

pub use diag::{run as run_diagnostics, Trigger};
pub use help::help_reply;
pub use start::{open as open_incident, Opening};

/// Longest free text (titles, notes, summaries) accepted from chat.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A parsed `/incident` sub-command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `start <sev1..sev4> <title>` — declare an incident and open its channel
    Start { severity: Severity, title: String },
    /// `status <investigating|identified|mitigated|monitoring> [note]` — update the status
    Status { status: Status, note: Option<String> },
    /// `sev <sev1..sev4>` — change the severity
    Sev { severity: Severity },
    /// `lead <@user>` — hand the incident lead to someone
    Lead { user: SlackUserId },
    /// `note <text>` — add a note to the timeline
    Note { text: String },
    /// `action <text>` — record a follow-up action item
    Action { text: String },
    /// `time <detected|mitigated|…> <HH:MM>` — correct a key time
    Time { which: String, at: String },
    /// `diag [runbook]` — run the runbook's diagnostics
    Diag { runbook: Option<String> },
    /// `fix [action]` — request a remediation
    Fix { action: Option<String> },
    /// `escalate [reason]` — escalate to the next level
    Escalate { reason: Option<String> },
    /// `timeline` — show the timeline so far
    Timeline,
    /// `resolve [summary]` — resolve the incident
    Resolve { summary: Option<String> },
    /// `postmortem` — draft the postmortem from the timeline
    Postmortem,
    /// `list` — list open incidents
    List,
    /// `help` — show this help
    Help,
}

/// Input that is not a valid command: shown to the user with the usage line. Its text is
/// Slack `mrkdwn`: the problem quotes input escaped, the usage's `<placeholders>` are escaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}\nUsage: `/incident {}`", crate::mrkdwn::escape(.usage))]
pub struct UsageError {
    pub problem: String,
    pub usage: &'static str,
}

impl UsageError {
    pub fn new(problem: impl Into<String>, usage: &'static str) -> Self {
        Self { problem: problem.into(), usage }
    }
}

/// Every sub-command's usage, in help order.
pub const USAGES: &[(&str, &str)] = &[
    ("start", "start <sev1..sev4> <title>"),
    ("status", "status <investigating|identified|mitigated|monitoring> [note]"),
    ("sev", "sev <sev1..sev4>"),
    ("lead", "lead <@user>"),
    ("note", "note <text>"),
    ("action", "action <text>"),
    ("time", "time <detected|acknowledged|mitigated|resolved> <HH:MM>"),
    ("diag", "diag [runbook]"),
    ("fix", "fix [action]"),
    ("escalate", "escalate [reason]"),
    ("timeline", "timeline"),
    ("resolve", "resolve [summary]"),
    ("postmortem", "postmortem"),
    ("list", "list"),
    ("help", "help"),
];

fn usage_of(name: &str) -> &'static str {
    USAGES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, usage)| *usage)
        .unwrap_or("help")
}

/// Free text after the sub-command: trimmed, bounded, `None` when empty.
fn optional_text(rest: &str, name: &str) -> Result<Option<String>, UsageError> {
    let text = rest.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(UsageError::new(
            format!("That text is too long ({} characters; at most {MAX_TEXT_CHARS}).", text.chars().count()),
            usage_of(name),
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

fn required_text(rest: &str, name: &str, what: &str) -> Result<String, UsageError> {
    optional_text(rest, name)?
        .ok_or_else(|| UsageError::new(format!("Please add {what}."), usage_of(name)))
}

fn no_arguments(rest: &str, name: &str, command: Command) -> Result<Command, UsageError> {
    if rest.trim().is_empty() {
        Ok(command)
    } else {
        Err(UsageError::new(format!("`{name}` takes no arguments."), usage_of(name)))
    }
}

impl Command {
    /// Parses the text after `/incident` as Slack sends it (`&`, `<`, `>` escaped; typed
    /// mentions as `<@U…>`). Empty text is `help`. Free text is kept as typed (unescaped).
    pub fn parse(text: &str) -> Result<Self, UsageError> {
        let text = crate::mrkdwn::unescape(text);
        let text = text.trim();
        let (name, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        match name.to_ascii_lowercase().as_str() {
            "" | "help" => Ok(Self::Help),
            "start" | "declare" => start::parse(rest),
            "status" => status::parse(rest),
            "sev" | "severity" => sev::parse(rest),
            "lead" => lead::parse(rest),
            "note" => Ok(Self::Note { text: required_text(rest, "note", "the note's text")? }),
            "action" => Ok(Self::Action { text: required_text(rest, "action", "the action item")? }),
            "time" => followup::parse_time(rest),
            "diag" => Ok(Self::Diag { runbook: optional_text(rest, "diag")? }),
            "fix" => Ok(Self::Fix { action: optional_text(rest, "fix")? }),
            "escalate" => Ok(Self::Escalate { reason: optional_text(rest, "escalate")? }),
            "timeline" => no_arguments(rest, "timeline", Self::Timeline),
            "resolve" => Ok(Self::Resolve { summary: optional_text(rest, "resolve")? }),
            "postmortem" => no_arguments(rest, "postmortem", Self::Postmortem),
            "list" => no_arguments(rest, "list", Self::List),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(UsageError::new(format!("Unknown sub-command `{}`. Try `/incident help`.", crate::mrkdwn::escape(&shown)), "help"))
            }
        }
    }

    /// The sub-command's name, for metrics and logs (never the user's text).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start { .. } => "start",
            Self::Status { .. } => "status",
            Self::Sev { .. } => "sev",
            Self::Lead { .. } => "lead",
            Self::Note { .. } => "note",
            Self::Action { .. } => "action",
            Self::Time { .. } => "time",
            Self::Diag { .. } => "diag",
            Self::Fix { .. } => "fix",
            Self::Escalate { .. } => "escalate",
            Self::Timeline => "timeline",
            Self::Resolve { .. } => "resolve",
            Self::Postmortem => "postmortem",
            Self::List => "list",
            Self::Help => "help",
        }
    }

    /// Whether the command may take longer than Slack's 3-second ack (it calls Slack itself).
    pub fn is_slow(&self) -> bool {
        matches!(self, Self::Start { .. } | Self::Diag { .. } | Self::Fix { action: Some(_) })
    }

    /// Runs the command for `inv`; `None` means the channel was told and the asker needs no
    /// separate answer.
    pub async fn execute(self, ctx: &Context, inv: &Invocation) -> Result<Option<Reply>, CommandError> {
        match self {
            Self::Start { severity, title } => start::execute(ctx, inv, severity, title).await,
            Self::Status { status, note } => status::execute(ctx, inv, status, note).await,
            Self::Sev { severity } => sev::execute(ctx, inv, severity).await,
            Self::Lead { user } => lead::execute(ctx, inv, user).await,
            Self::Note { text } => note::execute(ctx, inv, text).await,
            Self::Timeline => timeline::execute(ctx, inv).await,
            Self::Resolve { summary } => resolve::execute(ctx, inv, summary).await,
            Self::List => list::execute(ctx, inv).await,
            Self::Diag { runbook } => diag::execute(ctx, inv, runbook).await,
            Self::Fix { action } => fix::execute(ctx, inv, action).await,
            Self::Action { text } => followup::action_item(ctx, inv, text).await,
            Self::Time { which, at } => followup::key_time(ctx, inv, which, at).await,
            Self::Postmortem => postmortem::execute(ctx, inv).await,
            Self::Help => Ok(Some(help_reply())),
            Self::Escalate { reason } => escalate::execute(ctx, inv, reason).await,
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_diag;
#[cfg(test)]
mod tests_escaping;
#[cfg(test)]
mod tests_fix;
