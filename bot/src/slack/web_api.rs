//! Calls to Slack's Web API through slack-morphism: single attempts for the outbox, a few
//! inline retries for direct calls, metrics, and no leaked tokens.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use firebreak_commands::ports::ChatError;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use crate::config::Secret;

type Connector = SlackClientHyperConnector<HttpsConnector<HttpConnector>>;

/// How many times a rate-limited or failed call is retried before giving up.
const MAX_RETRIES: u32 = 3;
/// The longest `Retry-After` honoured inline by the few direct calls; outbox traffic is never
/// retried inline (see `crate::outbox`).
const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);

/// A Slack Web API client bound to the bot token.
#[derive(Clone)]
pub struct SlackWebApi {
    client: Arc<SlackClient<Connector>>,
    token: SlackApiToken,
}

impl std::fmt::Debug for SlackWebApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackWebApi { .. }")
    }
}

impl SlackWebApi {
    /// A client for `api_url` (`https://slack.com/api`, or a local fake over plain HTTP).
    pub fn new(api_url: &str, bot_token: &Secret) -> anyhow::Result<Self> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .context("loading the system's TLS root certificates")?
            .https_or_http()
            .enable_http1()
            .build();
        let connector = SlackClientHyperConnector::with_connector(https).with_slack_api_url(api_url);
        let token = SlackApiToken::new(SlackApiTokenValue::new(bot_token.expose().to_owned()));
        Ok(Self { client: Arc::new(SlackClient::new(connector)), token })
    }

    /// A session bound to the bot token, for slack-morphism's typed methods.
    pub(super) fn session(&self) -> SlackClientSession<'_, Connector> {
        self.client.open_session(&self.token)
    }

    /// Counts a typed call's result under `method` and maps its error like [`SlackWebApi::call`]
    /// (typed calls are not retried here: they are rare and their callers report failures).
    pub(super) fn counted<T>(&self, method: &'static str, result: Result<T, SlackClientError>) -> Result<T, ChatError> {
        let (label, mapped) = match result {
            Ok(value) => ("ok", Ok(value)),
            Err(error) => match classify(Err::<Value, _>(error)) {
                Outcome::Refused(code) => ("error", Err(refusal(code))),
                Outcome::Retry { reason, .. } => ("retry", Err(ChatError::Unavailable(reason))),
                Outcome::Ok(_) => ("ok", Err(ChatError::Refused("unexpected".into()))),
            },
        };
        metrics::counter!("firebreak_slack_api_calls_total", "method" => method, "result" => label).increment(1);
        mapped
    }

    /// One attempt at `method` with JSON `args`, no retries: the outbox's sender decides when
    /// to try again (backoff, shared `Retry-After`), so it must see every failure as it is.
    pub async fn call_once(&self, method: &str, args: &Value) -> Result<Value, Failure> {
        let session = self.client.open_session(&self.token);
        let outcome = classify(session.http_session_api.http_post(method, args, None).await);
        metrics::counter!("firebreak_slack_api_calls_total", "method" => method.to_owned(), "result" => outcome.label()).increment(1);
        outcome.into_result()
    }

    /// One attempt at a read method that Slack only takes as a query (see [`SlackWebApi::get`]).
    pub async fn get_once(&self, method: &str, params: &[(&str, &str)]) -> Result<Value, Failure> {
        let params: Vec<(&str, Option<&str>)> = params.iter().map(|(name, value)| (*name, Some(*value))).collect();
        let session = self.client.open_session(&self.token);
        let outcome = classify(session.http_session_api.http_get(method, &params, None).await);
        metrics::counter!("firebreak_slack_api_calls_total", "method" => method.to_owned(), "result" => outcome.label()).increment(1);
        outcome.into_result()
    }

    /// Calls `method` with JSON `args`, retrying 429 (after `Retry-After`) and 5xx/network
    /// errors a few times; for the rare direct calls (`auth.test`, `apps.connections.open`).
    pub async fn call(&self, method: &str, args: &Value) -> Result<Value, ChatError> {
        self.retrying(method, || async {
            let session = self.client.open_session(&self.token);
            session.http_session_api.http_post(method, args, None).await
        })
        .await
    }

    /// Calls a read method that Slack only takes as a query or form (`conversations.history`,
    /// `reactions.get`, …), with the same retries as [`SlackWebApi::call`].
    pub async fn get(&self, method: &str, params: &[(&str, &str)]) -> Result<Value, ChatError> {
        let params: Vec<(&str, Option<&str>)> = params.iter().map(|(name, value)| (*name, Some(*value))).collect();
        self.retrying(method, || async {
            let session = self.client.open_session(&self.token);
            session.http_session_api.http_get(method, &params, None).await
        })
        .await
    }

    async fn retrying<F, Fut>(&self, method: &str, attempt_call: F) -> Result<Value, ChatError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Value, SlackClientError>>,
    {
        let mut attempt = 0;
        loop {
            let outcome = classify(attempt_call().await);
            metrics::counter!("firebreak_slack_api_calls_total", "method" => method.to_owned(), "result" => outcome.label()).increment(1);
            match outcome {
                Outcome::Ok(value) => return Ok(value),
                Outcome::Refused(code) => return Err(refusal(code)),
                Outcome::Retry { wait, reason, .. } if attempt < MAX_RETRIES && wait <= MAX_INLINE_WAIT => {
                    attempt += 1;
                    tracing::warn!(slack.method = method, attempt, wait_ms = wait.as_millis() as u64, %reason, "retrying Slack call");
                    tokio::time::sleep(wait).await;
                }
                Outcome::Retry { reason, .. } => return Err(ChatError::Unavailable(reason)),
            }
        }
    }

    /// Posts a JSON body to an interaction's `response_url`. The bot token is not sent: a
    /// response URL authorises itself, and the token must not travel to any other address. One
    /// attempt, no retries: the outbox retries.
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), Failure> {
        let url = url::Url::parse(response_url).map_err(|_| Failure::Refused("invalid_response_url".into()))?;
        let span = tracing::debug_span!("slack.response_url");
        let context = SlackClientApiCallContext { rate_control_params: None, token: None, tracing_span: &span, is_sensitive_url: true };
        let result: Result<Value, SlackClientError> = self.client.http_api.connector.http_post_uri(url, body, context).await;
        let outcome = classify(result);
        metrics::counter!("firebreak_slack_api_calls_total", "method" => "response_url", "result" => outcome.label()).increment(1);
        outcome.into_result().map(drop)
    }
}

