//! Golden tests: the Block Kit Firebreak sends, checked against files in `bot/tests/golden/`.
//! Run with `UPDATE_GOLDEN=1` to rewrite them after an intended change, then review the diff.

use std::path::PathBuf;

use firebreak_commands::card;
use firebreak_commands::command::help_reply;
use firebreak_commands::status::Status;
use firebreak_commands::testing::sample_incident;
use serde_json::Value;

use super::*;

fn check_golden(name: &str, actual: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.json"));
    let rendered = serde_json::to_string_pretty(actual).unwrap_or_default() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &rendered).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1 to create it", path.display()));
    assert_eq!(rendered, expected, "{name} differs from its golden file; UPDATE_GOLDEN=1 rewrites it");
}

#[test]
fn incident_card() {
    check_golden("incident_card", &blocks(&card::card(&sample_incident())));
}

#[test]
fn resolved_incident_card() {
    let mut incident = sample_incident();
    incident.status = Status::Resolved;
    incident.resolved_at = Some(incident.declared_at);
    check_golden("incident_card_resolved", &blocks(&card::card(&incident)));
}

#[test]
fn status_menu() {
    check_golden("status_menu", &response_body(&card::status_menu(&sample_incident())));
}

#[test]
fn help() {
    check_golden("help", &response_body(&help_reply()));
}

#[test]
fn oversize_text_is_cut_to_slack_limits() {
    let reply = Reply::blocks(
        Visibility::InChannel,
        "x".repeat(5000),
        vec![Block::Header("h".repeat(400)), Block::Section { text: Some("s".repeat(4000)), fields: vec![] }],
    );
    let body = response_body(&reply);
    let header = body["blocks"][0]["text"]["text"].as_str().unwrap_or_default();
    let section = body["blocks"][1]["text"]["text"].as_str().unwrap_or_default();
    assert_eq!(header.chars().count(), MAX_HEADER_TEXT);
    assert_eq!(section.chars().count(), MAX_SECTION_TEXT);
    assert_eq!(body["text"].as_str().map(|t| t.chars().count()), Some(MAX_MESSAGE_TEXT));
}
