//! Sub-commands that are part of the grammar but not available in this version yet.

use super::{Command, UsageError};
use crate::reply::Reply;

const TIME_USAGE: &str = "time <detected|acknowledged|mitigated|resolved> <HH:MM>";
const KEY_TIMES: [&str; 5] = ["started", "detected", "acknowledged", "mitigated", "resolved"];

pub(super) fn parse_time(rest: &str) -> Result<Command, UsageError> {
    let mut words = rest.split_whitespace();
    let (Some(which), Some(at), None) = (words.next(), words.next(), words.next()) else {
        return Err(UsageError::new("Name the key time and the time of day.", TIME_USAGE));
    };
    let which = which.to_ascii_lowercase();
    if !KEY_TIMES.contains(&which.as_str()) {
        return Err(UsageError::new(format!("Key times are {}.", KEY_TIMES.join(", ")), TIME_USAGE));
    }
    let valid_clock = at
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u8>().ok()?, m.parse::<u8>().ok()?)))
        .is_some_and(|(h, m)| h < 24 && m < 60 && at.len() == 5);
    if !valid_clock {
        return Err(UsageError::new("Give the time as HH:MM (24-hour).", TIME_USAGE));
    }
    Ok(Command::Time { which, at: at.to_owned() })
}

/// An honest answer for a command this version does not run yet.
pub(super) fn reply(name: &str) -> Reply {
    Reply::ephemeral(format!(
        ":construction: `/incident {name}` is not available in this version of Firebreak yet; nothing was changed."
    ))
}
