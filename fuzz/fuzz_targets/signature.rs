//! Slack request signing: with a fixed secret, a correctly signed fresh request is accepted,
//! and nothing else is — not a mutated signature, body or timestamp, not another secret's
//! signature, not a stale or future timestamp, not arbitrary headers.
#![no_main]

use std::time::{SystemTime, UNIX_EPOCH};

use firebreak::fuzzing::verify_signature;
use hmac::{Hmac, Mac};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
/// Slack's window; cases within a few seconds of its edge are not judged (the clock moves).
const WINDOW: i64 = 300;

#[derive(Debug, Arbitrary)]
enum Timestamp {
    /// Now plus this many seconds.
    Offset(i32),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Signature {
    Correct,
    /// The correct one with the byte at `at` (mod length) replaced by `byte`.
    Mutated { at: usize, byte: u8 },
    /// Signed with another secret.
    OtherSecret(String),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    body: String,
    timestamp: Timestamp,
    signature: Signature,
    /// The body as received differs from the signed one (its byte at `at` replaced).
    tamper: Option<(usize, u8)>,
}

fn sign(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

fn replace_byte(text: &str, at: usize, byte: u8) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if bytes.is_empty() {
        return text.to_owned();
    }
    let at = at % bytes.len();
    bytes[at] = byte;
    String::from_utf8_lossy(&bytes).into_owned()
}

fuzz_target!(|input: Input| {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let timestamp = match &input.timestamp {
        Timestamp::Offset(offset) => (now + i64::from(*offset)).to_string(),
        Timestamp::Raw(raw) => raw.clone(),
    };
    let expected = sign(SECRET, &timestamp, &input.body);
    let signature = match &input.signature {
        Signature::Correct => expected.clone(),
        Signature::Mutated { at, byte } => replace_byte(&expected, *at, *byte),
        Signature::OtherSecret(secret) if secret.is_empty() || secret == SECRET => return,
        Signature::OtherSecret(secret) => sign(secret, &timestamp, &input.body),
        Signature::Raw(raw) => raw.clone(),
    };
    let body = match input.tamper {
        Some((at, byte)) => replace_byte(&input.body, at, byte),
        None => input.body.clone(),
    };
    let age = timestamp.trim().parse::<i64>().ok().and_then(|t| now.checked_sub(t)).and_then(i64::checked_abs);
    let accepted = verify_signature(SECRET, &signature, &timestamp, &body).is_ok();
    if accepted {
        assert_eq!(signature, sign(SECRET, &timestamp, &body), "accepted a wrong signature");
        assert!(age.is_some_and(|age| age <= WINDOW + 5), "accepted a stale timestamp {timestamp:?}");
    } else if signature == expected && body == input.body && age.is_some_and(|age| age < WINDOW - 5) {
        panic!("refused a correctly signed fresh request (timestamp {timestamp:?})");
    }
});
