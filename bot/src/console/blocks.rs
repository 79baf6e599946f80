//! Block Kit JSON → HTML: the console shows exactly the blocks Firebreak sends to Slack
//! (header, section with fields, context, divider, actions with styled buttons and confirm
//! dialogs). A block Slack knows but the console does not is named, not dropped.

use serde_json::Value;

use super::mrkdwn::{self, escape, Directory};

/// A text object (`mrkdwn` or `plain_text`) as HTML.
fn text(object: &Value, names: &Directory) -> String {
    let content = object["text"].as_str().unwrap_or_default();
    match object["type"].as_str() {
        Some("mrkdwn") => mrkdwn::to_html(content, names),
        _ => mrkdwn::plain(content, object["emoji"].as_bool().unwrap_or(true)),
    }
}

fn button(element: &Value, names: &Directory) -> String {
    let label = text(&element["text"], names);
    let style = match element["style"].as_str() {
        Some("primary") => " bk-primary",
        Some("danger") => " bk-danger",
        _ => "",
    };
    if let Some(url) = element["url"].as_str().filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
        return format!("<a class=\"bk-button{style}\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{label}</a>", escape(url));
    }
    let mut html = format!(
        "<button type=\"button\" class=\"bk-button{style}\" data-action-id=\"{}\" data-value=\"{}\">{label}</button>",
        escape(element["action_id"].as_str().unwrap_or_default()),
        escape(element["value"].as_str().unwrap_or_default()),
    );
    let confirm = &element["confirm"];
    if confirm.is_object() {
        // The dialog's content travels with the button; the page's script shows it on click.
        html.push_str(&format!(
            "<template class=\"bk-confirm\" data-title=\"{}\" data-confirm=\"{}\" data-deny=\"{}\" data-style=\"{}\">{}</template>",
            escape(confirm["title"]["text"].as_str().unwrap_or("Are you sure?")),
            escape(confirm["confirm"]["text"].as_str().unwrap_or("Yes")),
            escape(confirm["deny"]["text"].as_str().unwrap_or("Cancel")),
            escape(confirm["style"].as_str().unwrap_or("primary")),
            text(&confirm["text"], names),
        ));
    }
    html
}

fn element(element: &Value, names: &Directory) -> String {
    match element["type"].as_str() {
        Some("button") => button(element, names),
        Some("mrkdwn" | "plain_text") => format!("<span>{}</span>", text(element, names)),
        Some("image") => format!("<span class=\"bk-image\">[{}]</span>", escape(element["alt_text"].as_str().unwrap_or("image"))),
        other => unsupported("element", other),
    }
}

fn unsupported(what: &str, kind: Option<&str>) -> String {
    format!("<div class=\"bk-unknown\">[{what} `{}` is not shown in the console]</div>", escape(kind.unwrap_or("?")))
}

fn elements(block: &Value, names: &Directory) -> String {
    block["elements"].as_array().map(|all| all.iter().map(|e| element(e, names)).collect()).unwrap_or_default()
}

/// One block as HTML.
pub fn block(block: &Value, names: &Directory) -> String {
    match block["type"].as_str() {
        Some("header") => format!("<div class=\"bk-header\">{}</div>", text(&block["text"], names)),
        Some("section") => {
            let mut html = String::from("<div class=\"bk-section\">");
            if block["text"].is_object() {
                html.push_str(&format!("<div class=\"bk-text\">{}</div>", text(&block["text"], names)));
            }
            if let Some(fields) = block["fields"].as_array() {
                let fields: String = fields.iter().map(|f| format!("<div class=\"bk-field\">{}</div>", text(f, names))).collect();
                html.push_str(&format!("<div class=\"bk-fields\">{fields}</div>"));
            }
            if block["accessory"].is_object() {
                html.push_str(&format!("<div class=\"bk-accessory\">{}</div>", element(&block["accessory"], names)));
            }
            html + "</div>"
        }
        Some("context") => format!("<div class=\"bk-context\">{}</div>", elements(block, names)),
        Some("actions") => format!("<div class=\"bk-actions\">{}</div>", elements(block, names)),
        Some("divider") => "<hr class=\"bk-divider\">".to_owned(),
        other => unsupported("block", other),
    }
}

/// A message's blocks as HTML; `None` when it has none (the page shows its text instead).
pub fn blocks(blocks: &Value, names: &Directory) -> Option<String> {
    let all = blocks.as_array().filter(|all| !all.is_empty())?;
    Some(all.iter().map(|b| block(b, names)).collect())
}

#[cfg(test)]
mod tests;
