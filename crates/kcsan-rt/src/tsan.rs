//! The ThreadSanitizer instrumentation ABI, minus the atomics (`tsan_atomic.rs`)
//! and the plain and volatile accesses (the `kcsan-access` crate, linked in
//! from lib.rs): ranges, memory intrinsics, function entry/exit, vtable
//! pointers, ignores and `__tsan_init`.
//!
//! The `_pc` variants exist in libtsan's ABI; no compiler we support emits
//! them, but they cost nothing and keep hand-written callers linking.

use core::ffi::{c_int, c_void};

use kcsan_core::encoding::MAX_ENCODABLE_SIZE;
use kcsan_core::{AccessType, check_access};

// ===== Ranges and memory intrinsics =====

/// A plain read of `size` bytes (gcc: unaligned and large accesses, struct copies).
///
/// # Safety
/// Called by compiler instrumentation right before the access.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_read_range(addr: *mut c_void, size: usize) {
    // SAFETY: the program is about to read this memory.
    unsafe { check_access(addr.cast(), size, AccessType::READ) }
}

/// A plain write of `size` bytes.
///
/// # Safety
/// Called by compiler instrumentation right before the access.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_write_range(addr: *mut c_void, size: usize) {
    // SAFETY: the program is about to write this memory.
    unsafe { check_access(addr.cast(), size, AccessType::WRITE) }
}

/// libtsan's `__tsan_read_range` with an explicit pc (ignored).
///
/// # Safety
/// As `__tsan_read_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_read_range_pc(addr: *mut c_void, size: usize, _pc: *mut c_void) {
    // SAFETY: the program is about to read this memory.
    unsafe { check_access(addr.cast(), size, AccessType::READ) }
}

/// libtsan's `__tsan_write_range` with an explicit pc (ignored).
///
/// # Safety
/// As `__tsan_write_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_write_range_pc(addr: *mut c_void, size: usize, _pc: *mut c_void) {
    // SAFETY: the program is about to write this memory.
    unsafe { check_access(addr.cast(), size, AccessType::WRITE) }
}

/// `memset` (clang): checks a write of the first `MAX_ENCODABLE_SIZE` bytes, so
/// large operations stay watchable instead of being skipped, then performs it.
///
/// # Safety
/// As `memset`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_memset(s: *mut c_void, c: c_int, n: usize) -> *mut c_void {
    // SAFETY:
    // - the caller passes memset's arguments: `s..s + n` is writable;
    // - the check reads at most that range.
    unsafe {
        check_access(s.cast(), n.min(MAX_ENCODABLE_SIZE), AccessType::WRITE);
        libc::memset(s, c, n)
    }
}

/// `memcpy` (clang): checks a write of the destination and a read of the source
/// (each truncated to `MAX_ENCODABLE_SIZE`), then copies.
///
/// # Safety
/// As `memcpy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_memcpy(d: *mut c_void, s: *const c_void, n: usize) -> *mut c_void {
    // SAFETY:
    // - the caller passes memcpy's arguments: both ranges are valid for `n` bytes;
    // - the checks read at most those ranges.
    unsafe {
        check_access(d.cast(), n.min(MAX_ENCODABLE_SIZE), AccessType::WRITE);
        check_access(s.cast(), n.min(MAX_ENCODABLE_SIZE), AccessType::READ);
        libc::memcpy(d, s, n)
    }
}

/// `memmove` (clang): as `__tsan_memcpy`, for overlapping ranges.
///
/// # Safety
/// As `memmove`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_memmove(d: *mut c_void, s: *const c_void, n: usize) -> *mut c_void {
    // SAFETY:
    // - the caller passes memmove's arguments: both ranges are valid for `n` bytes;
    // - the checks read at most those ranges.
    unsafe {
        check_access(d.cast(), n.min(MAX_ENCODABLE_SIZE), AccessType::WRITE);
        check_access(s.cast(), n.min(MAX_ENCODABLE_SIZE), AccessType::READ);
        libc::memmove(d, s, n)
    }
}

// ===== Functions, vtables, ignores, init =====

