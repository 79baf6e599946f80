//! The approval card: what will run, on what, who asked, who may approve, until when — then,
//! replaced in place, what happened.

use super::request::RemediationRequest;
use super::RunbookAction;
use crate::ids::IncidentId;
use crate::mrkdwn::escape;
use crate::reply::{Block, Button, Confirm, Reply, Visibility};

/// Button action ids, shared with the interaction handler.
pub mod actions {
    /// `fix_request.<action name>`: request an action from the `/incident fix` menu.
    pub const REQUEST: &str = "fix_request";
    pub const APPROVE: &str = "fix_approve";
    pub const DENY: &str = "fix_deny";
}

fn slack_time(ts: jiff::Timestamp) -> String {
    format!("<!date^{}^{{time}}|{}>", ts.as_second(), ts.strftime("%H:%M UTC"))
}

/// `/incident fix`: one button per action of the runbook.
pub fn menu(incident: IncidentId, runbook: &str, actions: &[RunbookAction]) -> Reply {
    let buttons: Vec<Button> = actions
        .iter()
        .take(25)
        .map(|a| Button::new(&format!("{}.{}", actions::REQUEST, a.spec.name), &a.spec.name, incident.to_string()))
        .collect();
    let lines: Vec<String> = actions.iter().map(|a| format!("• `{}` — {}", escape(&a.spec.name), escape(&a.spec.target.describe()))).collect();
    let mut blocks = vec![Block::Section { text: Some(format!("*Remediations of runbook `{}`* (each needs an approval):\n{}", escape(runbook), lines.join("\n"))), fields: vec![] }];
    if !buttons.is_empty() {
        blocks.push(Block::Actions(buttons));
    }
    Reply::blocks(Visibility::Ephemeral, format!("Remediations of {}", escape(runbook)), blocks)
}

/// The card posted when an action is requested. `preview` is the adapter's text (a dry run's
/// answer or error), escaped here.
pub fn approval(request: &RemediationRequest, action: &RunbookAction, preview: &str) -> Reply {
    let approvers = if action.policy.approvers.is_empty() && action.policy.approver_groups.is_empty() {
        "_nobody — this action cannot run until approvers are configured_".to_owned()
    } else {
        action.policy.approvers_text()
    };
    let value = format!("{}:{}", request.incident, request.id);
    Reply::blocks(
        Visibility::InChannel,
        format!("Approval needed for remediation #{}: {}", request.id, escape(&action.spec.name)),
        vec![
            Block::Header(format!(":raised_hand: Approval needed: {}", action.spec.name)),
            Block::Section { text: Some(format!("*Will run:* `{}`\n*Preview:* {}", escape(&action.spec.target.describe()), escape(preview))), fields: vec![] },
            Block::Section {
                text: None,
                fields: vec![
                    format!("*Requested by*\n{}", request.requested_by.mention()),
                    format!("*Approvers*\n{approvers}"),
                    format!("*Expires*\n{}", slack_time(request.expires_at)),
                    format!("*Request*\n#{}", request.id),
                ],
            },
            Block::Actions(vec![
                Button::new(actions::APPROVE, "Approve", value.clone()).primary().confirm(Confirm {
                    title: "Run this remediation?".to_owned(),
                    text: format!("`{}` will run now.", escape(&action.spec.target.describe())),
                    confirm: "Approve and run".to_owned(),
                    deny: "Cancel".to_owned(),
                }),
                Button::new(actions::DENY, "Deny", value).danger(),
            ]),
        ],
    )
    // Approvers are waiting on it: ahead of the channel's bulk output when Slack is slow.
    .urgent()
}

/// The card once decided or run: no buttons, the state and the evidence. `headline` and
/// `lines` are `mrkdwn` (outside text in them escaped by the caller); `action_name` is escaped here.
pub fn settled(request: &RemediationRequest, action_name: &str, headline: &str, lines: &[String]) -> Reply {
    let mut text = format!("*{headline}*");
    for line in lines.iter().take(30) {
        text.push('\n');
        text.push_str(line);
    }
    Reply {
        replace_original: true,
        ..Reply::blocks(
            Visibility::InChannel,
            format!("Remediation #{} {}: {headline}", request.id, escape(action_name)),
            vec![
                Block::Header(format!("Remediation #{}: {action_name}", request.id)),
                Block::Section { text: Some(text), fields: vec![] },
            ],
        )
    }
}
