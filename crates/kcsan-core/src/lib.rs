//! The KCSAN engine for user space: sampled soft watchpoints, a short stall, a
//! value check, and reports with both threads' stacks (kcsan.rst
//! "Implementation Details").
//!
//! # Ground rules
//!
//! 1. **The runtime is never instrumented.** It is built without
//!    `-fsanitize`/`-Zsanitizer` (the kernel's `KCSAN_SANITIZE := n`); our C shim
//!    is built with `-fno-sanitize=all`.
//! 2. **The fast path** is [`check_access`] and what it inlines. It is
//!    `#[inline(always)]`, branch-light, and free of allocation, locks, syscalls,
//!    formatting and panics. It reads the thread context once. Anything rare
//!    goes into a `#[cold] #[inline(never)]` function named with a verb
//!    (`setup_watchpoint`, `found_watchpoint`, `gated_is_atomic`).
//! 3. **No unwinding across the ABI.** `extern "C"` entry points never panic;
//!    internal invariants are `debug_assert!`s. A hard error prints one
//!    `kcsan: ` line to stderr and exits.
//! 4. **The slow path may allocate but never re-enters the runtime.** A
//!    per-thread `in_runtime` count is raised around report generation, so hooks
//!    reached from inside it (a signal handler, an instrumented allocator)
//!    neither watch nor consume. Thread locals have `const` initialisers and no
//!    destructors, so touching them never allocates. The runtime allocates
//!    from its own [`heap`], never from the C library's `malloc`, so that a
//!    report from a handler that interrupted `malloc` cannot deadlock.
//! 5. **Every static table has a compile-time size check** (`const _: () = assert!(..)`).
//! 6. **Frame skipping relies on names.** Runtime frames are `__tsan_*`,
//!    `kcsan_*`, `kcsan_core::*` or `kcsan_rt::*`; `report::stack` skips exactly
//!    those, so the naming rule is load-bearing.
//! 7. **Hooks work before `__tsan_init` and after `fork`.** Initialisation is lazy
//!    and idempotent ([`runtime::ensure_init`]); a forked child resets the table,
//!    the handoff entries and the report lock.

pub mod access;
pub mod annotate;
mod budget;
mod check;
pub mod config;
pub mod control;
mod ctx;
pub use ctx::ScopedAccess;
mod interrupt;
pub use interrupt::{Interrupted, interrupt_enter, interrupt_exit};
pub mod delay;
pub mod encoding;
pub(crate) mod fast;
mod focus;
#[cfg(test)]
mod fuzz;
pub mod heap;
mod permissive;
pub mod report;
mod rewatch;
pub mod runtime;
mod sample;
pub mod scoped;
mod shield;
pub mod stats;
mod watchpoint;
pub mod weak_memory;

pub use access::AccessType;
pub use check::{abandon_on_fault, check_access};
pub use fast::take_checked;
pub use report::check_access_at;

/// Whether the calling thread is inside the runtime's own slow path (reporting,
/// initialising). Interposed libc functions check this so the runtime's own
/// `memcpy` calls are not checked as the program's.
#[inline(always)]
pub fn in_runtime() -> bool {
    ctx::with(|c| c.in_runtime.get() != 0)
}

/// Whether marked accesses are ignored entirely (`ignore_atomics`). The ABI layer
/// checks this before calling [`check_access`] for marked accesses, so they make
/// no further runtime call, as in the kernel.
#[inline(always)]
pub fn ignore_atomics() -> bool {
    config::hot::IGNORE_ATOMICS.load(core::sync::atomic::Ordering::Relaxed)
}
