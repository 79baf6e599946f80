//! Identifiers parsed once at the edge: Slack users, channels, workspaces, incidents.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A Slack user id (`U…` or `W…`), accepted bare or as a mention `<@U123|name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SlackUserId(String);

impl SlackUserId {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let inner = text
            .strip_prefix("<@")
            .and_then(|rest| rest.strip_suffix('>'))
            .map(|inner| inner.split('|').next().unwrap_or(inner))
            .unwrap_or(text);
        let valid = inner.len() >= 2
            && inner.len() <= 32
            && (inner.starts_with('U') || inner.starts_with('W'))
            && inner.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        valid.then(|| Self(inner.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Slack mention syntax, rendered as the user's name by Slack.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.0)
    }
}

impl fmt::Display for SlackUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_id!(
    /// A Slack conversation id (`C…`, `G…`, `D…`).
    ChannelId
);
opaque_id!(
    /// A Slack workspace (team) id; incident numbers count per workspace.
    TeamId
);
opaque_id!(
    /// The `ts` of a Slack message, which is its id within a channel.
    MessageTs
);

impl ChannelId {
    /// Slack link syntax for a channel.
    pub fn link(&self) -> String {
        format!("<#{}>", self.0)
    }
}

/// The store's key for an incident (not shown to people; they see [`IncidentNumber`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentId(pub i64);

impl IncidentId {
    /// Parses the decimal id carried in button values.
    pub fn parse(text: &str) -> Option<Self> {
        text.trim().parse::<i64>().ok().filter(|id| *id > 0).map(Self)
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The number people use (`#42`): unique and gap-free within a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentNumber(pub i64);

impl fmt::Display for IncidentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_parse_from_mentions_and_bare_ids() {
        let id = SlackUserId::parse("<@U024BE7LH|alice>").map(|u| u.0);
        assert_eq!(id.as_deref(), Some("U024BE7LH"));
        assert_eq!(SlackUserId::parse("W123ABC").map(|u| u.0).as_deref(), Some("W123ABC"));
        assert_eq!(SlackUserId::parse("alice"), None);
        assert_eq!(SlackUserId::parse("<@u12>"), None);
        assert_eq!(SlackUserId::parse("U1; rm -rf /"), None);
    }

    #[test]
    fn incident_ids_must_be_positive_integers() {
        assert_eq!(IncidentId::parse("17"), Some(IncidentId(17)));
        assert_eq!(IncidentId::parse("0"), None);
        assert_eq!(IncidentId::parse("x"), None);
    }
}

impl MessageTs {
    /// When the message was posted: Slack's `ts` is Unix seconds with a microsecond fraction
    /// (`1700000000.000100`).
    pub fn posted_at(&self) -> Option<jiff::Timestamp> {
        let (seconds, fraction) = self.0.split_once('.').unwrap_or((&self.0, "0"));
        let seconds: i64 = seconds.parse().ok()?;
        let digits: String = fraction.chars().chain(std::iter::repeat('0')).take(6).collect();
        let micros: i64 = digits.parse().ok()?;
        jiff::Timestamp::from_microsecond(seconds.checked_mul(1_000_000)?.checked_add(micros)?).ok()
    }
}

#[cfg(test)]
mod message_ts_tests {
    use super::MessageTs;

    #[test]
    fn a_message_ts_is_the_posting_time() {
        let at = MessageTs::new("1700000000.000100").posted_at().map(|t| t.as_microsecond());
        assert_eq!(at, Some(1_700_000_000_000_100));
        assert_eq!(MessageTs::new("1700000000").posted_at().map(|t| t.as_second()), Some(1_700_000_000));
        assert_eq!(MessageTs::new("not-a-ts").posted_at(), None);
    }
}
