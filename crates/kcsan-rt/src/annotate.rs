//! The `kcsan_*` C API behind `include/kcsan.h` (the kernel's `kcsan-checks.h`).
//! Each function forwards to `kcsan_core::annotate`. Their names start with
//! `kcsan_`, which is what keeps them out of report stacks.

use core::ffi::{c_int, c_ulong, c_void};

use kcsan_core::AccessType;
use kcsan_core::annotate as a;

/// Checks an access of `type` (`KCSAN_ACCESS_*` bits) explicitly.
///
/// # Safety
/// `ptr..ptr + size` must be readable (or `size` 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __kcsan_check_access(ptr: *const c_void, size: usize, ty: c_int) {
    // SAFETY: forwarded from the caller.
    unsafe { kcsan_core::check_access(ptr.cast(), size, AccessType(ty as u32)) }
}

/// Stops checking on this thread until `kcsan_enable_current`; nests.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_disable_current() {
    a::disable_current();
}

/// Undoes one `kcsan_disable_current`; warns once if unbalanced.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_enable_current() {
    a::enable_current();
}

/// Undoes one `kcsan_disable_current`, silently (used by `data_race()`).
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_enable_current_nowarn() {
    a::enable_current_nowarn();
}

/// Enters a nestable atomic region.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_nestable_atomic_begin() {
    a::nestable_atomic_begin();
}

/// Leaves a nestable atomic region.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_nestable_atomic_end() {
    a::nestable_atomic_end();
}

/// Enters the flat atomic region.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_flat_atomic_begin() {
    a::flat_atomic_begin();
}

/// Leaves the flat atomic region.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_flat_atomic_end() {
    a::flat_atomic_end();
}

/// Treats this thread's next `n` plain accesses as marked.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_atomic_next(n: c_int) {
    a::atomic_next(n);
}

/// Sets this thread's access mask (0: none).
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_set_access_mask(mask: c_ulong) {
    a::set_access_mask(mask as usize);
}

/// Installs the report hook (`NULL` removes it); see kcsan.h and
/// `kcsan_core::report::hook`.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_set_report_hook(
    hook: Option<kcsan_core::report::hook::HookFn>,
    arg: *mut c_void,
) {
    kcsan_core::report::hook::set(hook, arg);
}
