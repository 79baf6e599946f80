//! The severity clock's configuration: on-call to page per severity, update cadence, and the
//! escalation levels (`[[escalation.levels]]`) with their flags and pager webhooks.

use std::collections::BTreeMap;
use std::time::Duration;

use firebreak_commands::escalation::{is_flag_name, EscalationLevel, Pager, PagerWebhook, WebhookFormat};
use firebreak_commands::ids::SlackUserId;
use serde::Deserialize;

use super::secret::Secret;

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
    /// Escalate when any of these flags is raised (`data-integrity`).
    #[serde(default)]
    pub on_flags: Vec<String>,
    /// User groups (`S…`) and users (`U…`) paged at this level.
    #[serde(default)]
    pub page: Vec<String>,
    /// The environment variable holding the pager webhook's URL (a secret).
    pub webhook_url_env: Option<String>,
    /// `json` (Firebreak's body, the default) or `pagerduty` (Events API v2).
    pub webhook_format: Option<String>,
    /// The environment variable holding PagerDuty's routing (integration) key.
    pub routing_key_env: Option<String>,
}

/// Pager URLs and routing keys read from the environment, by variable name. Only the adapter
/// that sends them sees the values; `Debug` shows the names alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PagerSecrets(pub BTreeMap<String, Secret>);

impl PagerSecrets {
    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.0.get(name)
    }
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
        if level.after_minutes.is_none() && level.min_services.is_none() && level.on_flags.is_empty() {
            return Err((field("after_minutes"), "a level needs after_minutes, min_services and/or on_flags (otherwise only /incident escalate could reach it)".into()));
        }
        for (j, flag) in level.on_flags.iter().enumerate() {
            if !is_flag_name(flag) {
                return Err((format!("escalation.levels[{i}].on_flags[{j}]"), format!("`{flag}` is not a flag name: use a-z, 0-9, - and _ (e.g. data-integrity)")));
            }
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
            on_flags: level.on_flags.clone(),
            page,
            webhook: webhook(level).map_err(|(name, reason)| (field(name), reason))?,
        });
    }
    Ok(levels)
}

/// The level's pager webhook, if it has one; `Err((key, reason))`.
fn webhook(level: &LevelConfig) -> Result<Option<PagerWebhook>, (&'static str, String)> {
    let format = match level.webhook_format.as_deref() {
        None => None,
        Some(text) => Some(WebhookFormat::parse(text).ok_or(("webhook_format", format!("`{text}` is not a webhook format: use json or pagerduty")))?),
    };
    if level.webhook_url_env.is_none() && level.routing_key_env.is_none() && format.is_none() {
        return Ok(None);
    }
    let format = format.unwrap_or_default();
    for (key, name) in [("webhook_url_env", &level.webhook_url_env), ("routing_key_env", &level.routing_key_env)] {
        if let Some(name) = name
            && !is_env_name(name)
        {
            return Err((key, format!("`{name}` is not an environment variable name (pager URLs and keys are secrets and come from the environment, e.g. PAGER_WEBHOOK_URL)")));
        }
    }
    match format {
        WebhookFormat::Json if level.webhook_url_env.is_none() => {
            Err(("webhook_url_env", "name the environment variable that holds the pager's URL".into()))
        }
        WebhookFormat::Json if level.routing_key_env.is_some() => {
            Err(("routing_key_env", "a routing key is for webhook_format = \"pagerduty\"".into()))
        }
        WebhookFormat::PagerDuty if level.routing_key_env.is_none() => {
            Err(("routing_key_env", "PagerDuty needs the environment variable that holds its integration (routing) key".into()))
        }
        _ => Ok(Some(PagerWebhook { url_env: level.webhook_url_env.clone(), format, routing_key_env: level.routing_key_env.clone() })),
    }
}

