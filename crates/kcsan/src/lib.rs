//! KCSAN for Rust: annotations, checked `UnsafeCell` and atomics, and a
//! harness for race tests.
//!
//! # Background
//!
//! KCSAN, the Linux kernel's Concurrency Sanitizer, finds data races by
//! sampling: now and then it turns an access into a *watchpoint*, stalls the
//! thread for a few microseconds, and reports any other thread that touches
//! the same memory meanwhile (or a value that changed under it), with both
//! threads' stacks. There is no happens-before analysis: a report means two
//! accesses really overlapped in time, at least one of them *plain* (not
//! atomic) and at least one a write. The kcsan project runs that algorithm in
//! user space; this crate is its Rust face.
//!
//! Checking is a build mode: with `--cfg kcsan` (which `cargo kcsan` sets)
//! the types and macros here call the kcsan runtime; without it every type is
//! std's, wrapped transparently, and every macro expands to nothing (the
//! `cfg(loom)` convention). A crate can depend on `kcsan` unconditionally.
//!
//! # Quick start
//!
//! Any crate, without changes: `cargo kcsan test` builds the workspace's
//! crates with the compiler's ThreadSanitizer instrumentation (on stable
//! Rust), links the kcsan runtime, and runs the tests. Plain accesses in your
//! code (raw pointers, `static mut`, `UnsafeCell`) and atomics are checked;
//! std itself is not instrumented. A race prints a report like this and the
//! test binary exits with status 66:
//!
//! ```text
//! BUG: KCSAN: data-race in racy::bump / racy::bump
//!
//! read-write to 0x000055e0c8c2bdf0 of 8 bytes by task 7574 on cpu 0:
//!  racy::bump+0x12/0x1d src/lib.rs:9
//!  ...
//! ```
//!
//! To make races visible even in crates built without the instrumentation,
//! and to state what should never race, use this crate:
//!
//! ```
//! use kcsan::cell::UnsafeCell;                 // was: loom's or std's
//! use kcsan::sync::atomic::{AtomicU64, Ordering}; // was: std::sync::atomic
//!
//! struct Counter { hits: UnsafeCell<u64>, total: AtomicU64 }
//!
//! impl Counter {
//!     fn bump(&self) {
//!         // A plain read-modify-write: checked as a plain write.
//!         // SAFETY: callers serialise bump() (a race if they do not).
//!         self.hits.with_mut(|p| unsafe { *p += 1 });
//!         // Marked: never a data race with other atomics.
//!         self.total.fetch_add(1, Ordering::Relaxed);
//!     }
//! }
//! # let c = Counter { hits: UnsafeCell::new(0), total: AtomicU64::new(0) };
//! # c.bump();
//! ```
//!
//! `Cargo.toml`: `kcsan = { path = ".../kcsan/crates/kcsan" }`.
//!
//! # Annotations
//!
//! | kernel | here |
//! |---|---|
//! | `data_race(expr)` | [`data_race!`] |
//! | `READ_ONCE` / `WRITE_ONCE` | [`read_once`] / [`write_once`] |
//! | `ASSERT_EXCLUSIVE_WRITER(var)` | [`assert_exclusive_writer!`], [`assert_exclusive_writer_scoped!`] |
//! | `ASSERT_EXCLUSIVE_ACCESS(var)` | [`assert_exclusive_access!`], [`assert_exclusive_access_scoped!`] |
//! | `ASSERT_EXCLUSIVE_BITS(var, mask)` | [`assert_exclusive_bits!`] |
//! | `kcsan_disable_current()` / `kcsan_enable_current()` | [`disable_current`] (a guard) |
//! | `kcsan_nestable_atomic_begin/end()` | [`nestable_atomic`] (a guard) |
//! | `kcsan_flat_atomic_begin/end()` | [`flat_atomic`] (a guard) |
//! | `kcsan_atomic_next(n)` | [`atomic_next`] |
//! | `kcsan_set_access_mask(mask)` | [`set_access_mask`] |
//! | `kcsan_check_access(ptr, size, type)` | [`check_access`] |
//! | `mb()`, `wmb()`, `rmb()`, `smp_store_release()` | [`mb`], [`wmb`], [`rmb`], [`release`] |
//!
//! A *marked* access is an atomic operation, a [`read_once`]/[`write_once`],
//! or any access inside an atomic region; marked accesses never race with
//! each other. Checked types: [`cell::UnsafeCell`] (plain accesses, loom's
//! `with`/`with_mut` API) and [`sync::atomic`] (marked accesses, std's API).
//!
//! # Configuration
//!
//! The runtime reads `KCSAN_OPTIONS` (`name=value:name=value`) at start-up;
//! GUIDE.md lists every option (`kcsan flags` prints them). The useful ones
//! for tests: `report_once_in_ms=0` (report a race again even if it was
//! reported a moment ago), `skip_watch=N` (watch every N-th access; smaller
//! finds more, costs more), `udelay_task=µs` (the stall), `exitcode=N`.
//! A program can also define its defaults:
//!
//! ```no_run
//! #[unsafe(no_mangle)]
//! extern "C" fn __kcsan_default_options() -> *const core::ffi::c_char {
//!     c"report_once_in_ms=0".as_ptr()
//! }
//! ```
//!
//! # Reading reports
//!
//! The title names the two functions (sorted); then come each access (type,
//! address, size, thread id, cpu) and its stack, innermost frame first, as
//! demangled Rust paths with `file:line` (cargo kcsan adds line tables to the
//! instrumented crates); the runtime's frames and std's thread-start frames
//! are left out. `(marked)` after an access type means an atomic;
//! `race at unknown origin` means the value changed during the stall but the
//! other thread's access was not seen: it was in an uninstrumented crate or in
//! std's precompiled code, or it was instrumented and checked just before the
//! watch began (lazy initialisation); the line `watched again ...` under it
//! says which is likelier. The thread's name comes from `thread::Builder::name`; the kernel
//! keeps 15 bytes of it, and a name cut there is completed from the test
//! names (under `cargo kcsan test`) or the thread's stack. GUIDE.md's "Reading reports" chapter explains every line.
//!
//! # Tests that assert on races
//!
//! The [`test`](mod@test) module is the kernel's kcsan_test harness as a library: run
//! closures on N threads until a matching report arrives (or a deadline
//! passes), with reports captured as values, and assert that a race is, or
//! is never, detected.
//!
//! # In CI
//!
//! A report makes the program exit with status 66 (KCSAN's `exitcode`
//! option; 0 keeps the program's own status), so `cargo kcsan test` fails
//! the job like a failing test, and the lines after each test binary name
//! the tests whose code raced. A GitHub-style workflow step:
//!
//! ```yaml
//! - name: data races (kcsan)
//!   run: |
//!     cargo install --locked --git https://example.invalid/kcsan kcsan-cli cargo-kcsan
//!     mkdir -p kcsan-logs
//!     KCSAN_OPTIONS=report_format=json:log_path=$PWD/kcsan-logs/race \
//!       cargo kcsan test --release
//! - name: race summary
//!   if: failure()
//!   run: kcsan triage --json kcsan-logs/race.* > kcsan-races.jsonl
//! ```
//!
//! - `report_format=json` writes one JSON object per report (JSON Lines;
//!   GUIDE.md has the schema); `log_path=P` puts each process's reports in
//!   `P.<pid>`, apart from the test harness's own output. A JUnit converter
//!   can read those files, or `kcsan triage --json`'s output: one object per
//!   distinct race (title, both stacks, count), then a summary.
//! - Races are found by sampling: a job that passes has not proven there are
//!   none. Run the suite more than once in nightly jobs (`kcsan hunt` tunes
//!   the options for repeated runs), and keep a known race out of the way
//!   with a suppressions file (`KCSAN_OPTIONS=suppressions=FILE`) rather than
//!   by turning kcsan off.
//! - `cargo kcsan test --release --lto` (clang-22 and lld on the runner)
//!   makes the checks cheaper in long jobs.
//!
//! # Limitations
//!
//! - Detection is probabilistic: a race is found when the two accesses meet
//!   during a stall. Tests loop until a match or a deadline.
//! - std is not instrumented (cargo kcsan instruments your crates): a race
//!   between your plain write and a read inside std is seen from your side
//!   only (as a value change, if at all).
//! - The barriers are plain fences: the runtime does not model weak-memory
//!   reordering.
//!
//! # Implementation notes
//!
//! Under `cfg(kcsan)` the crate calls the runtime's C ABI
//! (`__kcsan_check_access`, `kcsan_*`; `include/kcsan.h`) through
//! `extern "C"`; it never depends on the runtime crates, which are built
//! separately and never instrumented. Its own frames are removed from
//! reports by name (`kcsan::`), like the runtime's.

