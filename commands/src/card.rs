//! The pinned incident card, the channel topic and the one-line updates posted in the channel.

use crate::incident::Incident;
use crate::mrkdwn::{escape, escape_cut};
use crate::reply::{Block, Button, Confirm, Reply, Visibility};
use crate::severity::Severity;
use crate::status::Status;

/// Slack's limit on header text.
const MAX_HEADER_CHARS: usize = 150;
/// Slack's limit on a channel topic.
pub const MAX_TOPIC_CHARS: usize = 250;

/// Button action ids, shared with the interaction handler.
pub mod actions {
    pub const DIAGNOSE: &str = "incident_diag";
    pub const REMEDIATE: &str = "incident_fix";
    pub const STATUS_MENU: &str = "incident_status_menu";
    pub const STATUS_SET: &str = "incident_status_set";
    pub const RESOLVE: &str = "incident_resolve";
}

fn cut(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn severity_text(severity: Severity) -> String {
    format!("{severity} — {}", severity.definition())
}

fn lead_text(incident: &Incident) -> String {
    incident.lead.as_ref().map_or_else(|| "_unassigned_".to_owned(), |lead| lead.mention())
}

/// Slack's date formatting token, with a UTC fallback for clients that cannot render it.
fn slack_time(ts: jiff::Timestamp) -> String {
    format!(
        "<!date^{}^{{date_short_pretty}} {{time}}|{}>",
        ts.as_second(),
        ts.strftime("%Y-%m-%d %H:%M UTC")
    )
}

/// The incident card: what, how bad, where it stands, who leads, and the buttons. The header
/// is `plain_text` (shown as written, never parsed); every `mrkdwn` use of the title is escaped.
pub fn card(incident: &Incident) -> Reply {
    let header = cut(&format!(":rotating_light: #{} {}", incident.number, incident.title), MAX_HEADER_CHARS);
    let mut blocks = vec![
        Block::Header(header),
        Block::Section {
            text: Some(format!("*{}*", escape(&incident.title))),
            fields: vec![
                format!("*Severity*\n{}", severity_text(incident.severity)),
                format!("*Status*\n{} {}", incident.status.emoji(), incident.status),
                format!("*Lead*\n{}", lead_text(incident)),
                format!("*Started*\n{}", slack_time(incident.declared_at)),
            ],
        },
        Block::Context(vec![format!(
            "Declared by {} · respond within {} · incident {}",
            incident.declared_by.mention(),
            incident.severity.response_time_text(),
            incident.number
        )]),
    ];
    if let Some(resolved_at) = incident.resolved_at {
        blocks.push(Block::Context(vec![format!(":white_check_mark: Resolved {}", slack_time(resolved_at))]));
    } else {
        let id = incident.id.to_string();
        blocks.push(Block::Actions(vec![
            Button::new(actions::DIAGNOSE, "Run diagnostics", id.clone()).primary(),
            Button::new(actions::REMEDIATE, "Remediate", id.clone()),
            Button::new(actions::STATUS_MENU, "Update status", id.clone()),
            Button::new(actions::RESOLVE, "Resolve", id).danger().confirm(Confirm {
                title: "Resolve this incident?".to_owned(),
                text: format!("Incident #{} will be marked resolved.", incident.number),
                confirm: "Resolve".to_owned(),
                deny: "Cancel".to_owned(),
            }),
        ]));
    }
    let text = format!("{} #{} {} — {}", incident.severity, incident.number, escape(&incident.title), incident.status);
    Reply::blocks(Visibility::InChannel, text, blocks)
}

/// The channel topic: `SEV1 · Investigating · Lead: @x · title`, within Slack's 250 characters.
///
/// Slack parses topics like message text (mentions in them render, and it returns them
/// entity-escaped), so the title is escaped here too; only the title is cut, so the lead's
/// mention is never broken.
pub fn topic(incident: &Incident) -> String {
    let lead = incident.lead.as_ref().map_or_else(|| "no lead".to_owned(), |lead| format!("Lead: {}", lead.mention()));
    let head = format!("{} · {} · {} · ", incident.severity, incident.status, lead);
    let room = MAX_TOPIC_CHARS.saturating_sub(head.chars().count());
    format!("{head}{}", escape_cut(&incident.title, room))
}

/// The ephemeral menu behind the card's "Update status" button.
pub fn status_menu(incident: &Incident) -> Reply {
    let buttons = Status::SETTABLE
        .into_iter()
        .filter(|status| *status != incident.status)
        // Slack wants action ids unique within a message: one per status.
        .map(|status| {
            let action = format!("{}.{}", actions::STATUS_SET, status.key());
            Button::new(&action, &status.to_string(), format!("{}:{}", incident.id, status.key()))
        })
        .collect();
    Reply::blocks(
        Visibility::Ephemeral,
        format!("Update the status of #{}", incident.number),
        vec![
            Block::Section { text: Some(format!("Status of #{} is *{}*. Set it to:", incident.number, incident.status)), fields: vec![] },
            Block::Actions(buttons),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_incident;

    #[test]
    fn long_titles_fit_header_and_topic_limits() {
        let mut incident = sample_incident();
        incident.title = "🔥".repeat(300);
        let reply = card(&incident);
        let Some(Block::Header(header)) = reply.blocks.first() else { panic!("no header") };
        assert!(header.chars().count() <= MAX_HEADER_CHARS);
        assert!(topic(&incident).chars().count() <= MAX_TOPIC_CHARS);
    }

    #[test]
    fn an_escaped_title_is_cut_to_fit_the_topic_without_breaking_an_entity() {
        let mut incident = sample_incident();
        incident.lead = crate::ids::SlackUserId::parse("U100");
        incident.title = "<!channel> & ".repeat(40);
        let topic = topic(&incident);
        assert!(topic.chars().count() <= MAX_TOPIC_CHARS, "{topic}");
        assert!(topic.contains("Lead: <@U100>") && !topic.contains("<!channel>"), "{topic}");
        let whole_entities_removed = topic.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "");
        assert!(topic.ends_with('…') && !whole_entities_removed.contains('&'), "no half entity: {topic}");
    }

    #[test]
    fn resolved_cards_have_no_buttons() {
        let mut incident = sample_incident();
        assert!(card(&incident).blocks.iter().any(|b| matches!(b, Block::Actions(_))));
        incident.status = Status::Resolved;
        incident.resolved_at = Some(incident.declared_at);
        assert!(!card(&incident).blocks.iter().any(|b| matches!(b, Block::Actions(_))));
    }
}
