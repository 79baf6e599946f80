//! The `/incident` grammar on arbitrary text: never panics; a refusal is a short usage
//! message (it never echoes a flood of input back); parsing ignores surrounding whitespace.
#![no_main]

use firebreak_commands::command::USAGES;
use firebreak_commands::Command;
use libfuzzer_sys::fuzz_target;

/// Longest usage message: the longest usage line plus a bounded problem statement.
const MAX_MESSAGE: usize = 600;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = Command::parse(text);
    match &parsed {
        Ok(command) => {
            let name = command.name();
            assert!(USAGES.iter().any(|(n, _)| *n == name), "{name} has no usage line");
        }
        Err(usage) => {
            let message = usage.to_string();
            assert!(message.contains("Usage: `/incident "), "no usage line: {message}");
            assert!(message.len() <= MAX_MESSAGE, "{} bytes of usage message", message.len());
        }
    }
    assert_eq!(Command::parse(&format!(" \t{text}\n ")), parsed, "whitespace around the text changed the parse");
});