#![warn(missing_docs)]

mod macros;
mod sys;

pub mod cell;
pub mod sync;
pub mod test;

use core::marker::PhantomData;

/// Access type bit: a write (absent: a read). `KCSAN_ACCESS_WRITE`.
pub const ACCESS_WRITE: u32 = 1 << 0;
/// Access type bit: a read-modify-write (with [`ACCESS_WRITE`]). `KCSAN_ACCESS_COMPOUND`.
pub const ACCESS_COMPOUND: u32 = 1 << 1;
/// Access type bit: a marked access. `KCSAN_ACCESS_ATOMIC`.
pub const ACCESS_ATOMIC: u32 = 1 << 2;
/// Access type bit: an assertion, not a real access. `KCSAN_ACCESS_ASSERT`.
pub const ACCESS_ASSERT: u32 = 1 << 3;
/// Access type bit: a scoped access. `KCSAN_ACCESS_SCOPED`.
pub const ACCESS_SCOPED: u32 = 1 << 4;

/// Whether this build checks (`--cfg kcsan`, as `cargo kcsan` sets).
pub const ENABLED: bool = cfg!(kcsan);

/// Checks an access the instrumentation cannot see (the kernel's
/// `kcsan_check_access`): `size` bytes at `ptr`, of type `ty`
/// (`ACCESS_*` bits).
///
/// # Safety
/// `ptr..ptr + size` must be readable: the runtime reads it to detect a
/// value change.
#[inline]
#[track_caller]
pub unsafe fn check_access(ptr: *const u8, size: usize, ty: u32) {
    sys::check(ptr, size, ty);
}

