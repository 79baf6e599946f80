//! `HttpPaging`: the pager port over HTTP(S). POSTs a level's page as JSON (Firebreak's body
//! or PagerDuty's Events API v2) under a timeout per attempt, retrying network trouble, 429
//! and 5xx with a doubling pause. The URL and routing key are secrets: they are sent, never
//! logged nor put in an error.

mod body;

use crate::adapters::error_chain::chain;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{header, Method, Request};
use firebreak_commands::escalation::{Page, PagerWebhook, WebhookFormat};
use firebreak_commands::ports::{PageSent, Paging, PagingError};

use crate::adapters::https_client::{https_client, HttpsClient};
use crate::config::PagerSecrets;

/// Where PagerDuty takes events unless a level names another URL.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// How much of an error answer is kept to say why.
const DETAIL_BYTES: usize = 300;

/// How hard to try: attempts in all, the bound on each, the pause after the first failure.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub timeout: Duration,
    pub first_pause: Duration,
}

impl Default for Retry {
    /// Three attempts of at most 5 s, 0.5 s then 1 s apart: under 20 s in all, so the
    /// channel learns soon when the pager was not reached.
    fn default() -> Self {
        Self { attempts: 3, timeout: Duration::from_secs(5), first_pause: Duration::from_millis(500) }
    }
}

/// Calls pager webhooks with the URLs and keys read from the environment at start-up.
pub struct HttpPaging {
    client: Result<HttpsClient, String>,
    secrets: PagerSecrets,
    retry: Retry,
}

impl std::fmt::Debug for HttpPaging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPaging").field("retry", &self.retry).finish_non_exhaustive()
    }
}

/// One attempt's answer.
enum Answer {
    Status(u16, String),
    Failed(String),
}

impl HttpPaging {
    pub fn new(secrets: PagerSecrets, retry: Retry) -> Self {
        Self { client: https_client("a pager"), secrets, retry }
    }

    /// The URL, the body, and the secrets that must never show up in an error.
    fn request(&self, webhook: &PagerWebhook, page: &Page) -> Result<(String, Vec<u8>, Vec<String>), PagingError> {
        let secret = |name: &str| {
            self.secrets.get(name).map(|s| s.expose().to_owned()).ok_or_else(|| PagingError::NotConfigured(format!("environment variable {name} was not set when Firebreak started")))
        };
        let url = match (&webhook.url_env, webhook.format) {
            (Some(name), _) => secret(name)?,
            (None, WebhookFormat::PagerDuty) => PAGERDUTY_EVENTS_URL.to_owned(),
            (None, WebhookFormat::Json) => return Err(PagingError::NotConfigured("the level names no webhook_url_env".into())),
        };
        let (body, hidden) = match webhook.format {
            WebhookFormat::Json => (body::firebreak(page), vec![url.clone()]),
            WebhookFormat::PagerDuty => {
                let name = webhook.routing_key_env.as_deref().ok_or_else(|| PagingError::NotConfigured("the level names no routing_key_env".into()))?;
                let key = secret(name)?;
                (body::pagerduty(page, &key), vec![url.clone(), key])
            }
        };
        Ok((url, serde_json::to_vec(&body).unwrap_or_default(), hidden))
    }

    async fn attempt(&self, url: &str, body: &[u8]) -> Answer {
        let client = match &self.client {
            Ok(client) => client,
            Err(why) => return Answer::Failed(why.clone()),
        };
        let request = Request::builder()
            .method(Method::POST)
            .uri(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, concat!("firebreak/", env!("CARGO_PKG_VERSION")))
            .body(Body::from(body.to_vec()));
        let request = match request {
            Ok(request) => request,
            Err(_) => return Answer::Failed("the configured URL is not a valid URL".into()),
        };
        let exchange = async {
            match client.request(request).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let bytes = axum::body::to_bytes(Body::new(response.into_body()), 64 * 1024).await.unwrap_or_default();
                    let detail: String = String::from_utf8_lossy(&bytes[..bytes.len().min(DETAIL_BYTES)]).trim().to_owned();
                    Answer::Status(status, detail)
                }
                Err(error) => Answer::Failed(chain(&error)),
            }
        };
        tokio::time::timeout(self.retry.timeout, exchange)
            .await
            .unwrap_or_else(|_| Answer::Failed(format!("no answer within {} s", self.retry.timeout.as_secs_f64())))
    }
}

#[async_trait]
impl Paging for HttpPaging {
    async fn page(&self, webhook: &PagerWebhook, page: &Page) -> Result<PageSent, PagingError> {
        let outcome = self.send(webhook, page).await;
        let label = match &outcome {
            Ok(_) => "sent",
            Err(PagingError::NotConfigured(_)) => "not_configured",
            Err(PagingError::Refused { .. }) => "refused",
            Err(PagingError::Unreachable { .. }) => "unreachable",
        };
        metrics::counter!("firebreak_pager_webhooks_total", "format" => webhook.format.key(), "outcome" => label).increment(1);
        outcome
    }
}

impl HttpPaging {
    async fn send(&self, webhook: &PagerWebhook, page: &Page) -> Result<PageSent, PagingError> {
        let (url, body, hidden) = self.request(webhook, page)?;
        let hide = |text: String| hidden.iter().filter(|s| !s.is_empty()).fold(text, |text, secret| text.replace(secret.as_str(), "[redacted]"));
        let mut pause = self.retry.first_pause;
        let mut last = PagingError::Unreachable { attempts: 0, why: "no attempt was made".into() };
        for attempt in 1..=self.retry.attempts.max(1) {
            match self.attempt(&url, &body).await {
                Answer::Status(status, _) if (200..300).contains(&status) => return Ok(PageSent { status, attempts: attempt }),
                Answer::Status(status, detail) => {
                    last = PagingError::Refused { status, attempts: attempt, detail: hide(detail) };
                    // Other 4xx answers say the request itself is wrong: sending it again will not help.
                    if !(status == 429 || status >= 500) {
                        return Err(last);
                    }
                }
                Answer::Failed(why) => last = PagingError::Unreachable { attempts: attempt, why: hide(why) },
            }
            if attempt < self.retry.attempts {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests;
