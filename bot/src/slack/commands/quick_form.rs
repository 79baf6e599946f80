//! A scan of the slash-command form for the ack path's one question — "is this `help`, from a
//! well-formed form?" — that decodes only `user_id` and `text` (most fields of Slack's form are
//! never read). Percent-decoding every pair was most of what Firebreak spent on `help` beyond
//! the signature check.
//!
//! It answers only for forms that the full decoder would accept with the same values: every
//! field Firebreak reads at most once, the required ones present. Anything else is left to the
//! full decoder, whose errors are the ones people see.

use std::borrow::Cow;

/// The fields `SlashForm` reads; `REQUIRED` of them must be present.
const FIELDS: [&str; 6] = ["team_id", "channel_id", "user_id", "text", "response_url", "trigger_id"];
const REQUIRED: usize = 3;
const USER_ID: usize = 2;
const TEXT: usize = 3;

/// `user_id` and `text` (empty when absent, as `SlashForm` defaults it), decoded as
/// `application/x-www-form-urlencoded`; `None` when the full decoder must judge the form.
pub(super) fn user_and_text(body: &[u8]) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
    let mut seen = [0u8; FIELDS.len()];
    let mut values: [&[u8]; FIELDS.len()] = [b""; FIELDS.len()];
    for pair in body.split(|b| *b == b'&').filter(|pair| !pair.is_empty()) {
        let (key, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        // Most keys need no decoding: compared as they are, without a UTF-8 check.
        let field = if needs_decoding(key) {
            let key = decode(key);
            FIELDS.iter().position(|field| *field == key)
        } else {
            FIELDS.iter().position(|field| field.as_bytes() == key)
        };
        if let Some(i) = field {
            seen[i] = seen[i].saturating_add(1);
            values[i] = value;
        }
    }
    let well_formed = seen.iter().all(|n| *n <= 1) && seen[..REQUIRED].iter().all(|n| *n == 1);
    well_formed.then(|| (decode(values[USER_ID]), decode(values[TEXT])))
}

/// Form decoding: `+` is a space, `%XX` a byte (a malformed escape stays as it is), and the
/// bytes are read as UTF-8, invalid sequences replaced — as the `form_urlencoded` crate does.
fn decode(raw: &[u8]) -> Cow<'_, str> {
    if !needs_decoding(raw) {
        return String::from_utf8_lossy(raw);
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let byte = match raw[i] {
            b'+' => b' ',
            b'%' => match (raw.get(i + 1).and_then(|h| hex(*h)), raw.get(i + 2).and_then(|l| hex(*l))) {
                (Some(high), Some(low)) => {
                    i += 2;
                    high << 4 | low
                }
                _ => b'%',
            },
            other => other,
        };
        bytes.push(byte);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
}

fn needs_decoding(raw: &[u8]) -> bool {
    raw.iter().any(|b| matches!(b, b'+' | b'%'))
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the full decoder (serde_urlencoded over form_urlencoded) makes of `body`.
    fn reference(body: &[u8]) -> Option<(String, String)> {
        #[derive(serde::Deserialize)]
        struct Form {
            #[allow(dead_code)]
            team_id: String,
            #[allow(dead_code)]
            channel_id: String,
            user_id: String,
            #[serde(default)]
            text: String,
            #[allow(dead_code)]
            response_url: Option<String>,
            #[allow(dead_code)]
            trigger_id: Option<String>,
        }
        serde_urlencoded::from_bytes::<Form>(body).ok().map(|f| (f.user_id, f.text))
    }

    fn quick(body: &[u8]) -> Option<(String, String)> {
        user_and_text(body).map(|(user, text)| (user.into_owned(), text.into_owned()))
    }

    #[test]
    fn agrees_with_the_full_decoder() {
        let bodies: &[&[u8]] = &[
            b"token=x&team_id=T1&channel_id=C1&user_id=U1&command=%2Fincident&text=help&response_url=http%3A%2F%2Fx&trigger_id=1.2",
            b"team_id=T1&channel_id=C1&user_id=U1",
            b"team_id=T1&channel_id=C1&user_id=U1&text=",
            b"team_id=T1&channel_id=C1&user_id=U1&text",
            b"team_id=T1&channel_id=C1&user_id=U1&text=+HeLp+",
            b"team_id=T1&channel_id=C1&user_id=U1&text=%68elp%",
            b"team_id=T1&channel_id=C1&user_id=U1&text=%6",
            b"team_id=T1&channel_id=C1&user_id=U1&text=%zzhelp",
            b"team_id=T1&channel_id=C1&user_id=U1&text=%E2%9C%93+%FF",
            b"team%5Fid=T1&channel_id=C1&user+id=U1&user_id=U2&&&text=help",
            b"team_id=T1&channel_id=C1&user_id=U%31&text=a%3Db&x==y",
            // Not for the quick path: missing or repeated fields.
            b"team_id=T1&channel_id=C1&text=help",
            b"channel_id=C1&user_id=U1&text=help",
            b"team_id=T1&channel_id=C1&user_id=U1&text=help&text=list",
            b"team_id=T1&team_id=T2&channel_id=C1&user_id=U1&text=help",
            b"team_id=T1&channel_id=C1&user_id=U1&trigger_id=1&trigger%5Fid=2",
            b"text=start+sev1+x",
            b"",
        ];
        for body in bodies {
            assert_eq!(quick(body), reference(body), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn leaves_unread_fields_undecoded() {
        // Only user_id and text come back; the rest of the form is never decoded.
        let (user, text) = user_and_text(b"team_id=T1&channel_id=C1&user_id=U0ALICE&text=help&response_url=http%3A%2F%2Fx")
            .unwrap_or_else(|| panic!("a well-formed form"));
        assert!(matches!((&user, &text), (Cow::Borrowed("U0ALICE"), Cow::Borrowed("help"))));
    }
}
