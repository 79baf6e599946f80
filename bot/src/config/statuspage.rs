//! `statuspage_incident` actions: their fields validated, and what they need from the
//! environment — the API's base URL (`STATUSPAGE_API_URL`) and each key variable they name.

use std::collections::BTreeMap;

use firebreak_commands::diagnostics::runbook::Runbooks;
use firebreak_commands::remediation::ActionTarget;

use super::checks::{field, FieldError};
use super::secret::Secret;

/// Where Statuspage's API is unless `STATUSPAGE_API_URL` says otherwise (tests use a fake).
pub const DEFAULT_STATUSPAGE_API_URL: &str = "https://api.statuspage.io";

/// Statuspage's incident statuses (`scheduled`, `in_progress`… are for maintenances).
pub const STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];

/// The fields of a `statuspage_incident` action as written.
pub struct Fields {
    pub page_id: Option<String>,
    pub token_env: Option<String>,
    pub incident_name: Option<String>,
    pub status: Option<String>,
    pub body: Option<String>,
}

/// Validates the fields into a target. Everything that reaches the public page is fixed here.
pub fn target(fields: Fields) -> Result<ActionTarget, FieldError> {
    let page_id = fields.page_id.ok_or_else(|| field("page_id", "missing"))?;
    // It goes into the URL's path: letters and digits only, as Statuspage's ids are.
    if page_id.is_empty() || page_id.len() > 64 || !page_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(field("page_id", format!("`{page_id}` is not a Statuspage page id (letters and digits, as in its API URL)")));
    }
    let token_env = fields.token_env.ok_or_else(|| field("token_env", "missing: name the environment variable that holds the Statuspage API key"))?;
    let env_like = token_env.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && token_env.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !env_like {
        // Not echoed: someone may have pasted the key itself here.
        return Err(field("token_env", "is not an environment variable name (e.g. STATUSPAGE_API_KEY); the key itself never goes in this file"));
    }
    let name = fields.incident_name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).ok_or_else(|| field("incident_name", "missing"))?;
    if name.chars().count() > 255 {
        return Err(field("incident_name", "use at most 255 characters"));
    }
    let status = fields.status.unwrap_or_else(|| STATUSES[0].to_owned());
    if !STATUSES.contains(&status.as_str()) {
        return Err(field("status", format!("`{status}` is not one of {}", STATUSES.join(", "))));
    }
    let body = fields.body.map(|b| b.trim().to_owned()).filter(|b| !b.is_empty());
    if body.as_ref().is_some_and(|b| b.chars().count() > 5000) {
        return Err(field("body", "use at most 5000 characters"));
    }
    Ok(ActionTarget::StatusPageIncident { page_id, token_env, name, status, body })
}

/// What the status-page adapter needs from the environment, read once at start-up.
#[derive(Debug, Clone)]
pub struct StatusPageEnv {
    /// Without a trailing `/`.
    pub api_url: String,
    /// The keys of the variables the actions name that were set; a missing one is reported
    /// on the approval card and by the run, not at start-up (the example configuration names
    /// one, and Firebreak must start without it).
    pub keys: BTreeMap<String, Secret>,
}

impl Default for StatusPageEnv {
    /// Statuspage itself, no keys.
    fn default() -> Self {
        Self { api_url: DEFAULT_STATUSPAGE_API_URL.to_owned(), keys: BTreeMap::new() }
    }
}

impl StatusPageEnv {
    pub fn from_lookup(api_url: Option<String>, runbooks: &Runbooks, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let api_url = api_url.unwrap_or_else(|| DEFAULT_STATUSPAGE_API_URL.to_owned());
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            return Err("must start with https:// or http://".into());
        }
        let mut keys = BTreeMap::new();
        for action in runbooks.0.iter().flat_map(|r| &r.actions) {
            if let ActionTarget::StatusPageIncident { token_env, .. } = &action.spec.target
                && let Some(key) = env(token_env)
            {
                keys.insert(token_env.clone(), Secret::new(key));
            }
        }
        Ok(Self { api_url: api_url.trim_end_matches('/').to_owned(), keys })
    }

    /// The variables that actions name but that were not set.
    pub fn missing(&self, runbooks: &Runbooks) -> Vec<String> {
        let mut missing: Vec<String> = runbooks
            .0
            .iter()
            .flat_map(|r| &r.actions)
            .filter_map(|a| match &a.spec.target {
                ActionTarget::StatusPageIncident { token_env, .. } if !self.keys.contains_key(token_env) => Some(token_env.clone()),
                _ => None,
            })
            .collect();
        missing.dedup();
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        Fields {
            page_id: Some("kctbh9vrtdwd".into()),
            token_env: Some("STATUSPAGE_API_KEY".into()),
            incident_name: Some("Service Maintenance".into()),
            status: None,
            body: None,
        }
    }

    #[test]
    fn defaults_to_investigating_and_names_each_bad_field() {
        let made = target(fields()).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(matches!(&made, ActionTarget::StatusPageIncident { status, body: None, .. } if status == "investigating"), "{made:?}");
        let bad = |f: Fields| target(f).err().map(|(name, _)| name).unwrap_or_default();
        assert_eq!(bad(Fields { page_id: Some("../admin".into()), ..fields() }), "page_id");
        assert_eq!(bad(Fields { page_id: None, ..fields() }), "page_id");
        assert_eq!(bad(Fields { incident_name: Some("  ".into()), ..fields() }), "incident_name");
        assert_eq!(bad(Fields { status: Some("down".into()), ..fields() }), "status");
        assert_eq!(bad(Fields { token_env: None, ..fields() }), "token_env");
        let pasted = target(Fields { token_env: Some("OAuth 2a7b9d4aac30956d".into()), ..fields() }).err().unwrap_or_default();
        assert!(pasted.0 == "token_env" && !pasted.1.contains("2a7b9d4a"), "a pasted key is never echoed: {pasted:?}");
    }

    #[test]
    fn keys_are_read_for_the_actions_and_never_printed_and_missing_ones_named() {
        let action = firebreak_commands::remediation::RunbookAction {
            spec: firebreak_commands::remediation::ActionSpec { name: "statuspage".into(), target: target(fields()).unwrap_or_else(|e| panic!("{e:?}")) },
            policy: Default::default(),
        };
        let runbook = firebreak_commands::diagnostics::runbook::Runbook {
            name: "nerf".into(),
            description: String::new(),
            alerts: vec![],
            services: vec![],
            severity: None,
            checks: vec![],
            actions: vec![action],
        };
        let runbooks = Runbooks(vec![runbook]);
        let env = StatusPageEnv::from_lookup(Some("http://127.0.0.1:9/".into()), &runbooks, |name| (name == "STATUSPAGE_API_KEY").then(|| "sp-K3Y".to_owned()));
        let env = env.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((env.api_url.as_str(), env.keys.get("STATUSPAGE_API_KEY").map(Secret::expose)), ("http://127.0.0.1:9", Some("sp-K3Y")));
        assert!(!format!("{env:?}").contains("sp-K3Y"));
        assert!(env.missing(&runbooks).is_empty());
        let unset = StatusPageEnv::from_lookup(None, &runbooks, |_| None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((unset.api_url.as_str(), unset.missing(&runbooks)), (DEFAULT_STATUSPAGE_API_URL, vec!["STATUSPAGE_API_KEY".to_owned()]));
        assert!(StatusPageEnv::from_lookup(Some("api.statuspage.io".into()), &runbooks, |_| None).is_err());
    }
}