/// Reads a value as a *marked* access (the kernel's `READ_ONCE`): a
/// volatile read, checked as an atomic one.
///
/// # Examples
///
/// ```
/// let x = 5u32;
/// // SAFETY: `x` is live and aligned.
/// assert_eq!(unsafe { kcsan::read_once(&x) }, 5);
/// ```
///
/// # Safety
/// As for [`core::ptr::read_volatile`]: `src` is valid for reads and aligned.
#[inline]
#[track_caller]
pub unsafe fn read_once<T: Copy>(src: *const T) -> T {
    sys::check(src.cast(), core::mem::size_of::<T>(), ACCESS_ATOMIC);
    // SAFETY: forwarded to the caller.
    unsafe { core::ptr::read_volatile(src) }
}

/// Writes a value as a *marked* access (the kernel's `WRITE_ONCE`): a
/// volatile write, checked as an atomic one.
///
/// # Examples
///
/// ```
/// let mut x = 5u32;
/// // SAFETY: `x` is live and aligned.
/// unsafe { kcsan::write_once(&mut x, 6) };
/// assert_eq!(x, 6);
/// ```
///
/// # Safety
/// As for [`core::ptr::write_volatile`]: `dst` is valid for writes and aligned.
#[inline]
#[track_caller]
pub unsafe fn write_once<T>(dst: *mut T, value: T) {
    sys::check(
        dst.cast_const().cast(),
        core::mem::size_of::<T>(),
        ACCESS_ATOMIC | ACCESS_WRITE,
    );
    // SAFETY: forwarded to the caller.
    unsafe { core::ptr::write_volatile(dst, value) }
}

/// A guard that turns checking off for the current thread until dropped
/// (from [`disable_current`]). Guards nest.
#[must_use = "checking is enabled again when the guard is dropped"]
#[derive(Debug)]
pub struct DisableGuard {
    /// The effect is per thread: the guard must stay on it.
    _not_send: PhantomData<*const ()>,
}

/// Stops checking on the current thread while the returned guard lives (the
/// kernel's `kcsan_disable_current`/`kcsan_enable_current`).
///
/// # Examples
///
/// ```
/// let _off = kcsan::disable_current();
/// // accesses of this thread are not checked here
/// ```
#[inline]
pub fn disable_current() -> DisableGuard {
    sys::disable_current();
    DisableGuard {
        _not_send: PhantomData,
    }
}

impl Drop for DisableGuard {
    #[inline]
    fn drop(&mut self) {
        sys::enable_current();
    }
}

/// A nestable atomic region (from [`nestable_atomic`]).
#[must_use = "the region ends when the guard is dropped"]
#[derive(Debug)]
pub struct NestableAtomicGuard {
    _not_send: PhantomData<*const ()>,
}

/// Treats this thread's plain accesses as marked while the guard lives (the
/// kernel's `kcsan_nestable_atomic_begin/end`); regions nest. For code that
/// is atomic by construction but not written with atomics (a seqlock reader's
/// retried reads, for example).
///
/// # Examples
///
/// ```
/// let _atomic = kcsan::nestable_atomic();
/// // plain accesses here count as marked
/// ```
#[inline]
pub fn nestable_atomic() -> NestableAtomicGuard {
    sys::nestable_atomic_begin();
    NestableAtomicGuard {
        _not_send: PhantomData,
    }
}

