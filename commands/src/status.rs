//! The incident status lifecycle: investigating → identified → mitigated → monitoring → resolved.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where the response stands. `Resolved` is reached only through `/incident resolve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Investigating,
    Identified,
    Mitigated,
    Monitoring,
    Resolved,
}

impl Status {
    /// The statuses a responder may set with `/incident status` (resolving has its own command).
    pub const SETTABLE: [Status; 4] = [
        Self::Investigating,
        Self::Identified,
        Self::Mitigated,
        Self::Monitoring,
    ];

    /// Parses a settable status; `resolved` is refused so that resolution always goes through
    /// `resolve`, which records the summary and the resolution time.
    pub fn parse_settable(text: &str) -> Option<Self> {
        let lower = text.trim().to_ascii_lowercase();
        Self::SETTABLE.into_iter().find(|s| s.key() == lower)
    }

    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.trim().to_ascii_lowercase();
        [Self::Resolved]
            .into_iter()
            .chain(Self::SETTABLE)
            .find(|s| s.key() == lower)
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Mitigated => "mitigated",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Self::Investigating => ":mag:",
            Self::Identified => ":dart:",
            Self::Mitigated => ":adhesive_bandage:",
            Self::Monitoring => ":eyes:",
            Self::Resolved => ":white_check_mark:",
        }
    }

    pub fn is_open(self) -> bool {
        self != Self::Resolved
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.key();
        let mut chars = key.chars();
        if let Some(first) = chars.next() {
            write!(f, "{}{}", first.to_ascii_uppercase(), chars.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolved_is_not_settable_by_status() {
        assert_eq!(Status::parse_settable("Mitigated"), Some(Status::Mitigated));
        assert_eq!(Status::parse_settable("resolved"), None);
        assert_eq!(Status::parse("resolved"), Some(Status::Resolved));
        assert_eq!(Status::Identified.to_string(), "Identified");
    }
}
