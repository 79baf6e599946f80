//! `POST /slack/events` bodies (Events API JSON): never panics; garbage is a clear 400 reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(reason) = firebreak::fuzzing::event(data) {
        assert!(!reason.is_empty(), "an empty reason for a malformed event");
    }
});
