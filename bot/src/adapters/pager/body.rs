//! What a pager webhook receives: Firebreak's own JSON, or a PagerDuty Events API v2
//! `trigger` event. Both shapes are documented in `docs/configuration.md`.

use firebreak_commands::escalation::Page;
use firebreak_commands::severity::Severity;
use serde_json::{json, Value};

/// PagerDuty refuses summaries longer than this.
const PAGERDUTY_SUMMARY_CHARS: usize = 1024;

/// A link that opens the incident channel in Slack, when the incident has one.
fn channel_url(page: &Page) -> Option<String> {
    page.channel.as_ref().map(|c| format!("https://slack.com/app_redirect?channel={}&team={}", c.as_str(), page.team.as_str()))
}

/// Firebreak's body (`"format": "firebreak.escalation.v1"`).
pub fn firebreak(page: &Page) -> Value {
    json!({
        "format": "firebreak.escalation.v1",
        "event": "escalated",
        "dedup_key": page.dedup_key,
        "at": page.at.to_string(),
        "team_id": page.team.as_str(),
        "incident": {
            "number": page.incident,
            "title": page.title,
            "severity": page.severity.key(),
            "status": page.status.key(),
        },
        "level": { "number": page.level, "name": page.level_name },
        "reason": page.reason,
        "channel": page.channel.as_ref().map(|c| json!({
            "id": c.as_str(),
            "name": page.channel_name,
            "url": channel_url(page),
        })),
    })
}

/// A PagerDuty Events API v2 `trigger`; the same `dedup_key` on every attempt makes retries
/// (and other replicas) add nothing to the PagerDuty incident.
pub fn pagerduty(page: &Page, routing_key: &str) -> Value {
    let summary: String = format!("[Firebreak] #{} {} ({}) escalated to {}: {}", page.incident, page.title, page.severity, page.level_name, page.reason)
        .chars()
        .take(PAGERDUTY_SUMMARY_CHARS)
        .collect();
    let links: Vec<Value> = channel_url(page).map(|href| json!({ "href": href, "text": "Incident channel in Slack" })).into_iter().collect();
    json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": page.dedup_key,
        "client": "Firebreak",
        "payload": {
            "summary": summary,
            "source": "firebreak",
            "severity": pagerduty_severity(page.severity),
            "timestamp": page.at.to_string(),
            "component": page.channel_name,
            "class": "escalation",
            "custom_details": firebreak(page),
        },
        "links": links,
    })
}

fn pagerduty_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Sev1 => "critical",
        Severity::Sev2 => "error",
        Severity::Sev3 => "warning",
        Severity::Sev4 => "info",
    }
}
