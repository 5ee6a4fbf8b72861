//! `KCSAN_OPTIONS` strings: never a panic; errors are one printable line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let mut flags = kcsan_core::config::Flags::DEFAULT;
    if let Err(e) = flags.parse_options(text, "KCSAN_OPTIONS") {
        let msg = e.to_string();
        assert!(!msg.chars().any(char::is_control), "{msg:?}");
        assert!(msg.len() <= 600, "{} bytes", msg.len());
    }
});
