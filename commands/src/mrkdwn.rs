//! Escaping text for Slack `mrkdwn`: what people or other systems wrote can never become a
//! mention (`<!channel>`, `<@U…>`, `<!subteam^…>`) or a disguised link (`<http://x|label>`).
//!
//! Slack's rule (<https://api.slack.com/reference/surfaces/formatting#escaping>): `&`, `<` and
//! `>` are control characters everywhere in message text, code spans and code blocks
//! included, and must be sent as `&amp;`, `&lt;` and `&gt;` unless meant as a control
//! sequence. Escape at the place text is put into a message, never in storage: the timeline
//! and the postmortem keep what was written.

use std::borrow::Cow;

/// `text` with `&`, `<` and `>` replaced by Slack's entities; borrowed when nothing changes.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`escape`]d `text` of at most `max_chars` characters, ending in `…` when cut. Cuts fall
/// between characters of the original, so an entity (`&amp;`) is never split in half.
pub fn escape_cut(text: &str, max_chars: usize) -> String {
    let escaped = escape(text);
    if escaped.chars().count() <= max_chars {
        return escaped.into_owned();
    }
    let budget = max_chars.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let width = match c {
            '&' => 5,
            '<' | '>' => 4,
            _ => 1,
        };
        if used + width > budget {
            break;
        }
        used += width;
        push_escaped(&mut out, c);
    }
    out.push('…');
    out
}

/// Text as Slack sends it (slash-command text, message text) back to what was typed: Slack
/// escapes `&`, `<` and `>` itself, so stored text is raw and escaped exactly once on the way
/// out. `&amp;` goes last, so `&amp;lt;` (a typed `&lt;`) stays `&lt;`.
pub fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
}

/// Message text read back from Slack (already escaped by Slack), made safe to quote: its
/// control sequences (`<!channel>`, `<@U…>`, `<url|label>`) show as text instead of pinging or
/// linking again; its entities are left alone, so they are not escaped twice.
pub fn defang(slack_text: &str) -> Cow<'_, str> {
    if !slack_text.contains(['<', '>']) {
        return Cow::Borrowed(slack_text);
    }
    Cow::Owned(slack_text.replace('<', "&lt;").replace('>', "&gt;"))
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_entities() {
        assert_eq!(escape("<!channel> & <@U1|boss> <http://evil|docs>"), "&lt;!channel&gt; &amp; &lt;@U1|boss&gt; &lt;http://evil|docs&gt;");
    }

    #[test]
    fn an_entity_already_written_is_escaped_again_so_it_shows_as_typed() {
        assert_eq!(escape("&lt;b&gt;"), "&amp;lt;b&amp;gt;");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(escape("db is down :fire: *now*"), Cow::Borrowed("db is down :fire: *now*")));
    }

    #[test]
    fn slack_escaped_input_is_read_back_as_typed() {
        assert_eq!(unescape("a &amp; b &lt;!channel&gt; &amp;lt;"), "a & b <!channel> &lt;");
        assert_eq!(escape(&unescape("x &amp;lt; y")), "x &amp;lt; y");
        assert!(matches!(unescape("plain <@U1>"), Cow::Borrowed("plain <@U1>")));
    }

    #[test]
    fn quoted_slack_text_loses_its_mentions_but_keeps_its_entities() {
        assert_eq!(defang("a &amp; b <!channel> <@U1> <http://evil|docs>"), "a &amp; b &lt;!channel&gt; &lt;@U1&gt; &lt;http://evil|docs&gt;");
    }

    #[test]
    fn cutting_never_splits_an_entity() {
        let cut = escape_cut("a&b<c>d", 7);
        assert_eq!(cut, "a&amp;…");
        assert!(cut.chars().count() <= 7);
        assert_eq!(escape_cut("a<b", 10), "a&lt;b");
        assert_eq!(escape_cut("abcdef", 4), "abc…");
    }
}
