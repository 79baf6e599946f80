//! The severity clock's configuration: on-call to page per severity, update cadence, and the
//! escalation levels (`[[escalation.levels]]`).

use std::time::Duration;

use firebreak_commands::escalation::{EscalationLevel, Pager};
use firebreak_commands::ids::SlackUserId;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationSection {
    #[serde(default)]
    pub levels: Vec<LevelConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelConfig {
    /// As people say it: "Level 2 (Team Lead)".
    pub name: String,
    /// Escalate when the incident is still open this many minutes after it was declared.
    pub after_minutes: Option<u64>,
    /// Escalate when the incident's alerts name at least this many services.
    pub min_services: Option<usize>,
    /// User groups (`S…`) and users (`U…`) paged at this level.
    #[serde(default)]
    pub page: Vec<String>,
}

/// A user group `S…` or a user `U…`/`<@U…>`.
pub fn pager(text: &str) -> Option<Pager> {
    let group = text.len() >= 2 && text.starts_with('S') && text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if group { Some(Pager::Group(text.to_owned())) } else { SlackUserId::parse(text).map(Pager::User) }
}

/// Validates the levels; `Err((field, reason))`.
pub fn levels(section: &EscalationSection) -> Result<Vec<EscalationLevel>, (String, String)> {
    let mut levels = Vec::new();
    for (i, level) in section.levels.iter().enumerate() {
        let field = |name: &str| format!("escalation.levels[{i}].{name}");
        if level.name.trim().is_empty() {
            return Err((field("name"), "give the level a name, e.g. \"Level 2 (Team Lead)\"".into()));
        }
        if level.after_minutes.is_none() && level.min_services.is_none() {
            return Err((field("after_minutes"), "a level needs after_minutes and/or min_services (or it could only be reached by hand — say after_minutes = 0 is not that)".into()));
        }
        if level.after_minutes == Some(0) || level.min_services.is_some_and(|n| n < 2) {
            return Err((field("after_minutes"), "after_minutes must be at least 1 and min_services at least 2".into()));
        }
        let mut page = Vec::new();
        for (j, who) in level.page.iter().enumerate() {
            page.push(pager(who).ok_or_else(|| (format!("escalation.levels[{i}].page[{j}]"), format!("`{who}` is neither a user group id (S…) nor a user id (U…)")))?);
        }
        levels.push(EscalationLevel {
            name: level.name.clone(),
            after: level.after_minutes.map(|m| Duration::from_secs(m * 60)),
            min_services: level.min_services,
            page,
        });
    }
    Ok(levels)
}
