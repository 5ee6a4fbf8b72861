//! The ThreadSanitizer instrumentation ABI, minus the atomics (`tsan_atomic.rs`):
//! plain, unaligned, volatile and compound accesses, ranges, memory intrinsics,
//! function entry/exit, vtable pointers, ignores and `__tsan_init`.
//!
//! Every entry point is a one-line forward into `kcsan_core::check_access`, which
//! is `#[inline(always)]`, so each symbol is the whole fast path. Unaligned
//! variants are aliases of the aligned ones (the engine handles both), as in the
//! kernel. The `_pc` variants exist in libtsan's ABI; no compiler we support
//! emits them, but they cost nothing and keep hand-written callers linking.
//!
//! On the LTO route (`kcsan cc -flto` with clang, ARCHITECTURE.md "The LTO
//! route") this crate is also built as LLVM bitcode whose functions carry
//! `sanitize_thread`, and the plain and volatile entry points `alwaysinline`
//! (kcsan-cli's build.rs forces both: rustc ignores `#[inline]` on exported
//! functions); the linker's LTO then inlines these fast paths into the
//! instrumented program, leaving only the rare paths as calls.

use core::ffi::{c_int, c_void};

use kcsan_core::encoding::MAX_ENCODABLE_SIZE;
use kcsan_core::{AccessType, check_access};

use crate::check_marked;

// ===== Plain accesses =====

macro_rules! plain_access {
    ($($size:literal: $read:ident $write:ident $rw:ident $uread:ident $uwrite:ident $urw:ident $read_pc:ident $write_pc:ident;)*) => {$(
        #[doc = concat!("A plain ", stringify!($size), "-byte read.")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $read(addr: *mut c_void) {
            // SAFETY: the program is about to read this memory.
            unsafe { check_access(addr.cast(), $size, AccessType::READ) }
        }

        #[doc = concat!("A plain ", stringify!($size), "-byte write.")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $write(addr: *mut c_void) {
            // SAFETY: the program is about to write this memory.
            unsafe { check_access(addr.cast(), $size, AccessType::WRITE) }
        }

        #[doc = concat!("A plain ", stringify!($size), "-byte read-modify-write (`x++`, `x |= m`).")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $rw(addr: *mut c_void) {
            // SAFETY: the program is about to read and write this memory.
            unsafe { check_access(addr.cast(), $size, AccessType::READ_WRITE) }
        }

        #[doc = concat!("An unaligned plain ", stringify!($size), "-byte read.")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $uread(addr: *mut c_void) {
            // SAFETY: the program is about to read this memory.
            unsafe { check_access(addr.cast(), $size, AccessType::READ) }
        }

        #[doc = concat!("An unaligned plain ", stringify!($size), "-byte write.")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $uwrite(addr: *mut c_void) {
            // SAFETY: the program is about to write this memory.
            unsafe { check_access(addr.cast(), $size, AccessType::WRITE) }
        }

        #[doc = concat!("An unaligned plain ", stringify!($size), "-byte read-modify-write.")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $urw(addr: *mut c_void) {
            // SAFETY: the program is about to read and write this memory.
            unsafe { check_access(addr.cast(), $size, AccessType::READ_WRITE) }
        }

        #[doc = concat!("libtsan's `", stringify!($read), "` with an explicit pc (ignored).")]
        ///
        /// # Safety
        /// As the variant without pc.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $read_pc(addr: *mut c_void, _pc: *mut c_void) {
            // SAFETY: the program is about to read this memory.
            unsafe { check_access(addr.cast(), $size, AccessType::READ) }
        }

        #[doc = concat!("libtsan's `", stringify!($write), "` with an explicit pc (ignored).")]
        ///
        /// # Safety
        /// As the variant without pc.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $write_pc(addr: *mut c_void, _pc: *mut c_void) {
            // SAFETY: the program is about to write this memory.
            unsafe { check_access(addr.cast(), $size, AccessType::WRITE) }
        }
    )*};
}

