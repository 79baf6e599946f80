//! Block Kit checks against Slack's documented limits, which Slack enforces with
//! `invalid_blocks`: a bot that breaks them works in tests and fails in production.

use std::collections::HashSet;

use serde_json::Value;

use super::methods::Rejection;

const MAX_BLOCKS: usize = 50;
const MAX_ID: usize = 255;
const MAX_SECTION_TEXT: usize = 3000;
const MAX_SECTION_FIELDS: usize = 10;
const MAX_FIELD_TEXT: usize = 2000;
const MAX_HEADER_TEXT: usize = 150;
const MAX_ACTIONS_ELEMENTS: usize = 25;
const MAX_CONTEXT_ELEMENTS: usize = 10;
const MAX_BUTTON_TEXT: usize = 75;
const MAX_BUTTON_VALUE: usize = 2000;
const MAX_URL: usize = 3000;
const MAX_PLACEHOLDER: usize = 150;
const MAX_OPTIONS: usize = 100;
const MAX_LABEL: usize = 2000;

/// Block types Slack knows and the fake does not look into further.
const OTHER_BLOCK_TYPES: &[&str] = &[
    "divider",
    "image",
    "file",
    "rich_text",
    "video",
    "markdown",
    "table",
    "call",
];

/// Reads `blocks` as sent (a JSON array, or a JSON-encoded string from a form) and checks it;
/// `Null` when there are none.
pub(super) fn parse(value: Option<&Value>) -> Result<Value, Rejection> {
    let blocks = match value {
        None => return Ok(Value::Null),
        Some(Value::String(text)) => serde_json::from_str(text).map_err(|err| {
            Rejection::contract(
                "invalid_blocks_format",
                format!("`blocks` is not JSON: {err}"),
            )
        })?,
        Some(other) => other.clone(),
    };
    let Value::Array(list) = &blocks else {
        return Err(Rejection::contract(
            "invalid_blocks_format",
            "`blocks` is not an array",
        ));
    };
    check(list).map_err(|why| Rejection::contract("invalid_blocks", why))?;
    Ok(blocks)
}

/// The first breach of Slack's limits in `blocks`, described for the violation list.
pub(super) fn check(blocks: &[Value]) -> Result<(), String> {
    if blocks.len() > MAX_BLOCKS {
        return Err(format!(
            "{} blocks, Slack allows {MAX_BLOCKS}",
            blocks.len()
        ));
    }
    let mut block_ids = HashSet::new();
    for (index, block) in blocks.iter().enumerate() {
        check_block(block, &mut block_ids).map_err(|why| format!("block {index}: {why}"))?;
    }
    Ok(())
}

fn check_block(block: &Value, block_ids: &mut HashSet<String>) -> Result<(), String> {
    let kind = block
        .get("type")
        .and_then(Value::as_str)
        .ok_or("no `type`")?;
    if let Some(id) = block.get("block_id") {
        let id = id.as_str().ok_or("`block_id` is not a string")?;
        max_chars("block_id", id, MAX_ID)?;
        // Slack identifies blocks in interactions by block_id, so it must be unique.
        if !block_ids.insert(id.to_owned()) {
            return Err(format!("duplicate block_id `{id}`"));
        }
    }
    match kind {
        "section" => check_section(block),
        "header" => text_object(block.get("text"), "header text", MAX_HEADER_TEXT, true),
        "actions" => check_elements(block, MAX_ACTIONS_ELEMENTS),
        "context" => check_context(block),
        "input" => {
            text_object(block.get("label"), "input label", MAX_LABEL, true)?;
            let element = block.get("element").ok_or("input without `element`")?;
            check_element(element, &mut HashSet::new())
        }
        other if OTHER_BLOCK_TYPES.contains(&other) => Ok(()),
        other => Err(format!("unknown block type `{other}`")),
    }
}

