//! The `kcsan_*` C API behind `include/kcsan.h` (the kernel's `kcsan-checks.h`).
//! Each function forwards to `kcsan_core::annotate`. Their names start with
//! `kcsan_`, which is what keeps them out of report stacks.

use core::ffi::{c_int, c_ulong, c_void};

use kcsan_core::AccessType;
use kcsan_core::annotate as a;

/// The C API's ABI, version 1: `kcsan.h` refers to this symbol from every
/// file that includes it, so code built against another ABI fails to link
/// (or to load, against `libkcsan_rt.so`) with the ABI in the message:
/// "undefined reference to `__kcsan_runtime_abi_1'". Bumped, with the
/// header's, when a `kcsan_*` function changes meaning or signature.
#[unsafe(no_mangle)]
pub static __kcsan_runtime_abi_1: u8 = 1;

/// The runtime's version, as a symbol (`__kcsan_runtime_version_0.1.0`):
/// `kcsan cc` checks that the archive it links has its own version.
#[unsafe(export_name = concat!("__kcsan_runtime_version_", env!("CARGO_PKG_VERSION")))]
pub static RUNTIME_VERSION: u8 = 1;

/// Checks an access of `type` (`KCSAN_ACCESS_*` bits) explicitly.
///
/// # Safety
/// `ptr..ptr + size` must be readable (or `size` 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __kcsan_check_access(ptr: *const c_void, size: usize, ty: c_int) {
    // SAFETY: forwarded from the caller.
    unsafe { kcsan_core::check_access(ptr.cast(), size, AccessType(ty as u32)) }
}

/// Checks an access as `__kcsan_check_access` does, with the source location
/// it was written at (the Rust API passes `#[track_caller]`'s
/// `Location::caller()`): `file_len` bytes of UTF-8 at `file`, and
/// `line << 32 | column`. Not in `kcsan.h`: C has no caller locations.
///
/// # Safety
/// As for `__kcsan_check_access`; `file..file + file_len` is UTF-8 that lives
/// as long as the program.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __kcsan_check_access_at(
    ptr: *const c_void,
    size: usize,
    ty: c_int,
    file: *const u8,
    file_len: usize,
    line_column: u64,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        kcsan_core::check_access_at(
            ptr.cast(),
            size,
            AccessType(ty as u32),
            file,
            file_len,
            (line_column >> 32) as u32,
            line_column as u32,
        )
    }
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

// ===== Scoped accesses =====

/// Begins a scoped access (`ASSERT_EXCLUSIVE_*_SCOPED`): checks it now, on
/// every later access of this thread and when the scope ends; reports point at
/// the caller, where the scope starts. Returns `sa`.
///
/// The caller's pc is the return address, found at the top of the stack on
/// entry (the kernel's `_RET_IP_`); this naked entry passes it on as a fifth
/// argument.
///
/// # Safety
/// `sa` must stay valid and unmoved, and `ptr..ptr + size` readable, until
/// `kcsan_end_scoped_access(sa)` on this thread; scopes end in reverse order.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kcsan_begin_scoped_access(
    ptr: *const c_void,
    size: usize,
    ty: c_int,
    sa: *mut kcsan_core::ScopedAccess,
) -> *mut kcsan_core::ScopedAccess {
    core::arch::naked_asm!(
        "mov r8, [rsp]",
        "jmp {at}",
        at = sym kcsan_begin_scoped_access_at,
    )
}

/// `kcsan_begin_scoped_access` where the caller's pc is not known: reports
/// then show where the check fired.
///
/// # Safety
/// As the x86-64 form.
#[cfg(not(target_arch = "x86_64"))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kcsan_begin_scoped_access(
    ptr: *const c_void,
    size: usize,
    ty: c_int,
    sa: *mut kcsan_core::ScopedAccess,
) -> *mut kcsan_core::ScopedAccess {
    // SAFETY: forwarded from the caller.
    unsafe { kcsan_begin_scoped_access_at(ptr, size, ty, sa, 0) }
}

/// `kcsan_begin_scoped_access` with the scope's start pc `ip` given.
///
/// # Safety
/// As `kcsan_begin_scoped_access`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kcsan_begin_scoped_access_at(
    ptr: *const c_void,
    size: usize,
    ty: c_int,
    sa: *mut kcsan_core::ScopedAccess,
    ip: usize,
) -> *mut kcsan_core::ScopedAccess {
    // SAFETY: forwarded from the caller.
    unsafe {
        kcsan_core::scoped::begin_scoped_access(ptr.cast(), size, AccessType(ty as u32), sa, ip)
    }
}

/// Ends a scoped access: unlinks it and checks it a last time.
///
/// # Safety
/// `sa` was begun on this thread and is still valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kcsan_end_scoped_access(sa: *mut kcsan_core::ScopedAccess) {
    // SAFETY: forwarded from the caller.
    unsafe { kcsan_core::scoped::end_scoped_access(sa) }
}

// ===== Barriers (weak memory) =====

/// A full barrier for the weak-memory model (`__kcsan_mb`).
#[unsafe(no_mangle)]
pub extern "C" fn __kcsan_mb() {
    kcsan_core::weak_memory::mb();
}

/// A write barrier for the weak-memory model (`__kcsan_wmb`).
#[unsafe(no_mangle)]
pub extern "C" fn __kcsan_wmb() {
    kcsan_core::weak_memory::wmb();
}

/// A read barrier for the weak-memory model (`__kcsan_rmb`).
#[unsafe(no_mangle)]
pub extern "C" fn __kcsan_rmb() {
    kcsan_core::weak_memory::rmb();
}

/// A release for the weak-memory model (`__kcsan_release`).
#[unsafe(no_mangle)]
pub extern "C" fn __kcsan_release() {
    kcsan_core::weak_memory::release();
}

// ===== Self-test access to the weak-memory state =====

/// The size of this thread's pending reordered access (0: none). For tests
/// (kcsan_test's `test_barrier_nothreads`).
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_selftest_reorder_size() -> usize {
    kcsan_core::weak_memory::reorder_pending_size()
}

/// Makes `ptr..ptr + size` of `type` this thread's pending reordered access
/// (size 0 clears it). For tests of the barrier table; never reads `ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn kcsan_selftest_set_reorder(ptr: *const c_void, size: usize, ty: c_int) {
    kcsan_core::weak_memory::set_reorder_for_test(ptr as usize, size, AccessType(ty as u32));
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
