//! Removes secrets from text before it is posted: tokens, passwords in URLs, `Authorization`
//! headers, `password=` pairs, and long key-like strings.

/// Marker shown where a secret was.
pub const REDACTED: &str = "[redacted]";

/// Returns `text` with anything that looks like a secret replaced by `[redacted]`.
pub fn redact(text: &str) -> String {
    let text = redact_url_passwords(text);
    let words: Vec<String> = split_keep(&text).into_iter().map(redact_word).collect();
    let joined = words.concat();
    redact_after_keywords(&joined)
}

/// Splits on whitespace, keeping the whitespace as its own pieces so the text can be rebuilt.
fn split_keep(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if in_space.is_some_and(|s| s != space) {
            pieces.push(&text[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// Known token shapes (Slack, GitHub, AWS, JWT) and long high-entropy strings.
fn redact_word(word: &str) -> String {
    let core = word.trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | ';' | ')' | '(' | '[' | ']' | '{' | '}' | '<' | '>'));
    if core.is_empty() {
        return word.to_owned();
    }
    let token_prefixes = ["xoxb-", "xoxp-", "xoxa-", "xoxs-", "xapp-", "ghp_", "gho_", "github_pat_", "glpat-", "sk-", "AKIA", "eyJ"];
    let looks_like_token = token_prefixes.iter().any(|p| core.starts_with(p)) && core.len() >= 12;
    if looks_like_token || looks_like_key(core) {
        return word.replace(core, REDACTED);
    }
    word.to_owned()
}

/// 32+ characters of mixed letters and digits with no spaces: API keys, hex secrets, base64.
fn looks_like_key(word: &str) -> bool {
    if word.len() < 32 || word.contains('/') && word.contains('.') {
        return false;
    }
    let allowed = word.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '=' | '/'));
    let digits = word.chars().filter(char::is_ascii_digit).count();
    let letters = word.chars().filter(char::is_ascii_alphabetic).count();
    allowed && digits >= 4 && letters >= 4
}

/// `scheme://user:password@host` → `scheme://user:[redacted]@host`.
fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let (head, tail) = rest.split_at(scheme_end + 3);
        out.push_str(head);
        let authority_end = tail.find(|c: char| c == '/' || c.is_whitespace()).unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..=colon]);
                out.push_str(REDACTED);
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// `password=…`, `token: …`, `Authorization: Bearer …` and similar: the value goes.
fn redact_after_keywords(text: &str) -> String {
    const KEYS: [&str; 9] = ["password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "authorization", "private_key"];
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let lower = line.to_ascii_lowercase();
        let hit = KEYS.iter().filter_map(|key| lower.find(key).map(|at| (at, key.len()))).min();
        let Some((at, len)) = hit else {
            out.push_str(line);
            continue;
        };
        let after = &line[at + len..];
        let separator_len = after.len() - after.trim_start_matches(['"', '\'', ' ', ':', '=', '\t']).len();
        if separator_len == 0 || !after[..separator_len].contains([':', '=']) {
            out.push_str(line);
            continue;
        }
        let value_start = at + len + separator_len;
        let value = &line[value_start..];
        let value_end = value.find(['"', '\'', ',', ';', '&', '\n']).unwrap_or(value.len());
        out.push_str(&line[..value_start]);
        out.push_str(REDACTED);
        out.push_str(&value[value_end..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_removed_and_the_rest_kept() {
        let cases = [
            ("connect postgres://nerf:hunter2@db:5432/nerf failed", "connect postgres://nerf:[redacted]@db:5432/nerf failed"),
            ("Authorization: Bearer abc.def.ghi", "Authorization: [redacted]"),
            ("env DB_PASSWORD=s3cret; next", "env DB_PASSWORD=[redacted]; next"),
            ("token xoxb-1234-5678-abcdefghijkl leaked", "token [redacted] leaked"),
            ("key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 here", "key [redacted] here"),
            ("GET /health 200 in 3 ms", "GET /health 200 in 3 ms"),
            ("pod nerf-web-7d9f8b6c5-x2x9z OOMKilled", "pod nerf-web-7d9f8b6c5-x2x9z OOMKilled"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }
}
