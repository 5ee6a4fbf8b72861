//! The atomic half of the compiler ABI: `__tsan_atomic{8,16,32,64,128}_*` and
//! the two fences, which gcc, clang and rustc emit for every `__atomic_*`,
//! `__sync_*`, `<stdatomic.h>` and `core::sync::atomic` operation in an
//! instrumented program (kcsan.rst "Data Races": atomic accesses are *marked*).
//!
//! Unlike the plain-access hooks in `tsan.rs`, these are not notifications: the
//! compiler *replaces* the atomic instruction with the call, so each entry point
//! is a hook "whose job is to also execute the operation itself". Each one
//!
//! 1. checks the access as marked ([`check_marked`]: never sets a watchpoint,
//!    but is seen by one, and skipped entirely under `ignore_atomics`), and then
//! 2. performs the real operation with the requested memory order and returns
//!    exactly what the compiler builtin would have returned.
//!
//! Read-modify-writes and all three compare-exchange forms are checked as a
//! marked read-write *before* the operation, even when a CAS then fails
//! (kernel-kcsan.md §1.4: checking after a successful CAS could produce false
//! positives, e.g. when another thread legitimately writes the data after
//! seeing the flag).
//!
//! The 8- to 64-bit operations go through `core::sync::atomic::AtomicUN::from_ptr`;
//! the 128-bit ones through the `cmpxchg16b` instruction, as libatomic's
//! lock-free implementation does, so they interoperate with uninstrumented code.

use core::ffi::c_int;
use core::sync::atomic::Ordering::{self, AcqRel, Acquire, Relaxed, Release, SeqCst};
use core::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, compiler_fence, fence};

use kcsan_core::AccessType;

use crate::check_marked;

// ===== Memory orders =====

/// The bits of a memory-order argument that hold the C11 order. gcc ORs flags
/// above them into some arguments (`MEMMODEL_SYNC`, bit 15, for `__sync_*`; the
/// HLE hints, bits 16 and 17), which say nothing about ordering.
const MO_MASK: c_int = 0x7fff;

/// Maps a C memory-order argument (0 = relaxed, 1 = consume, 2 = acquire,
/// 3 = release, 4 = acq_rel, 5 = seq_cst) to an [`Ordering`].
///
/// Consume becomes `Acquire` (as in every compiler); unknown values become
/// `SeqCst`, the order that can never be too weak.
#[inline(always)]
fn order(mo: c_int) -> Ordering {
    match mo & MO_MASK {
        0 => Relaxed,
        1 | 2 => Acquire,
        3 => Release,
        4 => AcqRel,
        _ => SeqCst,
    }
}

/// [`order`] for a load, which cannot release: C leaves a release load
/// undefined, so keep only the acquire half (`Release` → `Relaxed`,
/// `AcqRel` → `Acquire`).
#[inline(always)]
fn load_order(mo: c_int) -> Ordering {
    match order(mo) {
        Release => Relaxed,
        AcqRel => Acquire,
        o => o,
    }
}

/// [`order`] for a store, which cannot acquire: keep only the release half
/// (`Acquire` → `Relaxed`, `AcqRel` → `Release`).
#[inline(always)]
fn store_order(mo: c_int) -> Ordering {
    match order(mo) {
        Acquire => Relaxed,
        AcqRel => Release,
        o => o,
    }
}

/// [`order`] for the failure path of a compare-exchange, which is a load:
/// the same mapping as [`load_order`]. Since Rust 1.64 it may be stronger than
/// the success order, as C11 has always allowed.
#[inline(always)]
fn failure_order(mo: c_int) -> Ordering {
    load_order(mo)
}

// ===== Primitive operations per width =====

/// An integer type on which the runtime performs atomic operations through a
/// raw pointer.
///
/// # Safety
/// For every method: `a` must be valid for reads and writes of `Self`, aligned
/// to `size_of::<Self>()`, and not accessed non-atomically by another thread
/// during the call. Orders must be legal for the operation (as for
/// `core::sync::atomic`).
trait AtomicInt: Copy + Eq {
    /// Atomic load.
    unsafe fn load(a: *const Self, o: Ordering) -> Self;
    /// Atomic store.
    unsafe fn store(a: *mut Self, v: Self, o: Ordering);
    /// Atomic exchange; returns the old value.
    unsafe fn swap(a: *mut Self, v: Self, o: Ordering) -> Self;
    /// Wrapping add; returns the old value.
    unsafe fn fetch_add(a: *mut Self, v: Self, o: Ordering) -> Self;
    /// Wrapping subtract; returns the old value.
    unsafe fn fetch_sub(a: *mut Self, v: Self, o: Ordering) -> Self;
    /// Bitwise and; returns the old value.
    unsafe fn fetch_and(a: *mut Self, v: Self, o: Ordering) -> Self;
    /// Bitwise or; returns the old value.
    unsafe fn fetch_or(a: *mut Self, v: Self, o: Ordering) -> Self;
    /// Bitwise xor; returns the old value.
    unsafe fn fetch_xor(a: *mut Self, v: Self, o: Ordering) -> Self;
    /// Bitwise nand (`!(old & v)`); returns the old value.
    unsafe fn fetch_nand(a: *mut Self, v: Self, o: Ordering) -> Self;
    /// Strong compare-exchange: `Ok(old)` if `*a == c` and `v` was stored,
    /// else `Err(current)`.
    unsafe fn compare_exchange(a: *mut Self, c: Self, v: Self, s: Ordering, f: Ordering) -> Result<Self, Self>;
    /// As [`AtomicInt::compare_exchange`], but may fail spuriously.
    unsafe fn compare_exchange_weak(a: *mut Self, c: Self, v: Self, s: Ordering, f: Ordering) -> Result<Self, Self>;
}

/// Implements [`AtomicInt`] for `$t` by viewing the pointer as a `$atomic`.
macro_rules! impl_atomic_int {
    ($t:ty, $atomic:ident) => {
        impl $atomic_int_for_docs {}
    };
}
