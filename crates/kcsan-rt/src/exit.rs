//! `_exit` and `_Exit`, interposed: a process that reported and leaves
//! without `exit` (the usual way out of a forked child, or a program in a
//! hurry) still prints its closing line and ends with `exitcode`, so that the
//! test that ran it fails. `quick_exit` is covered by an `at_quick_exit`
//! handler (kcsan-core's `runtime.rs`).
//!
//! These replace the C library's functions for the program's own calls;
//! the C library's internal calls (from `exit`, after our `atexit` handler
//! has run) go to its own. A process killed by a signal cannot be covered:
//! its reports are on stderr, and `kcsan run`, `kcsan hunt` and
//! `kcsan repro` count them there.

use core::ffi::c_int;

/// `_exit(2)`: see the module documentation.
#[unsafe(no_mangle)]
pub extern "C" fn _exit(status: c_int) -> ! {
    kcsan_core::report::fast_exit(status)
}

/// `_Exit(3)`, C99's name for `_exit`.
#[unsafe(no_mangle)]
pub extern "C" fn _Exit(status: c_int) -> ! {
    kcsan_core::report::fast_exit(status)
}
