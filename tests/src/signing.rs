//! Signs requests the way Slack does, so tests drive the real signature check.

use hmac::{Hmac, Mac};

/// `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
pub fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|e| panic!("hmac key: {e}"));
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body.as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// Now, as Slack's timestamp header carries it.
pub fn now() -> String {
    jiff::Timestamp::now().as_second().to_string()
}
