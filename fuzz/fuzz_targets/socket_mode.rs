//! Socket Mode text frames, each envelope's payload through the decoder of its kind: never
//! panics; garbage is a clear reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(reason) = firebreak::fuzzing::socket_mode_frame(text) {
        assert!(!reason.is_empty(), "an empty reason for a malformed frame");
    }
});