fn is_env_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_uppercase() || c == '_') && text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Reads the URLs and routing keys the levels' webhooks name from `env`; a variable that is
/// not set (or a URL that is not http(s)) is an error naming the level's key, never the value.
pub fn pager_secrets(levels: &[EscalationLevel], env: impl Fn(&str) -> Option<String>) -> Result<PagerSecrets, (String, String)> {
    let mut secrets = BTreeMap::new();
    for (i, level) in levels.iter().enumerate() {
        let Some(hook) = &level.webhook else { continue };
        for (key, name, is_url) in [("webhook_url_env", &hook.url_env, true), ("routing_key_env", &hook.routing_key_env, false)] {
            let Some(name) = name else { continue };
            let field = format!("escalation.levels[{i}].{key}");
            let value = env(name).ok_or_else(|| (field.clone(), format!("environment variable {name} is not set")))?;
            if is_url && !(value.starts_with("https://") || value.starts_with("http://")) {
                return Err((field, format!("environment variable {name} does not hold an http(s):// URL")));
            }
            secrets.insert(name.clone(), Secret::new(value));
        }
    }
    Ok(PagerSecrets(secrets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<EscalationLevel>, String> {
        let section: EscalationSection = toml::from_str(text).map_err(|e| e.to_string())?;
        levels(&section).map_err(|(field, reason)| format!("{field}: {reason}"))
    }

    const LEVEL3: &str = "[[levels]]\nname = \"Level 3\"\non_flags = [\"data-integrity\"]\n";

    #[test]
    fn flags_alone_make_a_level_and_must_be_flag_names() {
        let parsed = parse(LEVEL3).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((parsed[0].on_flags.as_slice(), parsed[0].webhook.as_ref()), (&["data-integrity".to_owned()][..], None));
        let bad = parse("[[levels]]\nname = \"L3\"\non_flags = [\"Data Integrity\"]\n").unwrap_err();
        assert!(bad.starts_with("escalation.levels[0].on_flags[0]: `Data Integrity` is not a flag name"), "{bad}");
    }

    #[test]
    fn webhooks_name_their_variables_and_formats() {
        let json = parse(&format!("{LEVEL3}webhook_url_env = \"PAGER_WEBHOOK_URL\"\n")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(json[0].webhook, Some(PagerWebhook { url_env: Some("PAGER_WEBHOOK_URL".into()), format: WebhookFormat::Json, routing_key_env: None }));
        let pd = parse(&format!("{LEVEL3}webhook_format = \"pagerduty\"\nrouting_key_env = \"PD_ROUTING_KEY\"\n")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pd[0].webhook.as_ref().map(|w| (w.format, w.url_env.is_none())), Some((WebhookFormat::PagerDuty, true)));
        let cases = [
            ("webhook_format = \"pagerduty\"\n", "escalation.levels[0].routing_key_env: PagerDuty needs"),
            ("webhook_format = \"opsgenie\"\n", "escalation.levels[0].webhook_format: `opsgenie` is not a webhook format"),
            ("webhook_url_env = \"https://hooks.example.com/x\"\n", "escalation.levels[0].webhook_url_env: `https://hooks.example.com/x` is not an environment variable name"),
            ("routing_key_env = \"PD_KEY\"\n", "escalation.levels[0].webhook_url_env: name the environment variable"),
        ];
        for (keys, expected) in cases {
            let error = parse(&format!("{LEVEL3}{keys}")).unwrap_err();
            assert!(error.starts_with(expected), "{keys}: {error}");
        }
    }

    #[test]
    fn pager_secrets_come_from_the_environment_and_are_never_shown() {
        let levels = parse(&format!("{LEVEL3}webhook_url_env = \"PAGER_WEBHOOK_URL\"\n")).unwrap_or_else(|e| panic!("{e}"));
        let secrets = pager_secrets(&levels, |name| (name == "PAGER_WEBHOOK_URL").then(|| "https://pager.example/hook/S3CR3T".to_owned()));
        let secrets = secrets.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(secrets.get("PAGER_WEBHOOK_URL").map(Secret::expose), Some("https://pager.example/hook/S3CR3T"));
        assert!(!format!("{secrets:?}").contains("S3CR3T"));
        let unset = pager_secrets(&levels, |_| None).unwrap_err();
        assert_eq!(unset, ("escalation.levels[0].webhook_url_env".to_owned(), "environment variable PAGER_WEBHOOK_URL is not set".to_owned()));
        let not_url = pager_secrets(&levels, |_| Some("S3CR3T".to_owned())).unwrap_err();
        assert!(not_url.1.contains("does not hold an http(s):// URL") && !not_url.1.contains("S3CR3T"), "{not_url:?}");
    }
}
