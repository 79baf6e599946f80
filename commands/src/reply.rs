//! Platform-neutral replies. Only `bot::slack::render` knows Block Kit.

/// Who sees a reply to a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the person who asked.
    Ephemeral,
    /// Everyone in the channel where it was asked.
    InChannel,
}

/// A message: a plain-text fallback (notifications, screen readers) plus structured blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub visibility: Visibility,
    pub text: String,
    pub blocks: Vec<Block>,
    /// Replace the message the button was on instead of posting a new one.
    pub replace_original: bool,
    /// Whether the message jumps the queue of its channel when Slack is slow to accept.
    pub urgency: Urgency,
}

/// How soon a message must reach people compared with the rest of its channel's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Urgency {
    /// In order with everything else (status lines, diagnostics, timelines).
    #[default]
    Normal,
    /// Ahead of bulk output: approval cards, escalations, pages.
    Urgent,
}

/// A layout block, modelled on what every chat platform can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Header(String),
    /// Markdown text with optional two-column fields.
    Section { text: Option<String>, fields: Vec<String> },
    /// Small grey lines.
    Context(Vec<String>),
    Actions(Vec<Button>),
    Divider,
}

/// How a button looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    Default,
    Primary,
    Danger,
}

/// A confirmation dialog shown before a button's action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    pub text: String,
    pub confirm: String,
    pub deny: String,
}

/// A button; `action` is the stable id the interaction handler dispatches on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub action: String,
    pub label: String,
    pub value: String,
    pub style: ButtonStyle,
    pub confirm: Option<Confirm>,
}

impl Button {
    pub fn new(action: &str, label: &str, value: impl Into<String>) -> Self {
        Self {
            action: action.to_owned(),
            label: label.to_owned(),
            value: value.into(),
            style: ButtonStyle::Default,
            confirm: None,
        }
    }

    pub fn primary(self) -> Self {
        Self { style: ButtonStyle::Primary, ..self }
    }

    pub fn danger(self) -> Self {
        Self { style: ButtonStyle::Danger, ..self }
    }

    pub fn confirm(self, confirm: Confirm) -> Self {
        Self { confirm: Some(confirm), ..self }
    }
}

impl Reply {
    /// A one-line message only the asker sees.
    pub fn ephemeral(text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            visibility: Visibility::Ephemeral,
            blocks: vec![Block::Section { text: Some(text.clone()), fields: vec![] }],
            text,
            replace_original: false,
            urgency: Urgency::Normal,
        }
    }

    /// A one-line message for the whole channel.
    pub fn in_channel(text: impl Into<String>) -> Self {
        Self { visibility: Visibility::InChannel, ..Self::ephemeral(text) }
    }

    /// A message built from blocks, with `text` as the notification fallback.
    pub fn blocks(visibility: Visibility, text: impl Into<String>, blocks: Vec<Block>) -> Self {
        Self { visibility, text: text.into(), blocks, replace_original: false, urgency: Urgency::Normal }
    }

    /// The same reply, sent ahead of its channel's bulk output.
    pub fn urgent(self) -> Self {
        Self { urgency: Urgency::Urgent, ..self }
    }
}