/// Why one attempt at a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Final: Slack refused the call (`channel_not_found`, `name_taken`, …).
    Refused(String),
    /// HTTP 429: Slack did not act; try again after `retry_after`.
    RateLimited { retry_after: Duration },
    /// HTTP 5xx or network trouble: Slack may or may not have acted.
    Unavailable(String),
}

impl From<Failure> for ChatError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Refused(code) => refusal(code),
            Failure::RateLimited { .. } => ChatError::Unavailable("rate limited (HTTP 429)".to_owned()),
            Failure::Unavailable(reason) => ChatError::Unavailable(reason),
        }
    }
}

fn refusal(code: String) -> ChatError {
    if code == "name_taken" { ChatError::NameTaken } else { ChatError::Refused(code) }
}

enum Outcome {
    Ok(Value),
    Refused(String),
    Retry { wait: Duration, reason: String, rate_limited: bool },
}

impl Outcome {
    fn into_result(self) -> Result<Value, Failure> {
        match self {
            Self::Ok(value) => Ok(value),
            Self::Refused(code) => Err(Failure::Refused(code)),
            Self::Retry { wait, rate_limited: true, .. } => Err(Failure::RateLimited { retry_after: wait }),
            Self::Retry { reason, .. } => Err(Failure::Unavailable(reason)),
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Self::Ok(_) => "ok",
            Self::Refused(_) => "error",
            Self::Retry { .. } => "retry",
        }
    }
}

/// Sorts a result into success, final refusal, or retryable trouble. Messages never include the
/// token: slack-morphism's errors carry codes and bodies, not request headers.
fn classify(result: Result<Value, SlackClientError>) -> Outcome {
    match result {
        Ok(value) => Outcome::Ok(value),
        Err(SlackClientError::ApiError(error)) => Outcome::Refused(error.code),
        Err(SlackClientError::RateLimitError(error)) => Outcome::Retry {
            wait: error.retry_after.unwrap_or(Duration::from_secs(1)),
            reason: "rate limited (HTTP 429)".to_owned(),
            rate_limited: true,
        },
        Err(SlackClientError::HttpError(error)) if error.status_code.is_server_error() => Outcome::Retry {
            wait: Duration::from_millis(500),
            reason: format!("HTTP {}", error.status_code.as_u16()),
            rate_limited: false,
        },
        Err(SlackClientError::HttpError(error)) => Outcome::Refused(format!("http_{}", error.status_code.as_u16())),
        Err(SlackClientError::HttpProtocolError(_)) | Err(SlackClientError::EndOfStream(_)) | Err(SlackClientError::SystemError(_)) => {
            Outcome::Retry { wait: Duration::from_millis(500), reason: "network error".to_owned(), rate_limited: false }
        }
        Err(other) => Outcome::Refused(format!("unexpected response: {}", short(&other.to_string()))),
    }
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}
