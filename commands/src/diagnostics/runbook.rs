//! Runbooks: the checks (and later actions) that apply to an incident, and which one matches.

use super::spec::CheckSpec;
use crate::remediation::RunbookAction;
use crate::severity::Severity;

/// A runbook from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runbook {
    /// Unique; used in `/incident diag <name>`.
    pub name: String,
    pub description: String,
    /// Alertmanager `alertname`s this runbook covers.
    pub alerts: Vec<String>,
    /// Service names this runbook covers (matched in incident titles).
    pub services: Vec<String>,
    /// Severity for incidents its alerts open.
    pub severity: Option<Severity>,
    pub checks: Vec<CheckSpec>,
    /// Remediations offered by `/incident fix`, each with its approval policy.
    pub actions: Vec<RunbookAction>,
}

impl Runbook {
    /// Whether an incident titled `title` is about this runbook: its name, one of its alerts or
    /// one of its services appears in the title as a whole word (case-insensitive).
    pub fn matches_title(&self, title: &str) -> bool {
        let words: Vec<String> = title
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        std::iter::once(&self.name)
            .chain(&self.alerts)
            .chain(&self.services)
            .any(|term| words.contains(&term.to_lowercase()))
    }
}

/// The configured runbooks, in configuration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runbooks(pub Vec<Runbook>);

impl Runbooks {
    pub fn by_name(&self, name: &str) -> Option<&Runbook> {
        self.0.iter().find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The runbook that names alert `alertname` (exactly, as Alertmanager spells it).
    pub fn for_alert(&self, alertname: &str) -> Option<&Runbook> {
        self.0.iter().find(|r| r.alerts.iter().any(|a| a == alertname))
    }

    /// The first runbook whose name, alerts or services the title mentions.
    pub fn for_title(&self, title: &str) -> Option<&Runbook> {
        self.0.iter().find(|r| r.matches_title(title))
    }

    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|r| r.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runbook() -> Runbook {
        Runbook {
            name: "nerf-service-down".into(),
            description: String::new(),
            alerts: vec!["NerfServiceDown".into()],
            services: vec!["nerf-web".into(), "nerf-api".into()],
            severity: Some(Severity::Sev1),
            checks: vec![],
            actions: vec![],
        }
    }

    #[test]
    fn titles_match_by_whole_words() {
        let runbook = runbook();
        assert!(runbook.matches_title("nerf-web returns 502"));
        assert!(runbook.matches_title("[FIRING] NerfServiceDown"));
        assert!(!runbook.matches_title("nerf-webhooks slow"));
        assert!(!runbook.matches_title("API returns 502"));
    }
}
