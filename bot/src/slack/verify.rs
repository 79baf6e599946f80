//! Slack request signing: every `/slack/*` request is verified before anything reads it.
//!
//! The body is read once, within a size limit (slack-morphism's own layer reads without one),
//! checked with slack-morphism's verifier (HMAC-SHA256 over `v0:{timestamp}:{body}`, timestamp
//! within 5 minutes), and handed on unchanged. Rejections record nothing.

use axum::body::{to_bytes, Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;

/// Largest Slack request accepted. Interaction payloads carry the whole message they came
/// from (up to 50 blocks), so this is generous; anything bigger is not from Slack.
pub const MAX_SLACK_BODY: usize = 1024 * 1024;

/// Why a request was refused; the response says so without echoing anything secret.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("missing X-Slack-Signature or X-Slack-Request-Timestamp header")]
    MissingHeaders,
    #[error("request signature does not match")]
    BadSignature,
    #[error("request timestamp is more than 5 minutes away from now")]
    StaleTimestamp,
    #[error("request body is larger than {MAX_SLACK_BODY} bytes")]
    TooLarge,
    #[error("request body is not UTF-8")]
    NotUtf8,
}

impl IntoResponse for VerifyError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::MissingHeaders | Self::BadSignature | Self::StaleTimestamp => StatusCode::UNAUTHORIZED,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotUtf8 => StatusCode::BAD_REQUEST,
        };
        tracing::info!(slack.rejected = %self, "refused a Slack request");
        (status, self.to_string()).into_response()
    }
}

/// Checks `signature` and `timestamp` against `body` with `verifier`.
pub fn check(verifier: &SlackEventSignatureVerifier, signature: &str, timestamp: &str, body: &str) -> Result<(), VerifyError> {
    use slack_morphism::signature_verifier::SlackEventSignatureVerifierError as E;
    // slack-morphism computes `(now - timestamp).abs()` unchecked: a correctly signed extreme
    // timestamp overflows (a panic in debug builds, a wrap that can pass in release). Found by
    // fuzz/fuzz_targets/signature.rs; checked here first, without overflow.
    if !fresh(timestamp, jiff::Timestamp::now().as_second()) {
        return Err(VerifyError::StaleTimestamp);
    }
    match verifier.verify(signature, body, timestamp) {
        Ok(()) => Ok(()),
        Err(E::IncorrectOrExpiredTimestampError(_)) => Err(VerifyError::StaleTimestamp),
        Err(E::AbsentSignatureError(_)) => Err(VerifyError::MissingHeaders),
        Err(_) => Err(VerifyError::BadSignature),
    }
}

/// Whether `timestamp` (Unix seconds) is within Slack's 5 minutes of `now`.
fn fresh(timestamp: &str, now: i64) -> bool {
    let age = timestamp.parse::<i64>().ok().and_then(|t| now.checked_sub(t)).and_then(i64::checked_abs);
    age.is_some_and(|age| age <= SlackEventSignatureVerifier::MAX_TIMESTAMP_AGE_SECONDS)
}

/// Reads a Slack request's body within [`MAX_SLACK_BODY`] and checks it against the request's
/// signature headers; the verified bytes. Called by each Slack route's handler (see
/// `http::slack_route`) rather than by a middleware layer, which would cost every request a
/// clone of the boxed route, of the state and a boxed future.
pub async fn signed_body(verifier: &SlackEventSignatureVerifier, headers: &HeaderMap, body: Body) -> Result<Bytes, VerifyError> {
    let bytes = to_bytes(body, MAX_SLACK_BODY).await.map_err(|_| VerifyError::TooLarge)?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) =
        (header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER), header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP))
    else {
        return Err(VerifyError::MissingHeaders);
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| VerifyError::NotUtf8)?;
    check(verifier, signature, timestamp, text)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_morphism::prelude::SlackSigningSecret;

    /// Slack's published example (see tests/fixtures/slack/signing-vector.json).
    #[derive(serde::Deserialize)]
    struct Vector {
        signing_secret: String,
        timestamp: String,
        body: String,
        signature: String,
    }

    fn vector() -> Vector {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/slack/signing-vector.json");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn sign(secret: &str, timestamp: &str, body: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        mac.update(format!("v0:{timestamp}:{body}").as_bytes());
        format!("v0={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn slacks_signing_vector_reproduces() {
        let v = vector();
        assert_eq!(sign(&v.signing_secret, &v.timestamp, &v.body), v.signature);
    }

    #[test]
    fn the_verifier_accepts_the_vector_only_when_fresh() {
        let v = vector();
        let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret::new(v.signing_secret.clone()));
        // The vector is from 2018: correct signature, stale timestamp.
        assert!(matches!(check(&verifier, &v.signature, &v.timestamp, &v.body), Err(VerifyError::StaleTimestamp)));
        let now = jiff::Timestamp::now().as_second().to_string();
        let fresh = sign(&v.signing_secret, &now, &v.body);
        assert!(check(&verifier, &fresh, &now, &v.body).is_ok());
        let tampered = v.body.replace("roadrunner", "coyote");
        assert!(matches!(check(&verifier, &fresh, &now, &tampered), Err(VerifyError::BadSignature)));
        // Correctly signed, but absurd: refused as stale, without overflowing (found by fuzzing).
        let now_s = jiff::Timestamp::now().as_second();
        for extreme in [i64::MIN.to_string(), (now_s - i64::MAX).to_string(), format!("-{}", i64::MAX), i64::MAX.to_string()] {
            let signed = sign(&v.signing_secret, &extreme, &v.body);
            assert!(matches!(check(&verifier, &signed, &extreme, &v.body), Err(VerifyError::StaleTimestamp)), "{extreme}");
        }
        let other_secret = sign("not-the-secret", &now, &v.body);
        assert!(matches!(check(&verifier, &other_secret, &now, &v.body), Err(VerifyError::BadSignature)));
    }
}
