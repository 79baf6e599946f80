//! `firebreak.toml`: the shape of the configuration file and its validation into `Settings`.

use std::collections::BTreeMap;
use std::path::Path;

use firebreak_commands::channel_name::ChannelName;
use firebreak_commands::ids::{ChannelId, SlackUserId};
use firebreak_commands::settings::Settings;
use firebreak_commands::severity::Severity;
use serde::Deserialize;

use super::escalation::{self, EscalationSection};
use super::postmortem::{self, PostmortemSection};
use super::runbooks::{self, RunbookConfig};

/// The configuration file as written. Unknown keys are errors, so typos do not pass silently.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// IANA time zone for times shown to people (default `UTC`).
    pub time_zone: Option<String>,
    #[serde(default)]
    pub slack: SlackSection,
    /// Per severity (`sev1`…`sev4`): who is invited to new incident channels.
    #[serde(default)]
    pub severities: BTreeMap<String, SeveritySection>,
    /// Bound on a whole diagnostics run (default 30 s).
    pub diagnostics_deadline_seconds: Option<u64>,
    /// Runbooks: the alerts and services they cover, their checks and actions.
    #[serde(default)]
    pub runbooks: Vec<RunbookConfig>,
    /// The postmortem template folder.
    #[serde(default)]
    pub postmortem: PostmortemSection,
    /// Alert intake from Alertmanager.
    #[serde(default)]
    pub alertmanager: AlertmanagerSection,
    /// Escalation levels.
    #[serde(default)]
    pub escalation: EscalationSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerSection {
    /// `severity` label → `sev1`…`sev4`, for alerts no runbook names. Replaces the defaults
    /// (critical/page → sev1, error/high → sev2, warning → sev3, info → sev4) when given.
    pub severity_labels: Option<BTreeMap<String, String>>,
    /// The alert label whose value raises flags (default `firebreak_flag`): an alert labelled
    /// `firebreak_flag: data-integrity` reaches the levels with `on_flags = ["data-integrity"]`.
    pub flag_label: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackSection {
    /// Prefix of incident channel names (default `inc`).
    pub channel_prefix: Option<String>,
    /// Channel id (`C…`) where SEV1/SEV2 incidents are announced.
    pub broadcast_channel: Option<String>,
    /// The reaction that pins a message to the timeline (default `pushpin`, i.e. 📌).
    pub pin_emoji: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeveritySection {
    /// Slack user ids invited to every incident of this severity.
    #[serde(default)]
    pub responders: Vec<String>,
    /// User groups (`S…`) or users paged when the response time passes with nobody leading.
    #[serde(default)]
    pub oncall: Vec<String>,
    /// Remind the lead to post a status update this often (0 turns reminders off).
    pub update_every_minutes: Option<u64>,
}

/// A configuration problem, naming the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {reason}")]
    Syntax { path: String, reason: String },
    #[error("{path}: {field}: {reason}")]
    Invalid { path: String, field: String, reason: String },
    #[error("environment variable {name}: {reason}")]
    Environment { name: &'static str, reason: String },
}

impl FileConfig {
    /// Reads `path`; a missing file is the default configuration (Firebreak starts on defaults).
    pub fn load(path: &Path) -> Result<(Self, bool), ConfigError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok((Self::default(), false)),
            Err(error) => return Err(ConfigError::Read { path: shown, reason: error.to_string() }),
        };
        let parsed = toml::from_str(&text).map_err(|error| ConfigError::Syntax { path: shown, reason: error.to_string() })?;
        Ok((parsed, true))
    }

    /// Validates every field into the settings commands use.
    pub fn settings(self, path: &Path) -> Result<Settings, ConfigError> {
        let invalid = |field: String, reason: String| ConfigError::Invalid { path: path.display().to_string(), field, reason };
        let mut settings = Settings::default();
        if let Some(zone) = &self.time_zone {
            settings.time_zone = jiff::tz::TimeZone::get(zone)
                .map_err(|_| invalid("time_zone".into(), format!("unknown time zone `{zone}` (use an IANA name such as Europe/Berlin)")))?;
        }
        if let Some(prefix) = &self.slack.channel_prefix {
            if prefix.len() > 20 || !ChannelName::is_valid(prefix) {
                return Err(invalid("slack.channel_prefix".into(), "use at most 20 of a-z, 0-9, - and _".into()));
            }
            settings.channel_prefix = prefix.clone();
        }
        if let Some(channel) = &self.slack.broadcast_channel {
            let valid = channel.len() >= 2 && channel.starts_with(['C', 'G']) && channel.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if !valid {
                return Err(invalid("slack.broadcast_channel".into(), format!("`{channel}` is not a channel id (C…); copy it from the channel's details")));
            }
            settings.broadcast_channel = Some(ChannelId::new(channel.clone()));
        }
        for (key, section) in &self.severities {
            let severity = Severity::parse(key)
                .filter(|s| s.key() == key)
                .ok_or_else(|| invalid(format!("severities.{key}"), "severities are sev1, sev2, sev3 and sev4".into()))?;
            let mut responders = Vec::new();
            for (i, user) in section.responders.iter().enumerate() {
                let id = SlackUserId::parse(user)
                    .ok_or_else(|| invalid(format!("severities.{key}.responders[{i}]"), format!("`{user}` is not a Slack user id (U…)")))?;
                responders.push(id);
            }
            settings.responders.insert(severity, responders);
            let mut oncall = Vec::new();
            for (i, who) in section.oncall.iter().enumerate() {
                oncall.push(escalation::pager(who).ok_or_else(|| invalid(format!("severities.{key}.oncall[{i}]"), format!("`{who}` is neither a user group id (S…) nor a user id (U…)")))?);
            }
            settings.oncall.insert(severity, oncall);
            match section.update_every_minutes {
                Some(0) => {
                    settings.update_every.remove(&severity);
                }
                Some(minutes) if minutes <= 24 * 60 => {
                    settings.update_every.insert(severity, std::time::Duration::from_secs(minutes * 60));
                }
                Some(_) => return Err(invalid(format!("severities.{key}.update_every_minutes"), "use 0 (off) to 1440 minutes".into())),
                None => {}
            }
        }
        if let Some(seconds) = self.diagnostics_deadline_seconds {
            if !(1..=600).contains(&seconds) {
                return Err(invalid("diagnostics_deadline_seconds".into(), "use 1 to 600 seconds".into()));
            }
            settings.diagnostics_deadline = std::time::Duration::from_secs(seconds);
        }
        if let Some(emoji) = &self.slack.pin_emoji {
            let name = emoji.trim_matches(':');
            let valid = !name.is_empty() && name.len() <= 100 && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_+-'".contains(c));
            if !valid {
                return Err(invalid("slack.pin_emoji".into(), format!("`{emoji}` is not an emoji name (e.g. pushpin or round_pushpin)")));
            }
            settings.pin_emoji = name.to_owned();
        }
        if let Some(labels) = &self.alertmanager.severity_labels {
            settings.alert_severities.clear();
            for (label, severity) in labels {
                let parsed = Severity::parse(severity)
                    .filter(|s| s.key() == severity)
                    .ok_or_else(|| invalid(format!("alertmanager.severity_labels.{label}"), format!("`{severity}` is not sev1, sev2, sev3 or sev4")))?;
                settings.alert_severities.insert(label.to_lowercase(), parsed);
            }
        }
        if let Some(label) = &self.alertmanager.flag_label {
            let valid = label.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(invalid("alertmanager.flag_label".into(), format!("`{label}` is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")));
            }
            settings.alert_flag_label = label.clone();
        }
        if let Some(template) = postmortem::load_template(&self.postmortem, path).map_err(|(field, reason)| invalid(field, reason))? {
            settings.postmortem_template = template;
        }
        settings.escalation = escalation::levels(&self.escalation).map_err(|(field, reason)| invalid(field, reason))?;
        settings.runbooks = runbooks::validate(self.runbooks).map_err(|(field, reason)| invalid(field, reason))?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Result<Settings, String> {
        let file: FileConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        file.settings(Path::new("firebreak.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn alert_severity_labels_map_to_severities() {
        let defaults = settings("").unwrap_or_else(|e| panic!("{e}")).alert_severities;
        assert_eq!(defaults.get("critical"), Some(&Severity::Sev1));
        let mapped = settings("[alertmanager.severity_labels]\nP1 = \"sev1\"\nP3 = \"sev3\"\n").unwrap_or_else(|e| panic!("{e}")).alert_severities;
        assert_eq!((mapped.get("p1"), mapped.get("p3"), mapped.get("critical")), (Some(&Severity::Sev1), Some(&Severity::Sev3), None));
        let refused = settings("[alertmanager.severity_labels]\ncritical = \"urgent\"\n").unwrap_err();
        assert!(refused.contains("alertmanager.severity_labels.critical") && refused.contains("`urgent`"), "{refused}");
    }

    #[test]
    fn the_severity_clock_validates() {
        let text = "[severities.sev1]\noncall = [\"S0ONCALL\", \"U0ME\"]\nupdate_every_minutes = 20\n[severities.sev2]\nupdate_every_minutes = 0\n\
                    [[escalation.levels]]\nname = \"Level 2 (Team Lead)\"\nafter_minutes = 15\nmin_services = 2\npage = [\"S0LEADS\"]\n";
        let parsed = settings(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.oncall.get(&Severity::Sev1).map(Vec::len), Some(2));
        assert_eq!(parsed.update_every.get(&Severity::Sev1), Some(&std::time::Duration::from_secs(1200)));
        assert!(!parsed.update_every.contains_key(&Severity::Sev2));
        assert_eq!(parsed.escalation.len(), 1);
        let bad = settings("[[escalation.levels]]\nname = \"L2\"\nafter_minutes = 15\npage = [\"team-leads\"]\n").unwrap_err();
        assert!(bad.contains("escalation.levels[0].page[0]"), "{bad}");
        let never = settings("[[escalation.levels]]\nname = \"L2\"\n").unwrap_err();
        assert!(never.contains("escalation.levels[0].after_minutes"), "{never}");
    }

    #[test]
    fn the_pin_emoji_is_an_emoji_name() {
        assert_eq!(settings("").map(|s| s.pin_emoji).as_deref(), Ok("pushpin"));
        assert_eq!(settings("[slack]\npin_emoji = \":round_pushpin:\"\n").map(|s| s.pin_emoji).as_deref(), Ok("round_pushpin"));
        let refused = settings("[slack]\npin_emoji = \"📌\"\n").unwrap_err();
        assert!(refused.contains("slack.pin_emoji") && refused.contains("not an emoji name"), "{refused}");
    }

    #[test]
    fn a_full_file_validates() {
        let parsed = settings(
            "time_zone = \"Europe/Berlin\"\n[slack]\nbroadcast_channel = \"C0BROAD\"\n[severities.sev1]\nresponders = [\"U1\", \"<@U2>\"]\n",
        );
        let parsed = parsed.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.responders.get(&Severity::Sev1).map(Vec::len), Some(2));
        assert_eq!(parsed.broadcast_channel.map(|c| c.as_str().to_owned()).as_deref(), Some("C0BROAD"));
    }

    #[test]
    fn the_example_encodes_both_seed_runbooks_with_every_check_kind() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/config/firebreak.example.toml"));
        let (file, found) = FileConfig::load(path).unwrap_or_else(|e| panic!("{e}"));
        assert!(found);
        let settings = file.settings(path).unwrap_or_else(|e| panic!("{e}"));
        let nerf = settings.runbooks.by_name("nerf-service-down").unwrap_or_else(|| panic!("nerf runbook"));
        let mut kinds: Vec<&str> = nerf.checks.iter().map(|c| c.target.kind()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let mut all = firebreak_commands::diagnostics::CheckTarget::KINDS.to_vec();
        all.sort_unstable();
        assert_eq!(kinds, all);
        assert!(nerf.alerts.contains(&"NerfServiceDown".to_owned()));
        assert!(settings.runbooks.by_name("nemo-platform").is_some_and(|r| r.checks.len() >= 10 && r.actions.len() == 3));
        let mut action_kinds: Vec<&str> = nerf.actions.iter().map(|a| a.spec.target.kind()).collect();
        action_kinds.sort_unstable();
        action_kinds.dedup();
        assert_eq!(action_kinds.len(), 7, "{action_kinds:?}");
        assert!(nerf.actions.iter().all(|a| !a.policy.approvers.is_empty()));
        assert!(settings.runbooks.for_title("[FIRING] NerfServiceDown nerf-web").is_some_and(|r| r.name == "nerf-service-down"));
    }

    #[test]
    fn errors_name_the_field() {
        assert!(settings("[severities.sev1]\nresponders = [\"bob\"]").unwrap_err().contains("severities.sev1.responders[0]"));
        assert!(settings("[severities.sev9]").unwrap_err().contains("severities.sev9"));
        assert!(settings("time_zone = \"Mars/Olympus\"").unwrap_err().contains("time_zone"));
        assert!(settings("[slack]\nbroadcast_channel = \"#general\"").unwrap_err().contains("slack.broadcast_channel"));
        assert!(settings("[slack]\nbroadcst_channel = \"C1\"").unwrap_err().contains("unknown field"));
    }
}
