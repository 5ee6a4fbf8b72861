//! The kcsan runtime library: every `__tsan_*` entry point that gcc 12, clang
//! and rustc may emit, implemented with KCSAN's algorithm, plus the `kcsan_*` C
//! API behind `include/kcsan.h`.
//!
//! Link it instead of libtsan (`kcsan cc` does). This layer is deliberately
//! boring: each entry point is a one-line forward into [`kcsan_core`]. The
//! plain and volatile accesses' entry points are in [`kcsan_access`] (a crate
//! of their own for the LTO route), linked in here.

pub mod annotate;
pub mod exit;
pub mod intercept;
pub mod signal;
pub mod tsan;
pub mod tsan_atomic;

/// Everything the runtime allocates comes from its own heap, not from the C
/// library's `malloc`: reports are made from signal handlers that may have
/// interrupted `malloc` (see `kcsan_core::heap`). In Rust programs the
/// runtime is linked as a localized object, so this allocator stays the
/// runtime's own and the program keeps its global allocator.
#[global_allocator]
static HEAP: kcsan_core::heap::RuntimeHeap = kcsan_core::heap::RuntimeHeap;

/// Marked accesses are checked as the plain and volatile entry points check
/// them (`ignore_atomics` applies).
pub(crate) use kcsan_access::check_marked;
