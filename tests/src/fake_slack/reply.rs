//! The fake's answers, always JSON because slack-morphism decodes only JSON bodies.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An HTTP answer: status, JSON body and, for 429s, the `Retry-After` seconds.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) body: Value,
    pub(super) retry_after: Option<u64>,
}

impl Reply {
    /// `{"ok":true}` plus the method's fields (`fields` is an object or `Null`).
    pub(super) fn ok(fields: Value) -> Reply {
        let mut body = Map::new();
        body.insert("ok".to_owned(), Value::Bool(true));
        if let Value::Object(fields) = fields {
            body.extend(fields);
        }
        Reply {
            status: 200,
            body: Value::Object(body),
            retry_after: None,
        }
    }

    /// `{"ok":false,"error":error}` with HTTP `status`.
    pub(super) fn error(status: u16, error: &str) -> Reply {
        Reply {
            status,
            body: json!({"ok": false, "error": error}),
            retry_after: None,
        }
    }

    /// Slack's rate-limit answer: HTTP 429, `Retry-After`, and `ratelimited` in the body.
    pub(super) fn rate_limited(retry_after_secs: u64) -> Reply {
        Reply {
            retry_after: Some(retry_after_secs),
            ..Reply::error(429, "ratelimited")
        }
    }

    /// A server failure such as 500 or 503, its reason phrase as the error.
    pub(super) fn http_error(status: u16) -> Reply {
        let reason = StatusCode::from_u16(status)
            .ok()
            .and_then(|code| code.canonical_reason())
            .unwrap_or("http_error")
            .to_lowercase()
            .replace(' ', "_");
        Reply::error(status, &reason)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            self.body.to_string(),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