fn check_section(block: &Value) -> Result<(), String> {
    let text = block.get("text");
    let fields = block.get("fields").and_then(Value::as_array);
    if text.is_none() && fields.is_none() {
        return Err("section needs `text` or `fields`".to_owned());
    }
    if text.is_some() {
        text_object(text, "section text", MAX_SECTION_TEXT, false)?;
    }
    if let Some(fields) = fields {
        if fields.len() > MAX_SECTION_FIELDS {
            return Err(format!(
                "{} section fields, Slack allows {MAX_SECTION_FIELDS}",
                fields.len()
            ));
        }
        for field in fields {
            text_object(Some(field), "section field", MAX_FIELD_TEXT, false)?;
        }
    }
    match block.get("accessory") {
        Some(accessory) => check_element(accessory, &mut HashSet::new()),
        None => Ok(()),
    }
}

fn check_context(block: &Value) -> Result<(), String> {
    let elements = block
        .get("elements")
        .and_then(Value::as_array)
        .ok_or("context without `elements`")?;
    if elements.is_empty() || elements.len() > MAX_CONTEXT_ELEMENTS {
        return Err(format!(
            "{} context elements, Slack allows 1 to {MAX_CONTEXT_ELEMENTS}",
            elements.len()
        ));
    }
    Ok(())
}

fn check_elements(block: &Value, max: usize) -> Result<(), String> {
    let elements = block
        .get("elements")
        .and_then(Value::as_array)
        .ok_or("actions without `elements`")?;
    if elements.is_empty() || elements.len() > max {
        return Err(format!(
            "{} elements, Slack allows 1 to {max}",
            elements.len()
        ));
    }
    // Slack tells which element was used by action_id, unique within its block.
    let mut action_ids = HashSet::new();
    elements
        .iter()
        .try_for_each(|element| check_element(element, &mut action_ids))
}

fn check_element(element: &Value, action_ids: &mut HashSet<String>) -> Result<(), String> {
    let kind = element
        .get("type")
        .and_then(Value::as_str)
        .ok_or("element without `type`")?;
    if let Some(id) = element.get("action_id") {
        let id = id.as_str().ok_or("`action_id` is not a string")?;
        max_chars("action_id", id, MAX_ID)?;
        if !action_ids.insert(id.to_owned()) {
            return Err(format!("duplicate action_id `{id}`"));
        }
    }
    if kind == "button" {
        text_object(element.get("text"), "button text", MAX_BUTTON_TEXT, true)?;
        optional_chars(element, "value", MAX_BUTTON_VALUE)?;
        optional_chars(element, "url", MAX_URL)?;
    }
    if element.get("placeholder").is_some() {
        text_object(
            element.get("placeholder"),
            "placeholder",
            MAX_PLACEHOLDER,
            true,
        )?;
    }
    if let Some(options) = element.get("options").and_then(Value::as_array)
        && options.len() > MAX_OPTIONS
    {
        return Err(format!(
            "{} options, Slack allows {MAX_OPTIONS}",
            options.len()
        ));
    }
    Ok(())
}

/// A composition text object: `plain_text` (or `mrkdwn` where allowed) with 1..=max chars.
fn text_object(
    value: Option<&Value>,
    what: &str,
    max: usize,
    plain_only: bool,
) -> Result<(), String> {
    let value = value.ok_or_else(|| format!("{what} missing"))?;
    let kind = value.get("type").and_then(Value::as_str);
    match kind {
        Some("plain_text") => {}
        Some("mrkdwn") if !plain_only => {}
        other => return Err(format!("{what} has text type {other:?}")),
    }
    let text = value
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{what} without `text`"))?;
    if text.is_empty() {
        return Err(format!("{what} is empty"));
    }
    max_chars(what, text, max)
}

fn optional_chars(element: &Value, field: &str, max: usize) -> Result<(), String> {
    match element.get(field) {
        None => Ok(()),
        Some(Value::String(text)) => max_chars(field, text, max),
        Some(_) => Err(format!("`{field}` is not a string")),
    }
}

fn max_chars(what: &str, text: &str, max: usize) -> Result<(), String> {
    let count = text.chars().count();
    if count > max {
        return Err(format!("{what} has {count} characters, Slack allows {max}"));
    }
    Ok(())
}
