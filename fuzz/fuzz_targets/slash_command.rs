//! `POST /slack/commands` bodies (form-encoded): never panics; garbage is a clear 400 reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(reason) = firebreak::fuzzing::slash_command_form(data) {
        assert!(!reason.is_empty(), "an empty reason for a malformed slash command");
    }
});
