//! `/incident help`: every sub-command with its one-line description.

use super::USAGES;
use crate::mrkdwn::escape;
use crate::reply::{Block, Reply, Visibility};

const DESCRIPTIONS: &[(&str, &str)] = &[
    ("start", "declare an incident and open its channel"),
    ("status", "update the status"),
    ("sev", "change the severity"),
    ("lead", "hand the incident lead to someone"),
    ("note", "add a note to the timeline"),
    ("action", "record a follow-up action item"),
    ("time", "correct a key time"),
    ("diag", "run the runbook's diagnostics"),
    ("fix", "request a remediation"),
    ("escalate", "escalate to the next level (a reason starting with a configured flag, e.g. `data-integrity`, raises it)"),
    ("timeline", "show the timeline so far"),
    ("resolve", "resolve the incident"),
    ("postmortem", "draft the postmortem from the timeline"),
    ("list", "list open incidents"),
    ("help", "show this help"),
];

/// The help message.
pub fn help_reply() -> Reply {
    let lines: Vec<String> = USAGES
        .iter()
        .map(|(name, usage)| {
            let description = DESCRIPTIONS.iter().find(|(n, _)| n == name).map_or("", |(_, d)| *d);
            format!("`/incident {}` — {description}", escape(usage))
        })
        .collect();
    Reply::blocks(
        Visibility::Ephemeral,
        "Firebreak /incident commands",
        vec![
            Block::Header("Firebreak: /incident".to_owned()),
            Block::Section { text: Some(lines.join("\n")), fields: vec![] },
            Block::Context(vec!["Inside an incident channel, the incident is implied.".to_owned()]),
        ],
    )
}
