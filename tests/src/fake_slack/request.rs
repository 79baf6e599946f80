//! Turns an HTTP request into a token and arguments, the way Slack reads them.

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

/// A call's arguments: JSON values as sent, or strings for form fields and query parameters.
#[derive(Clone, Debug, Default)]
pub(super) struct Args(Map<String, Value>);

impl Args {
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub(super) fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|value| !value.is_null())
    }

    /// Argument `name` as text; numbers and booleans as JSON spells them, since a form sends
    /// the same values as strings.
    pub(super) fn text(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        }
    }

    /// Argument `name` as non-empty text: Slack treats an empty value like a missing one.
    pub(super) fn non_empty(&self, name: &str) -> Option<String> {
        self.text(name).filter(|text| !text.is_empty())
    }

    pub(super) fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    fn insert_pairs(&mut self, pairs: Vec<(String, String)>) {
        for (name, value) in pairs {
            self.0.insert(name, Value::String(value));
        }
    }
}

/// What the fake read from one request.
#[derive(Debug, Default)]
pub(super) struct Request {
    /// From `Authorization: Bearer …`, else from a `token` form field or query parameter.
    pub(super) token: Option<String>,
    /// A `token` field in a JSON body, which Slack ignores (worth saying when auth fails).
    pub(super) token_in_json: bool,
    pub(super) args: Args,
    /// Encoding mistakes (wrong content type, undecodable body), each a contract violation.
    pub(super) problems: Vec<String>,
}

pub(super) fn decode(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Request {
    let mut request = Request::default();
    if let Some(query) = query {
        match serde_urlencoded::from_str::<Vec<(String, String)>>(query) {
            Ok(pairs) => request.args.insert_pairs(pairs),
            Err(err) => request
                .problems
                .push(format!("undecodable query string: {err}")),
        }
    }
    if !body.is_empty() {
        decode_body(&mut request, content_type(headers).as_deref(), body);
    }
    // A token among the arguments is what Slack reads for form and query calls.
    let arg_token = request
        .args
        .0
        .remove("token")
        .and_then(|value| match value {
            Value::String(token) => Some(token),
            _ => None,
        });
    request.token = bearer(headers).or(arg_token);
    request
}

fn decode_body(request: &mut Request, content_type: Option<&str>, body: &[u8]) {
    match content_type {
        Some("application/json") => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(mut fields)) => {
                // Slack never reads a token from a JSON body, only from the header.
                request.token_in_json = fields.remove("token").is_some();
                request.args.0.extend(fields);
            }
            Ok(_) => request
                .problems
                .push("JSON body is not an object".to_owned()),
            Err(err) => request
                .problems
                .push(format!("undecodable JSON body: {err}")),
        },
        Some("application/x-www-form-urlencoded") => {
            match serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
                Ok(pairs) => request.args.insert_pairs(pairs),
                Err(err) => request
                    .problems
                    .push(format!("undecodable form body: {err}")),
            }
        }
        other => request.problems.push(format!(
            "body with content type {other:?}; Slack reads application/json or \
             application/x-www-form-urlencoded"
        )),
    }
}

/// The media type without parameters such as `charset`, lowercased.
pub(super) fn content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or_default();
    Some(essence.trim().to_ascii_lowercase())
}

/// The token of an `Authorization` header; a header that is not `Bearer …` counts as a wrong
/// token, as it would at Slack.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?;
    let value = String::from_utf8_lossy(value.as_bytes());
    Some(match value.strip_prefix("Bearer ") {
        Some(token) => token.trim().to_owned(),
        None => value.into_owned(),
    })
}
