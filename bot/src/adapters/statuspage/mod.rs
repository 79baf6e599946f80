//! `StatusPageApi`: the `StatusPageActions` port over Statuspage's REST API — the runbook's
//! `curl -X POST …/v1/pages/PAGE_ID/incidents -H "Authorization: OAuth TOKEN"`, as JSON.
//!
//! A POST is not idempotent, so it is sent once and never again by Firebreak: when its answer
//! is lost (timeout, dropped connection, 5xx) the page's incidents are searched for it; found,
//! it is reported as posted, not found, the state is said to be unknown. The API key comes
//! from the variable the action names, read at start-up; it is sent, never logged nor put in
//! an error.

mod answer;
mod http;

use std::time::Duration;

use async_trait::async_trait;
use axum::http::Method;
use firebreak_commands::remediation::{ActionError, ActionOutcome, ActionTarget, PostedIncident, StatusPageActions};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use crate::config::StatusPageEnv;
use http::{Exchange, Http};

/// Each request's bound: well inside the run's lease, and Statuspage answers in well under it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How far before the POST an incident found by a look-up may have been created (the two
/// clocks differ) and still count as the one whose answer was lost.
const LOOKUP_SLACK: SignedDuration = SignedDuration::from_mins(5);

/// A `statuspage_incident` target's fields.
struct Target<'a> {
    page_id: &'a str,
    token_env: &'a str,
    name: &'a str,
    status: &'a str,
    body: Option<&'a str>,
}

fn target(action: &ActionTarget) -> Result<Target<'_>, ActionError> {
    match action {
        ActionTarget::StatusPageIncident { page_id, token_env, name, status, body } => {
            Ok(Target { page_id, token_env, name, status, body: body.as_deref() })
        }
        other => Err(ActionError::NotConfigured(format!("`{}` is not a status-page action", other.kind()))),
    }
}

pub struct StatusPageApi {
    env: StatusPageEnv,
    http: Http,
}

impl std::fmt::Debug for StatusPageApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusPageApi").field("api_url", &self.env.api_url).finish_non_exhaustive()
    }
}

impl StatusPageApi {
    pub fn new(env: StatusPageEnv) -> Self {
        Self::with_timeout(env, REQUEST_TIMEOUT)
    }

    /// With another bound per request (tests).
    pub fn with_timeout(env: StatusPageEnv, timeout: Duration) -> Self {
        Self { env, http: Http::new(timeout) }
    }

    fn key(&self, token_env: &str) -> Result<&str, ActionError> {
        self.env
            .keys
            .get(token_env)
            .map(|key| key.expose())
            .ok_or_else(|| ActionError::NotConfigured(format!("environment variable {token_env} (the Statuspage API key) was not set when Firebreak started")))
    }

    fn url(&self, page_id: &str, rest: &str) -> String {
        format!("{}/v1/pages/{page_id}/incidents{rest}", self.env.api_url)
    }

    /// Any key in `text` replaced: a server or library could echo a header back.
    fn hide(&self, text: String) -> String {
        self.env.keys.values().map(|k| k.expose()).filter(|k| !k.is_empty()).fold(text, |text, key| text.replace(key, "[redacted]"))
    }

    async fn send(&self, call: &'static str, method: Method, url: &str, key: &str, json: Option<Vec<u8>>) -> Exchange {
        let exchange = match self.http.send(method, url, key, json).await {
            Exchange::Answered { status, retry_after, body } => Exchange::Answered { status, retry_after, body },
            Exchange::NotSent(why) => Exchange::NotSent(self.hide(why)),
            Exchange::Lost(why) => Exchange::Lost(self.hide(why)),
        };
        let outcome = match &exchange {
            Exchange::Answered { status, .. } if (200..300).contains(status) => "ok",
            Exchange::Answered { status, .. } if *status >= 500 => "server_error",
            Exchange::Answered { .. } => "refused",
            Exchange::NotSent(_) => "unreachable",
            Exchange::Lost(_) => "lost",
        };
        metrics::counter!("firebreak_statuspage_requests_total", "call" => call, "outcome" => outcome).increment(1);
        exchange
    }

    /// The POST's answer was lost (`why`): the page's incidents are searched for one with the
    /// same name created since shortly before `sent`.
    async fn look_up(&self, t: &Target<'_>, key: &str, sent: Timestamp, why: &str) -> Result<PostedIncident, ActionError> {
        let query: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("q", t.name).append_pair("limit", "100").finish();
        let unknown = |lookup: String| {
            ActionError::Unanswered(format!(
                "Statuspage did not answer the POST ({why}) and the look-up found no incident named \"{}\" created since ({lookup}); \
                 check the page before requesting it again",
                t.name
            ))
        };
        let found = match self.send("lookup", Method::GET, &self.url(t.page_id, &format!("?{query}")), key, None).await {
            Exchange::Answered { status, body, .. } if (200..300).contains(&status) => answer::incidents(&body).map_err(unknown)?,
            Exchange::Answered { status, body, .. } => return Err(unknown(format!("HTTP {status}: {}", self.hide(answer::detail(&body))))),
            Exchange::NotSent(lookup) | Exchange::Lost(lookup) => return Err(unknown(lookup)),
        };
        let since = sent.checked_sub(LOOKUP_SLACK).unwrap_or(sent);
        let recent = |i: &answer::Incident| i.created_at.as_deref().and_then(|c| c.parse::<Timestamp>().ok()).is_some_and(|c| c >= since);
        let incident = found.into_iter().find(|i| i.name == t.name && recent(i)).ok_or_else(|| unknown("none found".into()))?;
        Ok(PostedIncident {
            id: incident.id,
            name: incident.name,
            status: incident.status,
            shortlink: incident.shortlink,
            found_by_lookup: Some(format!("Statuspage did not answer the POST ({why}); the incident was found on the page instead of posting again")),
        })
    }
}