plain_access! {
    1: __tsan_read1 __tsan_write1 __tsan_read_write1 __tsan_unaligned_read1 __tsan_unaligned_write1 __tsan_unaligned_read_write1 __tsan_read1_pc __tsan_write1_pc;
    2: __tsan_read2 __tsan_write2 __tsan_read_write2 __tsan_unaligned_read2 __tsan_unaligned_write2 __tsan_unaligned_read_write2 __tsan_read2_pc __tsan_write2_pc;
    4: __tsan_read4 __tsan_write4 __tsan_read_write4 __tsan_unaligned_read4 __tsan_unaligned_write4 __tsan_unaligned_read_write4 __tsan_read4_pc __tsan_write4_pc;
    8: __tsan_read8 __tsan_write8 __tsan_read_write8 __tsan_unaligned_read8 __tsan_unaligned_write8 __tsan_unaligned_read_write8 __tsan_read8_pc __tsan_write8_pc;
    16: __tsan_read16 __tsan_write16 __tsan_read_write16 __tsan_unaligned_read16 __tsan_unaligned_write16 __tsan_unaligned_read_write16 __tsan_read16_pc __tsan_write16_pc;
}

// ===== Volatile accesses =====

/// The type of a volatile access: marked when it could be a single machine
/// access (at most 8 bytes and naturally aligned), plain otherwise. This is how
/// `READ_ONCE`/`WRITE_ONCE` and volatile variables count as marked.
#[inline(always)]
fn volatile_type(addr: *mut c_void, size: usize, write: AccessType) -> (bool, AccessType) {
    let is_atomic = size <= 8 && (addr as usize).is_multiple_of(size);
    (
        is_atomic,
        if is_atomic {
            write.with(AccessType::ATOMIC)
        } else {
            write
        },
    )
}

/// Checks a volatile access (`tsan-distinguish-volatile=1`).
///
/// # Safety
/// As `check_access`.
#[inline(always)]
unsafe fn check_volatile(addr: *mut c_void, size: usize, write: AccessType) {
    match volatile_type(addr, size, write) {
        // SAFETY: forwarded from the caller.
        (true, ty) => unsafe { check_marked(addr.cast(), size, ty) },
        // SAFETY: forwarded from the caller.
        (false, ty) => unsafe { check_access(addr.cast(), size, ty) },
    }
}

macro_rules! volatile_access {
    ($($size:literal: $read:ident $write:ident $uread:ident $uwrite:ident;)*) => {$(
        #[doc = concat!("A volatile ", stringify!($size), "-byte read (marked if aligned and at most 8 bytes).")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $read(addr: *mut c_void) {
            // SAFETY: the program is about to read this memory.
            unsafe { check_volatile(addr, $size, AccessType::READ) }
        }

        #[doc = concat!("A volatile ", stringify!($size), "-byte write (marked if aligned and at most 8 bytes).")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $write(addr: *mut c_void) {
            // SAFETY: the program is about to write this memory.
            unsafe { check_volatile(addr, $size, AccessType::WRITE) }
        }

        #[doc = concat!("An unaligned volatile ", stringify!($size), "-byte read.")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $uread(addr: *mut c_void) {
            // SAFETY: the program is about to read this memory.
            unsafe { check_volatile(addr, $size, AccessType::READ) }
        }

        #[doc = concat!("An unaligned volatile ", stringify!($size), "-byte write.")]
        ///
        /// # Safety
        /// Called by compiler instrumentation right before the access.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $uwrite(addr: *mut c_void) {
            // SAFETY: the program is about to write this memory.
            unsafe { check_volatile(addr, $size, AccessType::WRITE) }
        }
    )*};
}

volatile_access! {
    1: __tsan_volatile_read1 __tsan_volatile_write1 __tsan_unaligned_volatile_read1 __tsan_unaligned_volatile_write1;
    2: __tsan_volatile_read2 __tsan_volatile_write2 __tsan_unaligned_volatile_read2 __tsan_unaligned_volatile_write2;
    4: __tsan_volatile_read4 __tsan_volatile_write4 __tsan_unaligned_volatile_read4 __tsan_unaligned_volatile_write4;
    8: __tsan_volatile_read8 __tsan_volatile_write8 __tsan_unaligned_volatile_read8 __tsan_unaligned_volatile_write8;
    16: __tsan_volatile_read16 __tsan_volatile_write16 __tsan_unaligned_volatile_read16 __tsan_unaligned_volatile_write16;
}

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
