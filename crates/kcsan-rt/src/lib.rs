//! The kcsan runtime library: every `__tsan_*` entry point that gcc 12, clang
//! and rustc may emit, implemented with KCSAN's algorithm, plus the `kcsan_*` C
//! API behind `include/kcsan.h`.
//!
//! Link it instead of libtsan (`kcsan cc` does). This layer is deliberately
//! boring: each entry point is a one-line forward into [`kcsan_core`].

pub mod annotate;
pub mod exit;
pub mod intercept;
pub mod signal;
pub mod tsan;
pub mod tsan_atomic;

use kcsan_core::AccessType;

/// Everything the runtime allocates comes from its own heap, not from the C
/// library's `malloc`: reports are made from signal handlers that may have
/// interrupted `malloc` (see `kcsan_core::heap`). In Rust programs the
/// runtime is linked as a localized object, so this allocator stays the
/// runtime's own and the program keeps its global allocator.
#[global_allocator]
static HEAP: kcsan_core::heap::RuntimeHeap = kcsan_core::heap::RuntimeHeap;

/// Checks a marked access unless `ignore_atomics` is set, in which case marked
/// accesses make no further runtime call (as in the kernel).
///
/// # Safety
/// As [`kcsan_core::check_access`].
#[inline(always)]
pub(crate) unsafe fn check_marked(ptr: *const u8, size: usize, ty: AccessType) {
    if !kcsan_core::ignore_atomics() {
        // SAFETY: forwarded from the caller.
        unsafe { kcsan_core::check_access(ptr, size, ty.with(AccessType::ATOMIC)) };
    }
}
