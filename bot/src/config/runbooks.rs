//! `[[runbooks]]` of `firebreak.toml`, validated into `Runbooks` with errors naming the file,
//! the runbook and the field.

use firebreak_commands::diagnostics::runbook::{Runbook, Runbooks};
use firebreak_commands::diagnostics::spec::CheckTarget;
use firebreak_commands::severity::Severity;
use serde::Deserialize;

use super::actions::ActionConfig;
use super::checks::CheckConfig;

/// A runbook as written. Checks are read as tables first so an error can name the runbook.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunbookConfig {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub alerts: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
    pub severity: Option<String>,
    #[serde(default)]
    pub checks: Vec<toml::Table>,
    /// Remediations offered by `/incident fix`, each with who may approve it.
    #[serde(default)]
    pub actions: Vec<ActionConfig>,
}

/// `(field path, reason)` of the first problem found.
pub type RunbookError = (String, String);

fn valid_runbook_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Validates every runbook; names must be unique and check names unique within a runbook.
pub fn validate(configs: Vec<RunbookConfig>) -> Result<Runbooks, RunbookError> {
    let mut runbooks: Vec<Runbook> = Vec::new();
    for (index, config) in configs.into_iter().enumerate() {
        let at = if valid_runbook_name(&config.name) { format!("runbooks[{}]", config.name) } else { format!("runbooks[{index}]") };
        if !valid_runbook_name(&config.name) {
            return Err((format!("{at}.name"), format!("`{}` must be 1 to 64 of a-z, 0-9, - and _", config.name)));
        }
        if runbooks.iter().any(|r| r.name == config.name) {
            return Err((format!("{at}.name"), "another runbook has this name".into()));
        }
        let severity = match &config.severity {
            None => None,
            Some(text) => Some(
                Severity::parse(text).ok_or_else(|| (format!("{at}.severity"), format!("`{text}` is not sev1, sev2, sev3 or sev4")))?,
            ),
        };
        let mut checks = Vec::with_capacity(config.checks.len());
        for (i, table) in config.checks.into_iter().enumerate() {
            let label = table.get("name").and_then(toml::Value::as_str).map_or_else(|| i.to_string(), str::to_owned);
            let check_at = format!("{at}.checks[{label}]");
            let kind = table.get("kind").and_then(toml::Value::as_str).unwrap_or_default().to_owned();
            if !CheckTarget::KINDS.contains(&kind.as_str()) {
                let shown = if kind.is_empty() { "missing".to_owned() } else { format!("`{kind}` is unknown") };
                return Err((format!("{check_at}.kind"), format!("{shown}; one of {}", CheckTarget::KINDS.join(", "))));
            }
            let parsed: CheckConfig = table.try_into().map_err(|e: toml::de::Error| (check_at.clone(), e.message().to_owned()))?;
            let spec = parsed.into_spec().map_err(|(field, reason)| (format!("{check_at}.{field}"), reason))?;
            if checks.iter().any(|c: &firebreak_commands::diagnostics::CheckSpec| c.name == spec.name) {
                return Err((format!("{check_at}.name"), "another check of this runbook has this name".into()));
            }
            checks.push(spec);
        }
        let mut actions: Vec<firebreak_commands::remediation::RunbookAction> = Vec::new();
        for action in config.actions {
            let action_at = format!("{at}.actions[{}]", action.name);
            let action = action.into_action().map_err(|(field, reason)| (format!("{action_at}.{field}"), reason))?;
            if actions.iter().any(|a| a.spec.name == action.spec.name) {
                return Err((format!("{action_at}.name"), "another action of this runbook has this name".into()));
            }
            actions.push(action);
        }
        runbooks.push(Runbook {
            name: config.name,
            description: config.description,
            alerts: config.alerts,
            services: config.services,
            severity,
            checks,
            actions,
        });
    }
    Ok(Runbooks(runbooks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct File {
        runbooks: Vec<RunbookConfig>,
    }

    fn check(text: &str) -> Result<Runbooks, RunbookError> {
        let file: File = toml::from_str(text).map_err(|e| ("toml".to_owned(), e.to_string()))?;
        validate(file.runbooks)
    }

    const HEAD: &str = "[[runbooks]]\nname = \"web\"\n[[runbooks.checks]]\n";

    #[test]
    fn a_runbook_with_checks_validates() {
        let runbooks = check(&format!(
            "{HEAD}name = \"pods\"\nkind = \"k8s_pods\"\nselector = \"app=web\"\n[[runbooks.checks]]\nname = \"db\"\nkind = \"postgres\"\nurl_env = \"WEB_DATABASE_URL\"\n"
        ));
        let runbooks = runbooks.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(runbooks.0[0].checks.len(), 2);
    }

    #[test]
    fn errors_name_runbook_check_and_field() {
        let error = |text: &str| check(&format!("{HEAD}{text}")).err().map(|(at, why)| format!("{at}: {why}")).unwrap_or_default();
        assert!(error("name = \"p\"\nkind = \"k8s_podz\"\n").starts_with("runbooks[web].checks[p].kind: `k8s_podz` is unknown"));
        assert!(error("name = \"p\"\n").contains("runbooks[web].checks[p].kind: missing"));
        assert!(error("name = \"p\"\nkind = \"k8s_pods\"\nselector = \"app=web;rm -rf /\"\n").starts_with("runbooks[web].checks[p].selector"));
        let missing = error("name = \"p\"\nkind = \"k8s_pods\"\n");
        assert!(missing.starts_with("runbooks[web].checks[p]") && missing.contains("selector"), "{missing}");
        assert!(error("name = \"p\"\nkind = \"postgres\"\nurl_env = \"postgres://u:pw@db\"\n").contains("checks[p].url_env"));
        assert!(error("name = \"p\"\nkind = \"http\"\nurl = \"http://h/\"\nretries = 3\n").contains("unknown field `retries`"));
        assert!(error("name = \"p\"\nkind = \"http\"\nurl = \"http://u:pw@h/\"\n").contains("checks[p].url"));
    }

    #[test]
    fn action_errors_name_the_field() {
        let error = |text: &str| {
            check(&format!("[[runbooks]]\nname = \"web\"\n[[runbooks.actions]]\n{text}")).err().map(|(at, why)| format!("{at}: {why}")).unwrap_or_default()
        };
        assert!(error("name = \"a\"\nkind = \"k8s_delete_everything\"\n").starts_with("runbooks[web].actions[a].kind: `k8s_delete_everything` is unknown"));
        assert!(error("name = \"a\"\nkind = \"k8s_scale\"\ndeployment = \"web\"\nreplicas = 1000\n").contains("actions[a].replicas"));
        assert!(error("name = \"a\"\nkind = \"k8s_rollout_restart\"\n").contains("actions[a].deployment: missing"));
        assert!(error("name = \"a\"\nkind = \"docker_restart\"\ncontainer = \"x; rm -rf /\"\n").contains("actions[a].container"));
        assert!(error("name = \"a\"\nkind = \"docker_restart\"\ncontainer = \"web\"\napprovers = [\"bob\"]\n").contains("actions[a].approvers[0]"));
        assert!(error("name = \"a\"\nkind = \"k8s_set_resources\"\ndeployment = \"web\"\ncontainer = \"web\"\nlimits = { memory = \"lots\" }\n").contains("limits.memory"));
        let ok = check("[[runbooks]]\nname = \"web\"\n[[runbooks.actions]]\nname = \"r\"\nkind = \"docker_restart\"\ncontainer = \"web\"\n");
        let ok = ok.unwrap_or_else(|e| panic!("{e:?}"));
        assert!(ok.0[0].actions[0].policy.approvers.is_empty(), "no approvers is allowed in config but can never run");
    }
}
