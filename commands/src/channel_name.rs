//! Incident channel names: `inc-<yyyymmdd>-<number>-<slug>`, valid for Slack by construction.
//!
//! Slack allows only `[a-z0-9-_]` and at most 80 characters. Peers have shipped names where a
//! collision suffix pushed the name past 80 or truncation cut off the incident number, so the
//! budget is computed for the whole name and only the slug is ever shortened.

use std::fmt;

use jiff::civil::Date;

use crate::ids::IncidentNumber;

/// Slack's limit on channel names.
pub const MAX_CHANNEL_NAME: usize = 80;

/// A channel name that Slack accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelName(String);

impl ChannelName {
    /// The name for an incident; `attempt` 0 is the plain name, 1.. add `-2`, `-3`… after a
    /// `name_taken` answer.
    pub fn for_incident(
        prefix: &str,
        date: Date,
        number: IncidentNumber,
        title: &str,
        attempt: u32,
    ) -> Self {
        let prefix = slugify(prefix);
        let prefix = if prefix.is_empty() { "inc".to_owned() } else { prefix };
        let head = format!(
            "{}-{:04}{:02}{:02}-{}",
            prefix,
            date.year(),
            date.month(),
            date.day(),
            number
        );
        let suffix = if attempt == 0 {
            String::new()
        } else {
            format!("-{}", attempt + 1)
        };
        // The prefix is configuration; keep the number and suffix even if it is absurdly long.
        let head: String = head
            .chars()
            .rev()
            .take(MAX_CHANNEL_NAME - suffix.len())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        // Cutting the prefix can leave a separator in front, which Slack refuses.
        let head = head.trim_start_matches('-').to_owned();
        let budget = MAX_CHANNEL_NAME.saturating_sub(head.len() + suffix.len() + 1);
        let slug = truncate_slug(&slugify(title), budget);
        let name = if slug.is_empty() {
            format!("{head}{suffix}")
        } else {
            format!("{head}-{slug}{suffix}")
        };
        Self(name)
    }

    /// Whether `text` follows Slack's channel-name rules.
    pub fn is_valid(text: &str) -> bool {
        !text.is_empty()
            && text.len() <= MAX_CHANNEL_NAME
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lowercase ASCII letters and digits, every other run of characters becomes one `-`.
fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Cuts a slug to `budget` bytes, preferring a word boundary, never leaving a trailing `-`.
fn truncate_slug(slug: &str, budget: usize) -> String {
    if slug.len() <= budget {
        return slug.to_owned();
    }
    let cut = &slug[..budget]; // slug is ASCII, so any byte index is a char boundary
    let at_word = match cut.rfind('-') {
        Some(dash) if dash >= budget / 2 => &cut[..dash],
        _ => cut,
    };
    at_word.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> Date {
        jiff::civil::date(2026, 11, 23)
    }

    #[test]
    fn short_titles_become_readable_names() {
        let name = ChannelName::for_incident("inc", date(), IncidentNumber(7), "API returns 502!", 0);
        assert_eq!(name.as_str(), "inc-20261123-7-api-returns-502");
    }

    #[test]
    fn long_titles_with_emoji_keep_the_number_and_the_limit() {
        let title = "🔥 Ünïcode — ".repeat(20) + &"payments are failing ".repeat(10);
        for attempt in [0, 1, 9, 99] {
            let name = ChannelName::for_incident("inc", date(), IncidentNumber(123_456), &title, attempt);
            assert!(ChannelName::is_valid(name.as_str()), "{name}");
            assert!(name.as_str().starts_with("inc-20261123-123456"), "{name}");
            if attempt > 0 {
                assert!(name.as_str().ends_with(&format!("-{}", attempt + 1)), "{name}");
            }
        }
    }

    #[test]
    fn a_title_without_letters_gives_just_the_number() {
        let name = ChannelName::for_incident("inc", date(), IncidentNumber(3), "🔥🔥 !!!", 0);
        assert_eq!(name.as_str(), "inc-20261123-3");
    }

    #[test]
    fn an_absurdly_long_prefix_is_cut_without_a_leading_separator() {
        // Found by the property tests (props.rs): the cut fell right after a `-`.
        let prefix = "--a-a--aa--a-a-aaa-aaa-a-aaaaa---aa--aaaa-aa-aaa-aaa-aa-a-a-";
        let name = ChannelName::for_incident(prefix, jiff::civil::date(1, 1, 1), IncidentNumber(1_000_000_000_000_000_000), "", 0);
        assert!(!name.as_str().starts_with('-'), "{name}");
        assert!(name.as_str().ends_with("-00010101-1000000000000000000"), "{name}");
    }

    #[test]
    fn validity_follows_slack_rules() {
        assert!(ChannelName::is_valid("inc-1_a"));
        assert!(!ChannelName::is_valid("Inc-1"));
        assert!(!ChannelName::is_valid(&"a".repeat(81)));
        assert!(!ChannelName::is_valid(""));
    }
}

#[cfg(test)]
mod props;
