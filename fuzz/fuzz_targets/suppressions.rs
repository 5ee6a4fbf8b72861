//! Suppressions files: never a panic; errors are one printable line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = kcsan_core::report::check_suppressions(text, "fuzz.supp") {
        let msg = e.to_string();
        assert!(!msg.chars().any(char::is_control), "{msg:?}");
        assert!(msg.len() <= 600, "{} bytes", msg.len());
    }
});
