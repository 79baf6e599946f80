//! Incident severities SEV1–SEV4, with the response times and definitions of the seed runbook.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How bad an incident is. Ordered from worst (`Sev1`) to mildest (`Sev4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Sev1, Self::Sev2, Self::Sev3, Self::Sev4];

    /// Parses `sev1`, `SEV1`, `1` or `s1`; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.trim().to_ascii_lowercase();
        let digit = lower
            .strip_prefix("sev")
            .or_else(|| lower.strip_prefix('s'))
            .unwrap_or(&lower);
        match digit {
            "1" => Some(Self::Sev1),
            "2" => Some(Self::Sev2),
            "3" => Some(Self::Sev3),
            "4" => Some(Self::Sev4),
            _ => None,
        }
    }

    /// How soon someone must respond (seed: 15 min, 30 min, 4 h, 24 h).
    pub fn response_time(self) -> Duration {
        let minutes = match self {
            Self::Sev1 => 15,
            Self::Sev2 => 30,
            Self::Sev3 => 4 * 60,
            Self::Sev4 => 24 * 60,
        };
        Duration::from_secs(minutes * 60)
    }

    /// The seed's definition of the level.
    pub fn definition(self) -> &'static str {
        match self {
            Self::Sev1 => "Complete outage",
            Self::Sev2 => "Major degradation",
            Self::Sev3 => "Minor issue",
            Self::Sev4 => "Low impact",
        }
    }

    /// The seed's example of the level.
    pub fn example(self) -> &'static str {
        match self {
            Self::Sev1 => "All services down",
            Self::Sev2 => "Core feature unavailable",
            Self::Sev3 => "Single endpoint slow",
            Self::Sev4 => "Minor bug reported",
        }
    }

    /// SEV1 and SEV2 notify stakeholders: they are announced in the broadcast channel.
    pub fn is_major(self) -> bool {
        matches!(self, Self::Sev1 | Self::Sev2)
    }

    /// The lowercase key used in commands, configuration and storage (`sev1`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Sev1 => "sev1",
            Self::Sev2 => "sev2",
            Self::Sev3 => "sev3",
            Self::Sev4 => "sev4",
        }
    }

    /// Human text for a response time: `15 min`, `4 h`.
    pub fn response_time_text(self) -> String {
        let minutes = self.response_time().as_secs() / 60;
        if minutes.is_multiple_of(60) {
            format!("{} h", minutes / 60)
        } else {
            format!("{minutes} min")
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key().to_ascii_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spellings_responders_type() {
        assert_eq!(Severity::parse("sev1"), Some(Severity::Sev1));
        assert_eq!(Severity::parse("SEV2"), Some(Severity::Sev2));
        assert_eq!(Severity::parse("3"), Some(Severity::Sev3));
        assert_eq!(Severity::parse("s4"), Some(Severity::Sev4));
        assert_eq!(Severity::parse("sev5"), None);
        assert_eq!(Severity::parse("critical"), None);
    }

    #[test]
    fn response_times_follow_the_seed_runbook() {
        assert_eq!(Severity::Sev1.response_time_text(), "15 min");
        assert_eq!(Severity::Sev2.response_time_text(), "30 min");
        assert_eq!(Severity::Sev3.response_time_text(), "4 h");
        assert_eq!(Severity::Sev4.response_time_text(), "24 h");
        assert!(Severity::Sev2.is_major() && !Severity::Sev3.is_major());
    }
}