impl Drop for NestableAtomicGuard {
    #[inline]
    fn drop(&mut self) {
        sys::nestable_atomic_end();
    }
}

/// The flat atomic region (from [`flat_atomic`]).
#[must_use = "the region ends when the guard is dropped"]
#[derive(Debug)]
pub struct FlatAtomicGuard {
    _not_send: PhantomData<*const ()>,
}

/// As [`nestable_atomic`], but flat (the kernel's
/// `kcsan_flat_atomic_begin/end`): a region opened inside another flat region
/// ends both when it is dropped.
#[inline]
pub fn flat_atomic() -> FlatAtomicGuard {
    sys::flat_atomic_begin();
    FlatAtomicGuard {
        _not_send: PhantomData,
    }
}

impl Drop for FlatAtomicGuard {
    #[inline]
    fn drop(&mut self) {
        sys::flat_atomic_end();
    }
}

/// Treats this thread's next `n` plain accesses as marked (the kernel's
/// `kcsan_atomic_next`; sets the count, does not add to it).
#[inline]
pub fn atomic_next(n: i32) {
    sys::atomic_next(n);
}

/// Sets this thread's access mask: only changes to these bits count as value
/// changes for its watchpoints (0: no mask). [`assert_exclusive_bits!`] uses
/// it.
#[inline]
pub fn set_access_mask(mask: u64) {
    sys::set_access_mask(mask);
}

/// A full memory barrier (the kernel's `mb()`).
#[inline]
pub fn mb() {
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}

/// A write barrier (the kernel's `wmb()`): earlier writes are ordered before
/// later ones.
#[inline]
pub fn wmb() {
    core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
}

/// A read barrier (the kernel's `rmb()`): earlier reads are ordered before
/// later ones.
#[inline]
pub fn rmb() {
    core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
}

/// A release barrier (the kernel's `smp_store_release` ordering, as a fence):
/// earlier accesses are ordered before later writes.
#[inline]
pub fn release() {
    core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
}

/// Used by the macros; not public API.
#[doc(hidden)]
pub mod __private {
    use core::marker::PhantomData;

    use crate::{ACCESS_ASSERT, ACCESS_SCOPED, sys};

    /// `data_race!`'s guard: disables checking, then re-enables it silently.
    #[derive(Debug)]
    pub struct DataRaceGuard(PhantomData<*const ()>);

    impl DataRaceGuard {
        #[inline(always)]
        #[allow(clippy::new_without_default)]
        pub fn new() -> DataRaceGuard {
            sys::disable_current();
            DataRaceGuard(PhantomData)
        }
    }

    impl Drop for DataRaceGuard {
        #[inline(always)]
        fn drop(&mut self) {
            sys::enable_current_nowarn();
        }
    }

    /// Checks the whole value at `p` (the `assert_exclusive_*!` macros).
    #[inline(always)]
    #[track_caller]
    pub fn check_place<T>(p: *const T, ty: u32) {
        sys::check(p.cast(), core::mem::size_of::<T>(), ty);
    }

    /// `assert_exclusive_bits!`: the kernel's sequence.
    #[inline(always)]
    #[track_caller]
    pub fn check_bits<T>(p: *const T, mask: u64) {
        sys::set_access_mask(mask);
        sys::check(p.cast(), core::mem::size_of::<T>(), ACCESS_ASSERT);
        sys::set_access_mask(0);
        sys::atomic_next(1);
    }

    /// The scoped assertions' guard: the access is checked when the guard
    /// is made, on every access the thread makes while it lives (the
    /// runtime's list of scoped accesses, as `ASSERT_EXCLUSIVE_*_SCOPED` in
    /// C), and when it is dropped. Neither `Send` nor `Sync`: it ends on the
    /// thread that began it.
    #[must_use = "the scoped check ends when the guard is dropped"]
    #[derive(Debug)]
    pub struct ScopedAccess<'a> {
        sa: sys::Scoped,
        _place: PhantomData<(&'a (), *const ())>,
    }

    impl<'a> ScopedAccess<'a> {
        #[inline(always)]
        pub fn new<T>(place: &'a T, ty: u32) -> ScopedAccess<'a> {
            ScopedAccess {
                sa: sys::begin_scoped(
                    (place as *const T).cast(),
                    core::mem::size_of::<T>(),
                    ty | ACCESS_SCOPED,
                ),
                _place: PhantomData,
            }
        }
    }

    impl Drop for ScopedAccess<'_> {
        #[inline(always)]
        fn drop(&mut self) {
            sys::end_scoped(&mut self.sa);
        }
    }
}