/// Function entry. KCSAN needs it only to scope its weak-memory model: the
/// pending reordered access lives until the function that made it returns.
/// Compilers emit it only when asked (`KCSAN_WEAK_MEMORY=1 kcsan cc`); the
/// hook itself is one thread-local increment.
#[unsafe(no_mangle)]
pub extern "C" fn __tsan_func_entry(_call_pc: *mut c_void) {
    kcsan_core::weak_memory::func_entry();
}

/// Function exit: retires (after one last check) the pending reordered access
/// if its function returns; see `__tsan_func_entry`.
#[unsafe(no_mangle)]
pub extern "C" fn __tsan_func_exit() {
    kcsan_core::weak_memory::func_exit();
}

/// A C++ constructor or destructor stores an object's vtable pointer. As in
/// ThreadSanitizer, only a store that changes the pointer is a write: re-storing
/// the same vtable (destructor chains) is not a race.
///
/// # Safety
/// Called by compiler instrumentation right before the store; `vptr_p` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_vptr_update(vptr_p: *mut *mut c_void, new_val: *mut c_void) {
    // SAFETY: the program is about to store through `vptr_p`, so it is valid
    // for reads of a pointer.
    unsafe {
        if core::ptr::read_volatile(vptr_p) != new_val {
            check_access(vptr_p.cast(), size_of::<*mut c_void>(), AccessType::WRITE);
        }
    }
}

/// A virtual call reads an object's vtable pointer: a plain read.
///
/// # Safety
/// Called by compiler instrumentation right before the load.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __tsan_vptr_read(vptr_p: *mut *mut c_void) {
    // SAFETY: the program is about to read through `vptr_p`.
    unsafe { check_access(vptr_p.cast(), size_of::<*mut c_void>(), AccessType::READ) }
}

/// Stops checking this thread (emitted for functions that must not be checked).
#[unsafe(no_mangle)]
pub extern "C" fn __tsan_ignore_thread_begin() {
    kcsan_core::annotate::disable_current();
}

/// Undoes `__tsan_ignore_thread_begin`.
#[unsafe(no_mangle)]
pub extern "C" fn __tsan_ignore_thread_end() {
    kcsan_core::annotate::enable_current_nowarn();
}

/// Called by every instrumented translation unit's constructor (so many times;
/// hooks may also run before it). Initialises the runtime once: parses
/// `KCSAN_OPTIONS`, so a bad option stops the program before `main`.
#[unsafe(no_mangle)]
pub extern "C" fn __tsan_init() {
    kcsan_core::runtime::ensure_init();
}

// ===== Happens-before annotations =====

/// Defines ThreadSanitizer's synchronization annotations as no-ops. Programs
/// and libraries built for TSan call them to describe synchronization TSan
/// cannot see; KCSAN does not track happens-before, so it needs no such
/// description, and accepting the calls keeps those programs linking.
macro_rules! happens_before_annotations {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[doc = concat!("ThreadSanitizer's `", stringify!($name), "`: nothing to do without happens-before tracking.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $name($($arg: $ty),*) {
            $(let _ = $arg;)*
        }
    )*};
}

happens_before_annotations! {
    __tsan_acquire(addr: *mut c_void);
    __tsan_release(addr: *mut c_void);
    __tsan_mutex_create(addr: *mut c_void, flags: u32);
    __tsan_mutex_destroy(addr: *mut c_void, flags: u32);
    __tsan_mutex_pre_lock(addr: *mut c_void, flags: u32);
    __tsan_mutex_post_lock(addr: *mut c_void, flags: u32, recursion: c_int);
    __tsan_mutex_pre_unlock(addr: *mut c_void, flags: u32);
    __tsan_mutex_post_unlock(addr: *mut c_void, flags: u32);
    __tsan_mutex_pre_signal(addr: *mut c_void, flags: u32);
    __tsan_mutex_post_signal(addr: *mut c_void, flags: u32);
    __tsan_mutex_pre_divert(addr: *mut c_void, flags: u32);
    __tsan_mutex_post_divert(addr: *mut c_void, flags: u32);
}
