//! Live-control command lines: never a panic; errors quote the input
//! printably (only "unknown command" adds lines: the list of commands).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = kcsan_core::control::parse(text.trim()) {
        assert!(!e.chars().any(|c| c.is_control() && c != '\n'), "{e:?}");
        assert!(e.starts_with("unknown command") || !e.contains('\n'), "{e:?}");
        assert!(e.len() <= 3000, "{} bytes", e.len());
    }
});
