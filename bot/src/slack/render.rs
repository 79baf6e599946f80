//! Renders platform-neutral replies into Slack Block Kit JSON.

use firebreak_commands::reply::{Block, Button, ButtonStyle, Reply, Visibility};
use serde_json::{json, Map, Value};

/// Slack's limits, enforced here so a long title or note can never make a call fail.
const MAX_SECTION_TEXT: usize = 3000;
const MAX_FIELD_TEXT: usize = 2000;
const MAX_HEADER_TEXT: usize = 150;
const MAX_BUTTON_TEXT: usize = 75;
const MAX_CONTEXT_TEXT: usize = 3000;
const MAX_BLOCKS: usize = 50;
const MAX_MESSAGE_TEXT: usize = 3000;

fn cut(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars - 1).collect();
    cut.push('…');
    cut
}

fn mrkdwn(text: &str, max: usize) -> Value {
    json!({ "type": "mrkdwn", "text": cut(text, max) })
}

fn plain(text: &str, max: usize) -> Value {
    json!({ "type": "plain_text", "text": cut(text, max), "emoji": true })
}

fn button(button: &Button) -> Value {
    let mut element = json!({
        "type": "button",
        "action_id": button.action,
        "text": plain(&button.label, MAX_BUTTON_TEXT),
        "value": button.value,
    });
    let style = match button.style {
        ButtonStyle::Primary => Some("primary"),
        ButtonStyle::Danger => Some("danger"),
        ButtonStyle::Default => None,
    };
    if let Some(style) = style {
        element["style"] = json!(style);
    }
    if let Some(confirm) = &button.confirm {
        element["confirm"] = json!({
            "title": plain(&confirm.title, 100),
            "text": mrkdwn(&confirm.text, 300),
            "confirm": plain(&confirm.confirm, 30),
            "deny": plain(&confirm.deny, 30),
            "style": "danger",
        });
    }
    element
}

/// One block as Block Kit.
pub fn block(block: &Block) -> Value {
    match block {
        Block::Header(text) => json!({ "type": "header", "text": plain(text, MAX_HEADER_TEXT) }),
        Block::Section { text, fields } => {
            let mut section = Map::new();
            section.insert("type".into(), json!("section"));
            if let Some(text) = text {
                section.insert("text".into(), mrkdwn(text, MAX_SECTION_TEXT));
            }
            if !fields.is_empty() {
                let fields: Vec<Value> = fields.iter().take(10).map(|f| mrkdwn(f, MAX_FIELD_TEXT)).collect();
                section.insert("fields".into(), Value::Array(fields));
            }
            Value::Object(section)
        }
        Block::Context(lines) => {
            let elements: Vec<Value> = lines.iter().take(10).map(|l| mrkdwn(l, MAX_CONTEXT_TEXT)).collect();
            json!({ "type": "context", "elements": elements })
        }
        Block::Actions(buttons) => {
            let elements: Vec<Value> = buttons.iter().take(25).map(button).collect();
            json!({ "type": "actions", "elements": elements })
        }
        Block::Divider => json!({ "type": "divider" }),
    }
}

/// The blocks of a reply, at most Slack's 50.
pub fn blocks(reply: &Reply) -> Value {
    Value::Array(reply.blocks.iter().take(MAX_BLOCKS).map(block).collect())
}

/// The notification fallback text.
pub fn text(reply: &Reply) -> String {
    cut(&reply.text, MAX_MESSAGE_TEXT)
}

/// The body of a slash-command answer or a `response_url` post.
pub fn response_body(reply: &Reply) -> Value {
    let response_type = match reply.visibility {
        Visibility::Ephemeral => "ephemeral",
        Visibility::InChannel => "in_channel",
    };
    let mut body = json!({ "response_type": response_type, "text": text(reply), "blocks": blocks(reply) });
    if reply.replace_original {
        body["replace_original"] = json!(true);
    } else {
        body["replace_original"] = json!(false);
    }
    body
}

#[cfg(test)]
mod tests;
