//! Bearer tokens on the non-Slack endpoints, compared in constant time.

use axum::http::HeaderMap;

use crate::config::Secret;

/// Whether `headers` carry `Authorization: Bearer <expected>`.
pub fn matches(expected: &Secret, headers: &HeaderMap) -> bool {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let expected = expected.expose();
    given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}
