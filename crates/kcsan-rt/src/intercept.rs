//! The checks behind `wrap.c`'s `__wrap_memcpy`, `__wrap_memmove` and
//! `__wrap_memset`: gcc leaves `memcpy`/`memmove`/`memset` calls as plain libc
//! calls, and `kcsan cc` links executables with `--wrap` for these three so the
//! program's calls are checked like clang's `__tsan_mem*`: a write of the
//! destination and a read of the source, truncated to `MAX_ENCODABLE_SIZE`.
//!
//! The runtime's own copies (Rust code in this library calls `memcpy` too, and
//! `--wrap` redirects those as well) are not checked: [`kcsan_core::in_runtime`]
//! says whose call it is.

use core::ffi::c_void;

use kcsan_core::encoding::MAX_ENCODABLE_SIZE;
use kcsan_core::{AccessType, check_access};

/// Checks a copy's destination (write) and source (read).
///
/// # Safety
/// Both ranges must be valid for `n` bytes (the copy's own contract).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kcsan_rt_check_copy(d: *mut c_void, s: *const c_void, n: usize) {
    if kcsan_core::in_runtime() {
        return;
    }
    let n = n.min(MAX_ENCODABLE_SIZE);
    // SAFETY: the caller is about to copy between these ranges.
    unsafe {
        check_access(d.cast(), n, AccessType::WRITE);
        check_access(s.cast(), n, AccessType::READ);
    }
}

/// Checks a `memset`'s destination (write).
///
/// # Safety
/// The range must be valid for `n` bytes (memset's own contract).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kcsan_rt_check_set(d: *mut c_void, n: usize) {
    if kcsan_core::in_runtime() {
        return;
    }
    // SAFETY: the caller is about to write this range.
    unsafe { check_access(d.cast(), n.min(MAX_ENCODABLE_SIZE), AccessType::WRITE) }
}
