//! The plain and volatile access entry points of the ThreadSanitizer ABI
//! (`__tsan_read8`, `__tsan_unaligned_write4`, `__tsan_volatile_read2`, ...):
//! the hooks of almost every instrumented access, and so the fast path.
//!
//! They are a crate of their own for the LTO route (ARCHITECTURE.md "The LTO
//! route"): kcsan-cli's build.rs compiles this crate once more as LLVM
//! bitcode whose functions carry `sanitize_thread` and `alwaysinline`, and
//! the linker's LTO inlines them into the instrumented program. Because the
//! crate holds these entry points and nothing else (no allocator, no
//! interposers, no other hook), its bitcode can stand in for its native
//! object in any link, C or Rust: everything it calls (the rare paths, the
//! watchpoint table, the thread's fast block) is `kcsan_core`'s, from the
//! runtime archive built alongside.
//!
//! Every entry point is a one-line forward into `kcsan_core::check_access`,
//! which is `#[inline(always)]`, so each symbol is the whole fast path.
//! Unaligned variants are aliases of the aligned ones (the engine handles
//! both), as in the kernel. The `_pc` variants exist in libtsan's ABI; no
//! compiler we support emits them, but they cost nothing and keep
//! hand-written callers linking. kcsan-rt links this crate into the runtime
//! and adds every other entry point.

use core::ffi::c_void;

use kcsan_core::{AccessType, check_access};

/// Checks a marked access unless `ignore_atomics` is set, in which case marked
/// accesses make no further runtime call (as in the kernel).
///
/// # Safety
/// As [`kcsan_core::check_access`].
#[inline(always)]
pub unsafe fn check_marked(ptr: *const u8, size: usize, ty: AccessType) {
    // The Rust API's `read_once`/`write_once` and atomics check their access
    // explicitly (with the caller's location) before the instrumented
    // operation runs: that one is the same access.
    if kcsan_core::take_checked(ptr as usize) {
        return;
    }
    if !kcsan_core::ignore_atomics() {
        // SAFETY: forwarded from the caller.
        unsafe { check_access(ptr, size, ty.with(AccessType::ATOMIC)) };
    }
}

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
