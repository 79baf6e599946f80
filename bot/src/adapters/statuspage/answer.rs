//! Statuspage's answers read: an incident (id, name, status, shortlink, created_at) and the
//! `{"error": …}` of a refusal, turned into errors that say what happened and whether
//! anything was posted.

use firebreak_commands::remediation::ActionError;
use serde::Deserialize;

/// How much of a refusal's text is kept.
const DETAIL_CHARS: usize = 300;

/// The fields of a Statuspage incident Firebreak reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Incident {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub shortlink: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

pub fn incident(body: &[u8]) -> Result<Incident, String> {
    serde_json::from_slice(body).map_err(|e| format!("Statuspage's answer is not an incident: {e}"))
}

pub fn incidents(body: &[u8]) -> Result<Vec<Incident>, String> {
    serde_json::from_slice(body).map_err(|e| format!("Statuspage's answer is not a list of incidents: {e}"))
}

/// The `error` of a refusal (a string or a list of them), else the start of the body.
pub fn detail(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| v.get("error").cloned()) {
        Some(serde_json::Value::String(error)) => error,
        Some(serde_json::Value::Array(errors)) => errors.iter().map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned)).collect::<Vec<_>>().join("; "),
        _ => String::from_utf8_lossy(body).trim().to_owned(),
    };
    text.chars().take(DETAIL_CHARS).collect()
}

/// A refusal (an HTTP status outside 2xx that is not a server error) as an error. `what` says
/// what was asked ("creating the incident"), `after` what that means ("nothing was posted").
pub fn refusal(status: u16, retry_after: Option<u64>, body: &[u8], token_env: &str, page_id: &str, what: &str, after: &str) -> ActionError {
    let detail = detail(body);
    match status {
        401 | 403 => ActionError::Forbidden(format!(
            "Statuspage refused the API key in {token_env} while {what} (HTTP {status}: {detail}); {after}"
        )),
        404 => ActionError::NotFound(format!("Statuspage has no page `{page_id}` (or no such incident) while {what} (HTTP 404: {detail}); {after}")),
        420 | 429 => {
            let wait = retry_after.map(|s| format!(", retry after {s} s")).unwrap_or_default();
            ActionError::Refused(format!("Statuspage is limiting the rate of requests (HTTP {status}{wait}) while {what}; {after} — request it again later"))
        }
        _ => ActionError::Refused(format!("Statuspage refused {what} (HTTP {status}: {detail}); {after}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_why_and_what_became_of_the_post() {
        let said = |status, retry, body: &str| refusal(status, retry, body.as_bytes(), "STATUSPAGE_API_KEY", "kctbh9vrtdwd", "creating the incident", "nothing was posted").to_string();
        assert_eq!(
            said(401, None, r#"{"error":"Could not authenticate"}"#),
            "forbidden: Statuspage refused the API key in STATUSPAGE_API_KEY while creating the incident (HTTP 401: Could not authenticate); nothing was posted"
        );
        assert!(said(404, None, r#"{"error":"Page not found"}"#).starts_with("not found: Statuspage has no page `kctbh9vrtdwd`"));
        assert!(said(422, None, r#"{"error":["Name can't be blank"]}"#).contains("(HTTP 422: Name can't be blank); nothing was posted"));
        assert!(said(429, Some(30), "{}").contains("(HTTP 429, retry after 30 s) while creating the incident; nothing was posted — request it again later"));
        assert_eq!(detail(&b"x".repeat(1000)).len(), DETAIL_CHARS);
    }

    #[test]
    fn reads_statuspages_incident() {
        let body = br#"{"id":"p31zjtct2jer","name":"Service Maintenance","status":"investigating","shortlink":"http://stspg.io/abc","created_at":"2026-11-23T19:00:00.000Z","impact":"none","incident_updates":[]}"#;
        let read = incident(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((read.id.as_str(), read.status.as_str(), read.shortlink.as_deref()), ("p31zjtct2jer", "investigating", Some("http://stspg.io/abc")));
        assert!(incident(b"{\"error\":\"x\"}").is_err());
    }
}
