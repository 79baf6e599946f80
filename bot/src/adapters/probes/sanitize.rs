//! Error text made safe to post: error chains flattened, known secrets and URL credentials removed.

use firebreak_commands::diagnostics::redact::{REDACTED, redact};

pub(super) use crate::adapters::error_chain::chain;

/// `text` with the secrets of `url` (the URL itself and its password) removed, then redacted.
pub(super) fn scrub(text: &str, url: &str) -> String {
    let mut text = text.replace(url, "[url]");
    if let Some(password) = url::Url::parse(url).ok().and_then(|u| u.password().map(str::to_owned)) {
        // Messages may quote the password as written in the URL or percent-decoded.
        for form in [percent_decoded(&password), password] {
            if !form.is_empty() {
                text = text.replace(&form, REDACTED);
            }
        }
    }
    redact(&text)
}

/// `s3cr%40t` → `s3cr@t`; malformed escapes are kept as written.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_urls_are_scrubbed() {
        let url = "postgres://app:s3cr%40t@db:5432/app";
        let text = scrub(&format!("cannot connect to {url}: password s3cr@t rejected, s3cr%40t"), url);
        assert!(!text.contains("s3cr"), "{text}");
        assert!(text.contains("[url]"));
    }
}
