//! Slack `mrkdwn` → HTML for the console: `<@user>`, `<#channel>`, `<url|label>`, *bold*,
//! _italic_, ~strike~, `code`, ```blocks```, `> quotes` and `:emoji:`. Everything else is
//! escaped, so no text that came from a person can become markup.

use std::collections::HashMap;

/// Names to show for user and channel ids.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    pub users: HashMap<String, String>,
    pub channels: HashMap<String, String>,
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Slack escapes `&`, `<` and `>` in message text; these are shown as the characters.
fn unescape_slack(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The emoji Firebreak uses (and a few common ones); others stay as `:name:`.
pub fn emoji(name: &str) -> Option<&'static str> {
    Some(match name {
        "white_check_mark" => "✅",
        "heavy_check_mark" => "✔️",
        "warning" => "⚠️",
        "x" => "❌",
        "grey_question" => "❔",
        "question" => "❓",
        "rotating_light" => "🚨",
        "hourglass" => "⌛",
        "hourglass_flowing_sand" => "⏳",
        "gear" => "⚙️",
        "no_entry" => "⛔",
        "mag" => "🔍",
        "dart" => "🎯",
        "adhesive_bandage" => "🩹",
        "eyes" => "👀",
        "memo" => "📝",
        "pushpin" => "📌",
        "round_pushpin" => "📍",
        "stethoscope" => "🩺",
        "tada" => "🎉",
        "raised_hand" => "✋",
        "delivery" | "package" => "📦",
        "fire" => "🔥",
        "bell" => "🔔",
        "red_circle" => "🔴",
        "large_orange_circle" => "🟠",
        "large_yellow_circle" => "🟡",
        "large_blue_circle" => "🔵",
        "white_circle" => "⚪",
        "arrow_up" => "⬆️",
        "arrow_down" => "⬇️",
        "page_facing_up" => "📄",
        "clipboard" => "📋",
        "wrench" => "🔧",
        "hammer_and_wrench" => "🛠️",
        "rocket" => "🚀",
        "sos" => "🆘",
        _ => return None,
    })
}

