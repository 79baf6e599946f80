//! Property tests: whatever the title, number, date, prefix or collision attempt, the channel
//! name is one Slack accepts and still carries the incident's date and number.

use jiff::civil::Date;
use proptest::prelude::*;

use super::{ChannelName, MAX_CHANNEL_NAME};
use crate::ids::IncidentNumber;

/// Any date an incident can be declared on (the clock never goes before year 1).
fn date() -> impl Strategy<Value = Date> {
    (1i16..=9999, 1i8..=12, 1i8..=31).prop_map(|(y, m, d)| {
        // Clamp the day to the month's length rather than reject, so every case is used.
        let first = jiff::civil::date(y, m, 1);
        jiff::civil::date(y, m, d.min(first.days_in_month()))
    })
}

/// Titles people type: any Unicode, emoji, punctuation, very long runs.
fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,200}",
        "(\\PC| |-|_|🔥){0,120}",
        "[a-zA-Z0-9 ]{70,300}",
    ]
}

/// Prefixes from configuration: usually `inc`, sometimes odd or absurdly long.
fn prefix() -> impl Strategy<Value = String> {
    prop_oneof![Just("inc".to_owned()), "[a-zA-Z0-9_ -]{0,20}", any::<String>(), "[a-z-]{60,120}"]
}

fn slack_accepts(name: &str) -> Result<(), String> {
    if !ChannelName::is_valid(name) {
        return Err(format!("invalid characters or length {}", name.len()));
    }
    if name.starts_with(['-', '_']) || name.ends_with(['-', '_']) {
        return Err("leading or trailing separator".into());
    }
    if name.contains("--") {
        return Err("double separator".into());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn every_name_is_valid_and_keeps_date_and_number(
        prefix in prefix(),
        date in date(),
        number in 1i64..=i64::MAX,
        title in title(),
        attempt in prop_oneof![Just(0u32), 0u32..20, any::<u32>()],
    ) {
        let name = ChannelName::for_incident(&prefix, date, IncidentNumber(number), &title, attempt);
        let name = name.as_str();
        prop_assert!(name.len() <= MAX_CHANNEL_NAME, "{name} is {} long", name.len());
        if let Err(why) = slack_accepts(name) {
            return Err(TestCaseError::fail(format!("{name:?}: {why}")));
        }
        let core = format!("{:04}{:02}{:02}-{number}", date.year(), date.month(), date.day());
        let after = name.split_once(&core).map(|(_, after)| after);
        prop_assert!(after.is_some(), "{name} lacks {core}");
        // The number is whole: what follows it is the end or a separator, not more digits.
        prop_assert!(after.is_some_and(|a| a.is_empty() || a.starts_with('-')), "{name}: number cut or extended");
        if attempt > 0 {
            let suffix = format!("-{}", u64::from(attempt) + 1);
            prop_assert!(name.ends_with(&suffix), "{name} lacks {suffix}");
        }
    }

    #[test]
    fn ordinary_titles_keep_their_words(words in proptest::collection::vec("[a-z0-9]{1,8}", 1..6), number in 1i64..100_000) {
        let title = words.join(" ");
        let name = ChannelName::for_incident("inc", jiff::civil::date(2026, 11, 23), IncidentNumber(number), &title, 0);
        prop_assert_eq!(name.as_str(), format!("inc-20261123-{number}-{}", words.join("-")));
    }

    #[test]
    fn retries_never_repeat_a_name(title in title(), number in 1i64..1_000_000, a in 0u32..1000, b in 0u32..1000) {
        prop_assume!(a != b);
        let date = jiff::civil::date(2026, 11, 23);
        let first = ChannelName::for_incident("inc", date, IncidentNumber(number), &title, a);
        let second = ChannelName::for_incident("inc", date, IncidentNumber(number), &title, b);
        prop_assert_ne!(first, second);
    }
}