#[async_trait]
impl StatusPageActions for StatusPageApi {
    async fn preview(&self, action: &ActionTarget) -> Result<String, ActionError> {
        let t = target(action)?;
        self.key(t.token_env)?;
        let body = t.body.map(|b| format!(" with the text \"{b}\"")).unwrap_or_default();
        Ok(format!("nothing is sent before approval; then a public incident \"{}\" ({}){body} is posted to Statuspage page `{}`", t.name, t.status, t.page_id))
    }

    async fn create(&self, action: &ActionTarget) -> Result<PostedIncident, ActionError> {
        let t = target(action)?;
        let key = self.key(t.token_env)?;
        let mut incident = json!({ "name": t.name, "status": t.status });
        if let Some(body) = t.body {
            incident["body"] = body.into();
        }
        let json = serde_json::to_vec(&json!({ "incident": incident })).unwrap_or_default();
        let sent = Timestamp::now();
        match self.send("create", Method::POST, &self.url(t.page_id, ""), key, Some(json)).await {
            Exchange::Answered { status, body, .. } if (200..300).contains(&status) => {
                let incident = answer::incident(&body).map_err(|e| ActionError::Failed(format!("posted (HTTP {status}), but {e}; check the page")))?;
                Ok(PostedIncident { id: incident.id, name: incident.name, status: incident.status, shortlink: incident.shortlink, found_by_lookup: None })
            }
            Exchange::Answered { status, .. } if status >= 500 => self.look_up(&t, key, sent, &format!("HTTP {status}")).await,
            Exchange::Answered { status, retry_after, body } => {
                let refusal = answer::refusal(status, retry_after, &body, t.token_env, t.page_id, "creating the incident", "nothing was posted");
                Err(hide_error(self, refusal))
            }
            Exchange::NotSent(why) => Err(ActionError::Unreachable(format!("could not reach Statuspage at {} ({why}); nothing was posted", self.env.api_url))),
            Exchange::Lost(why) => self.look_up(&t, key, sent, &why).await,
        }
    }

    async fn verify(&self, action: &ActionTarget, posted: &PostedIncident) -> Result<ActionOutcome, ActionError> {
        let t = target(action)?;
        let key = self.key(t.token_env)?;
        let id: String = posted.id.chars().filter(char::is_ascii_alphanumeric).collect();
        match self.send("read", Method::GET, &self.url(t.page_id, &format!("/{id}")), key, None).await {
            Exchange::Answered { status, body, .. } if (200..300).contains(&status) => {
                let read = answer::incident(&body).map_err(ActionError::Failed)?;
                let success = read.status == t.status;
                let summary = if success {
                    format!("Statuspage shows incident {} as {}", read.id, read.status)
                } else {
                    format!("Statuspage shows incident {} as {}, not {}", read.id, read.status, t.status)
                };
                Ok(ActionOutcome { success, summary, evidence: read.shortlink.into_iter().collect() })
            }
            Exchange::Answered { status, retry_after, body } => {
                Err(hide_error(self, answer::refusal(status, retry_after, &body, t.token_env, t.page_id, "reading the incident back", "it was posted")))
            }
            Exchange::NotSent(why) | Exchange::Lost(why) => Err(ActionError::Unreachable(format!("could not read the incident back ({why}); it was posted"))),
        }
    }

    async fn resolve(&self, action: &ActionTarget, incident_id: &str) -> Result<PostedIncident, ActionError> {
        let t = target(action)?;
        let key = self.key(t.token_env)?;
        let id: String = incident_id.chars().filter(char::is_ascii_alphanumeric).collect();
        let json = serde_json::to_vec(&json!({ "incident": { "status": "resolved" } })).unwrap_or_default();
        match self.send("resolve", Method::PATCH, &self.url(t.page_id, &format!("/{id}")), key, Some(json)).await {
            Exchange::Answered { status, body, .. } if (200..300).contains(&status) => {
                let read = answer::incident(&body).map_err(ActionError::Failed)?;
                Ok(PostedIncident { id: read.id, name: read.name, status: read.status, shortlink: read.shortlink, found_by_lookup: None })
            }
            Exchange::Answered { status, retry_after, body } => {
                Err(hide_error(self, answer::refusal(status, retry_after, &body, t.token_env, t.page_id, "resolving the incident", "it is still open on the page")))
            }
            Exchange::NotSent(why) => Err(ActionError::Unreachable(format!("could not reach Statuspage ({why}); the incident is still open on the page"))),
            Exchange::Lost(why) => Err(ActionError::Unanswered(format!("Statuspage did not answer ({why}); check the page"))),
        }
    }
}

fn hide_error(api: &StatusPageApi, error: ActionError) -> ActionError {
    match error {
        ActionError::Forbidden(text) => ActionError::Forbidden(api.hide(text)),
        ActionError::NotFound(text) => ActionError::NotFound(api.hide(text)),
        ActionError::Refused(text) => ActionError::Refused(api.hide(text)),
        other => other,
    }
}