/// Replaces `:name:` with its emoji where known.
pub fn emojify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let name_len = after.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "_+-".contains(c))).unwrap_or(after.len());
        match (after[name_len..].starts_with(':'), emoji(&after[..name_len])) {
            (true, Some(glyph)) if name_len > 0 => {
                out.push_str(glyph);
                rest = &after[name_len + 1..];
            }
            _ => {
                out.push(':');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Plain text (Block Kit `plain_text`) as HTML.
pub fn plain(text: &str, with_emoji: bool) -> String {
    let escaped = escape(text);
    if with_emoji { emojify(&escaped) } else { escaped }
}

// Private-use characters mark where a protected piece (link, code) is put back.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Slack `mrkdwn` as HTML.
pub fn to_html(text: &str, names: &Directory) -> String {
    let mut pieces: Vec<String> = Vec::new();
    let hold = |html: String, pieces: &mut Vec<String>| {
        pieces.push(html);
        format!("{OPEN}{}{CLOSE}", pieces.len() - 1)
    };
    // 1. Control sequences `<…>` become finished HTML; the text between them is escaped.
    let mut escaped = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        escaped.push_str(&escape(&unescape_slack(&rest[..start])));
        match rest[start..].find('>') {
            Some(end) => {
                let marker = hold(control(&rest[start + 1..start + end], names), &mut pieces);
                escaped.push_str(&marker);
                rest = &rest[start + end + 1..];
            }
            None => {
                escaped.push_str("&lt;");
                rest = &rest[start + 1..];
            }
        }
    }
    escaped.push_str(&escape(&unescape_slack(rest)));
    // 2. Code is shown verbatim: blocks, then inline spans.
    let mut formatted = String::new();
    let blocks: Vec<&str> = escaped.split("```").collect();
    for (i, part) in blocks.iter().enumerate() {
        if i % 2 == 1 && i + 1 < blocks.len() {
            formatted.push_str(&hold(format!("<pre>{}</pre>", part.trim_matches('\n')), &mut pieces));
            continue;
        }
        if i % 2 == 1 {
            formatted.push_str("```");
        }
        let spans: Vec<&str> = part.split('`').collect();
        for (j, span) in spans.iter().enumerate() {
            if j % 2 == 1 && j + 1 < spans.len() {
                formatted.push_str(&hold(format!("<code>{span}</code>"), &mut pieces));
            } else {
                if j % 2 == 1 {
                    formatted.push('`');
                }
                formatted.push_str(span);
            }
        }
    }
    // 3. Inline styles, quotes, emoji and line breaks on what is left.
    let styled = [('*', "b"), ('_', "i"), ('~', "s")].iter().fold(formatted, |text, (marker, tag)| wrap(&text, *marker, tag));
    let lines: Vec<String> = styled
        .split('\n')
        .map(|line| match line.strip_prefix("&gt; ") {
            Some(quoted) => format!("<blockquote>{}</blockquote>", emojify(quoted)),
            None => emojify(line),
        })
        .collect();
    restore(&lines.join("<br>"), &pieces)
}

fn restore(text: &str, pieces: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len_utf8()..];
        let end = after.find(CLOSE).unwrap_or(after.len());
        let piece = after[..end].parse::<usize>().ok().and_then(|i| pieces.get(i));
        // A protected piece may itself hold markers (a link inside code): restore those too.
        out.push_str(&piece.map(|p| restore(p, pieces)).unwrap_or_default());
        rest = after.get(end + CLOSE.len_utf8()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Wraps `marker`-delimited runs in `<tag>`: the opening marker starts a word, the closing one
/// ends one, and a run never crosses a line.
fn wrap(text: &str, marker: char, tag: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let boundary = |c: Option<&char>| c.is_none_or(|c| !c.is_alphanumeric());
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let opens = chars[i] == marker && boundary(i.checked_sub(1).and_then(|p| chars.get(p))) && chars.get(i + 1).is_some_and(|c| !c.is_whitespace() && *c != marker);
        let close = opens
            .then(|| (i + 2..chars.len()).take_while(|&j| chars[j] != '\n').find(|&j| chars[j] == marker && !chars[j - 1].is_whitespace() && boundary(chars.get(j + 1))))
            .flatten();
        match close {
            Some(j) => {
                let inner: String = chars[i + 1..j].iter().collect();
                out.push_str(&format!("<{tag}>{inner}</{tag}>"));
                i = j + 1;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// One `<…>` control sequence: a mention, a channel, a special mention or a link.
fn control(inner: &str, names: &Directory) -> String {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(unescape_slack(label))),
        None => (inner, None),
    };
    if let Some(user) = target.strip_prefix('@') {
        let name = label.or_else(|| names.users.get(user).cloned()).unwrap_or_else(|| user.to_owned());
        return format!("<span class=\"mention\" title=\"{}\">@{}</span>", escape(user), escape(&name));
    }
    if let Some(channel) = target.strip_prefix('#') {
        let name = label.or_else(|| names.channels.get(channel).cloned()).unwrap_or_else(|| channel.to_owned());
        return format!("<a class=\"channel\" data-channel=\"{0}\" href=\"/console?channel={0}\">#{1}</a>", escape(channel), escape(&name));
    }
    if target.starts_with("!date^") {
        // `<!date^…|fallback>`: Slack formats the time for the reader; the console shows the fallback.
        return format!("<time>{}</time>", escape(label.as_deref().unwrap_or_default()));
    }
    if let Some(special) = target.strip_prefix('!') {
        let name = label.unwrap_or_else(|| special.split('^').next().unwrap_or(special).to_owned());
        return format!("<span class=\"mention\">@{}</span>", escape(name.trim_start_matches('@')));
    }
    let url = unescape_slack(target);
    let shown = escape(label.as_deref().unwrap_or(&url));
    if ["http://", "https://", "mailto:"].iter().any(|scheme| url.starts_with(scheme)) {
        format!("<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{shown}</a>", escape(&url))
    } else {
        // Not a link Slack would open (`javascript:` and friends): shown as text.
        shown
    }
}

#[cfg(test)]
mod tests;
