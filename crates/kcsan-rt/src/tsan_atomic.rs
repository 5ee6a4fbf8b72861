//! The atomic half of the compiler ABI: `__tsan_atomic{8,16,32,64,128}_*` and
//! the two fences, which gcc, clang and rustc emit for every `__atomic_*`,
//! `__sync_*`, `<stdatomic.h>` and `core::sync::atomic` operation in an
//! instrumented program (kcsan.rst "Data Races": atomic accesses are *marked*).
//!
//! Unlike the plain-access hooks in `tsan.rs`, these are not notifications: the
//! compiler *replaces* the atomic instruction with the call, so each entry point
//! is a hook "whose job is to also execute the operation itself". Each one
//!
//! 1. checks the access as marked (`check_marked`: never sets a watchpoint,
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
//! the 128-bit ones through the `lock cmpxchg16b` instruction, as libatomic's
//! lock-free implementation does, so they interoperate with uninstrumented code.
//!
//! Before either, an operation with a release, acq_rel or seq_cst order
//! retires the thread's pending reordered access (weak memory,
//! kernel-kcsan.md §1.4 step 1; `kcsan_core::weak`).

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

// ===== The orders the operations are performed with =====
//
// On x86-64 the memory order changes no instruction but a store's: every
// load is a `mov`, every read-modify-write a locked instruction (`lock xadd`,
// `lock cmpxchg`, `xchg`), which is sequentially consistent whatever the
// program asked for, and a store is a `mov` unless it is seq_cst (`xchg`).
// Passing the program's order through anyway made LLVM dispatch on it at run
// time between identical instructions: a jump table in every read-modify-write
// hook, and an out-of-line `core::sync::atomic::atomic_compare_exchange` with
// two jump tables behind every compare-exchange (about 20 instructions of the
// 62 of `__tsan_atomic32_compare_exchange_val`, which every `Mutex::lock` of a
// Rust program calls; issue 12). So on x86-64 these ask for the order the
// hardware gives anyway, which is never weaker than the program's; elsewhere
// they pass the program's order. The weak-memory model still sees the
// program's order (`atomic_memorder`).

/// The order a load is performed with: see above.
#[inline(always)]
fn exec_load_order(mo: c_int) -> Ordering {
    if cfg!(target_arch = "x86_64") {
        SeqCst
    } else {
        load_order(mo)
    }
}

/// The order a store is performed with: see above. On x86-64 a seq_cst store
/// (or an unknown order, taken as seq_cst) stays one; any other is a plain
/// `mov`, which is what a release store is.
#[inline(always)]
fn exec_store_order(mo: c_int) -> Ordering {
    if cfg!(target_arch = "x86_64") {
        match store_order(mo) {
            SeqCst => SeqCst,
            _ => Release,
        }
    } else {
        store_order(mo)
    }
}

/// The order a read-modify-write is performed with: see above.
#[inline(always)]
fn exec_rmw_order(mo: c_int) -> Ordering {
    if cfg!(target_arch = "x86_64") {
        SeqCst
    } else {
        order(mo)
    }
}

/// The success and failure orders a compare-exchange is performed with: see
/// above.
#[inline(always)]
fn exec_cas_orders(mo: c_int, fail_mo: c_int) -> (Ordering, Ordering) {
    if cfg!(target_arch = "x86_64") {
        (SeqCst, SeqCst)
    } else {
        (order(mo), failure_order(fail_mo))
    }
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
    unsafe fn exchange(a: *mut Self, v: Self, o: Ordering) -> Self;
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
    unsafe fn compare_exchange(
        a: *mut Self,
        c: Self,
        v: Self,
        s: Ordering,
        f: Ordering,
    ) -> Result<Self, Self>;
    /// As [`AtomicInt::compare_exchange`], but may fail spuriously.
    unsafe fn compare_exchange_weak(
        a: *mut Self,
        c: Self,
        v: Self,
        s: Ordering,
        f: Ordering,
    ) -> Result<Self, Self>;
}

/// Implements [`AtomicInt`] for `$t` by viewing the pointer as a `$atomic`.
macro_rules! impl_atomic_int {
    ($t:ty, $atomic:ident) => {
        impl_atomic_int!(@impl $t, $atomic, {
            // `AtomicInt` method => `$atomic` method
            exchange => swap,
            fetch_add => fetch_add,
            fetch_sub => fetch_sub,
            fetch_and => fetch_and,
            fetch_or => fetch_or,
            fetch_xor => fetch_xor,
            fetch_nand => fetch_nand,
        });
    };
    (@impl $t:ty, $atomic:ident, { $( $rmw:ident => $method:ident, )+ }) => {
        impl AtomicInt for $t {
            #[inline(always)]
            unsafe fn load(a: *const $t, o: Ordering) -> $t {
                // SAFETY:
                // - `a` is valid, aligned and only accessed atomically during the
                //   call (trait contract), which is what `from_ptr` requires;
                // - the `*mut` is only read through.
                unsafe { $atomic::from_ptr(a.cast_mut()) }.load(o)
            }

            #[inline(always)]
            unsafe fn store(a: *mut $t, v: $t, o: Ordering) {
                // SAFETY:
                // - `a` is valid, aligned and only accessed atomically during the
                //   call (trait contract), which is what `from_ptr` requires.
                unsafe { $atomic::from_ptr(a) }.store(v, o)
            }

            $(
                #[inline(always)]
                unsafe fn $rmw(a: *mut $t, v: $t, o: Ordering) -> $t {
                    // SAFETY:
                    // - `a` is valid, aligned and only accessed atomically during
                    //   the call (trait contract), which is what `from_ptr` requires.
                    unsafe { $atomic::from_ptr(a) }.$method(v, o)
                }
            )+

            #[inline(always)]
            unsafe fn compare_exchange(a: *mut $t, c: $t, v: $t, s: Ordering, f: Ordering) -> Result<$t, $t> {
                // SAFETY:
                // - `a` is valid, aligned and only accessed atomically during the
                //   call (trait contract), which is what `from_ptr` requires.
                unsafe { $atomic::from_ptr(a) }.compare_exchange(c, v, s, f)
            }

            #[inline(always)]
            unsafe fn compare_exchange_weak(a: *mut $t, c: $t, v: $t, s: Ordering, f: Ordering) -> Result<$t, $t> {
                // SAFETY:
                // - `a` is valid, aligned and only accessed atomically during the
                //   call (trait contract), which is what `from_ptr` requires.
                unsafe { $atomic::from_ptr(a) }.compare_exchange_weak(c, v, s, f)
            }
        }
    };
}

impl_atomic_int!(u8, AtomicU8);
impl_atomic_int!(u16, AtomicU16);
impl_atomic_int!(u32, AtomicU32);
impl_atomic_int!(u64, AtomicU64);

/// 128-bit atomics through `lock cmpxchg16b`. Rust has no stable
/// `AtomicU128`; this is how libatomic implements lock-free 16-byte atomics on
/// x86-64, so our operations and the uninstrumented code's `__atomic_*_16`
/// calls are atomic with respect to each other.
///
/// The instruction is issued with inline assembly rather than
/// `core::arch::x86_64::cmpxchg16b`: that intrinsic only becomes the
/// instruction inside a function compiled with the `cmpxchg16b` target feature,
/// and rustc 1.95 inlined such functions (even `#[inline(never)]` ones) into
/// our featureless callers, where LLVM then lowered the CAS to a call to
/// libatomic's `__atomic_compare_exchange_16`, which programs do not link.
///
/// Memory orders: a locked x86 instruction is sequentially consistent, and an
/// `asm!` block without `nomem` is a compiler barrier, so every order the
/// program asks for is met (at the cost of always paying for `SeqCst`, as on
/// the 8- to 64-bit read-modify-writes).
#[cfg(target_arch = "x86_64")]
mod atomic128 {
    use core::arch::asm;
    use core::sync::atomic::Ordering;

    use super::AtomicInt;

    /// Aborts with a `kcsan: ` line unless the CPU has `cmpxchg16b` (every
    /// x86-64 CPU of the last 15 years has; the x86-64 baseline does not
    /// promise it). std caches the CPUID answer after the first call, so this
    /// is a load and a test.
    #[inline(always)]
    fn require_cmpxchg16b() {
        if !std::arch::is_x86_feature_detected!("cmpxchg16b") {
            die_without_cmpxchg16b();
        }
    }

    /// The hard error behind [`require_cmpxchg16b`].
    #[cold]
    #[inline(never)]
    fn die_without_cmpxchg16b() -> ! {
        use std::io::Write;
        // Nothing useful can be done if stderr is gone; abort regardless.
        let _ = std::io::stderr().write_all(
            b"kcsan: 16-byte atomics need the cmpxchg16b instruction, which this CPU lacks\n",
        );
        std::process::abort();
    }

    /// One `lock cmpxchg16b`: stores `v` if `*a == c`; returns the old value.
    ///
    /// # Safety
    /// `a` must be valid for reads and writes, 16-byte aligned, and only
    /// accessed atomically during the call.
    #[inline(always)]
    unsafe fn cas(a: *mut u128, c: u128, v: u128) -> u128 {
        require_cmpxchg16b();
        let (prev_lo, prev_hi): (u64, u64);
        // SAFETY:
        // - the CPU has cmpxchg16b (checked just above);
        // - `a` is valid for reads and writes, 16-byte aligned (the instruction
        //   faults otherwise) and only accessed atomically (our contract);
        // - rbx cannot be an `asm!` operand (LLVM may use it as its base
        //   pointer), so the low half of `v` is swapped into it and rbx's own
        //   value restored afterwards. Every operand has a fixed register, so
        //   none can be allocated to rbx and be overwritten by the swap;
        // - no stack use; flags are clobbered, which `asm!` assumes by default.
        unsafe {
            asm!(
                "xchg rsi, rbx",
                "lock cmpxchg16b xmmword ptr [rdi]",
                "mov rbx, rsi",
                in("rdi") a,
                inout("rsi") v as u64 => _,
                in("rcx") (v >> 64) as u64,
                inout("rax") c as u64 => prev_lo,
                inout("rdx") (c >> 64) as u64 => prev_hi,
                options(nostack),
            );
        }
        (u128::from(prev_hi) << 64) | u128::from(prev_lo)
    }

    /// A read-modify-write as a CAS loop: replaces the value `x` by `f(x)` and
    /// returns `x`.
    ///
    /// # Safety
    /// As [`cas`].
    #[inline(always)]
    unsafe fn rmw(a: *mut u128, f: impl Fn(u128) -> u128) -> u128 {
        // Start from a guess of 0 instead of a separate load: a failed CAS
        // returns the current value, so the next attempt uses the right one.
        let mut cur = 0;
        loop {
            // SAFETY: forwarded from the caller.
            let prev = unsafe { cas(a, cur, f(cur)) };
            if prev == cur {
                return prev;
            }
            cur = prev;
        }
    }

    /// The memory-order arguments are ignored: see the module comment above.
    impl AtomicInt for u128 {
        #[inline(always)]
        unsafe fn load(a: *const u128, _: Ordering) -> u128 {
            // A load is a CAS of 0 by 0: it returns the current value and
            // changes nothing. Like libatomic's `__atomic_load_16`, it therefore
            // needs writable memory (the locked instruction always writes).
            // SAFETY:
            // - `a` is valid for writes too, aligned and atomic (trait contract).
            unsafe { cas(a.cast_mut(), 0, 0) }
        }

        #[inline(always)]
        unsafe fn store(a: *mut u128, v: u128, _: Ordering) {
            // SAFETY: forwarded (trait contract).
            unsafe { rmw(a, |_| v) };
        }

        #[inline(always)]
        unsafe fn exchange(a: *mut u128, v: u128, _: Ordering) -> u128 {
            // SAFETY: forwarded (trait contract).
            unsafe { rmw(a, |_| v) }
        }

        #[inline(always)]
        unsafe fn fetch_add(a: *mut u128, v: u128, _: Ordering) -> u128 {
            // SAFETY: forwarded (trait contract).
            unsafe { rmw(a, |x| x.wrapping_add(v)) }
        }

        #[inline(always)]
        unsafe fn fetch_sub(a: *mut u128, v: u128, _: Ordering) -> u128 {
            // SAFETY: forwarded (trait contract).
            unsafe { rmw(a, |x| x.wrapping_sub(v)) }
        }

        #[inline(always)]
        unsafe fn fetch_and(a: *mut u128, v: u128, _: Ordering) -> u128 {
            // SAFETY: forwarded (trait contract).
            unsafe { rmw(a, |x| x & v) }
        }

        #[inline(always)]
        unsafe fn fetch_or(a: *mut u128, v: u128, _: Ordering) -> u128 {
            // SAFETY: forwarded (trait contract).
            unsafe { rmw(a, |x| x | v) }
        }

        #[inline(always)]
        unsafe fn fetch_xor(a: *mut u128, v: u128, _: Ordering) -> u128 {
            // SAFETY: forwarded (trait contract).
            unsafe { rmw(a, |x| x ^ v) }
        }

        #[inline(always)]
        unsafe fn fetch_nand(a: *mut u128, v: u128, _: Ordering) -> u128 {
            // SAFETY: forwarded (trait contract).
            unsafe { rmw(a, |x| !(x & v)) }
        }

        #[inline(always)]
        unsafe fn compare_exchange(
            a: *mut u128,
            c: u128,
            v: u128,
            _: Ordering,
            _: Ordering,
        ) -> Result<u128, u128> {
            // SAFETY: forwarded (trait contract).
            let prev = unsafe { cas(a, c, v) };
            if prev == c { Ok(prev) } else { Err(prev) }
        }

        #[inline(always)]
        unsafe fn compare_exchange_weak(
            a: *mut u128,
            c: u128,
            v: u128,
            s: Ordering,
            f: Ordering,
        ) -> Result<u128, u128> {
            // `cmpxchg16b` never fails spuriously, which a weak CAS allows but
            // does not require.
            // SAFETY: forwarded (trait contract).
            unsafe { Self::compare_exchange(a, c, v, s, f) }
        }
    }
}

// ===== Entry-point bodies, generic over the width =====

/// Checks a marked access of type `ty` to the `T` at `a`.
///
/// # Safety
/// `a..a + size_of::<T>()` must be memory the program is about to access, as
/// [`check_marked`] requires.
#[inline(always)]
unsafe fn check<T>(a: *const T, ty: AccessType) {
    // SAFETY: forwarded from the caller.
    unsafe { check_marked(a.cast(), size_of::<T>(), ty) }
}

/// The body of `__tsan_atomicN_load`: a marked read, then the load.
///
/// # Safety
/// `a` must be the address of an object the program is loading atomically
/// (valid, naturally aligned, not accessed plainly by other threads meanwhile).
#[inline(always)]
unsafe fn checked_load<T: AtomicInt>(a: *const T, mo: c_int) -> T {
    kcsan_core::weak_memory::atomic_memorder(mo);
    // SAFETY:
    // - `a..a + size_of::<T>()` is the object about to be accessed (our contract).
    unsafe { check(a, AccessType::READ) };
    // SAFETY:
    // - `a` meets `AtomicInt`'s contract (ours);
    // - `exec_load_order` only returns orders legal for a load.
    unsafe { T::load(a, exec_load_order(mo)) }
}

/// The body of `__tsan_atomicN_store`: a marked write, then the store.
///
/// # Safety
/// As [`checked_load`], for an object the program is storing to.
#[inline(always)]
unsafe fn checked_store<T: AtomicInt>(a: *mut T, v: T, mo: c_int) {
    kcsan_core::weak_memory::atomic_memorder(mo);
    // SAFETY:
    // - `a..a + size_of::<T>()` is the object about to be accessed (our contract).
    unsafe { check(a, AccessType::WRITE) };
    // SAFETY:
    // - `a` meets `AtomicInt`'s contract (ours);
    // - `exec_store_order` only returns orders legal for a store.
    unsafe { T::store(a, v, exec_store_order(mo)) }
}

/// The body of exchange and `fetch_*`: a marked read-write, then `op`; returns
/// the old value.
///
/// # Safety
/// As [`checked_load`], for an object the program is modifying.
#[inline(always)]
unsafe fn checked_rmw<T: AtomicInt>(
    a: *mut T,
    v: T,
    mo: c_int,
    op: unsafe fn(*mut T, T, Ordering) -> T,
) -> T {
    kcsan_core::weak_memory::atomic_memorder(mo);
    // SAFETY:
    // - `a..a + size_of::<T>()` is the object about to be accessed (our contract).
    unsafe { check(a, AccessType::READ_WRITE) };
    // SAFETY:
    // - `a` meets `AtomicInt`'s contract (ours); every order is legal for a
    //   read-modify-write.
    unsafe { op(a, v, exec_rmw_order(mo)) }
}

/// The body of all three compare-exchange forms: a marked read-write (even if
/// the CAS then fails), then the CAS; `Ok(old)` on success, else
/// `Err(current)`.
///
/// # Safety
/// As [`checked_load`], for an object the program is modifying.
#[inline(always)]
unsafe fn checked_cas<T: AtomicInt>(
    a: *mut T,
    c: T,
    v: T,
    mo: c_int,
    fail_mo: c_int,
    weak: bool,
) -> Result<T, T> {
    kcsan_core::weak_memory::atomic_memorder(mo);
    // SAFETY:
    // - `a..a + size_of::<T>()` is the object about to be accessed (our contract).
    unsafe { check(a, AccessType::READ_WRITE) };
    let (success, failure) = exec_cas_orders(mo, fail_mo);
    if weak {
        // SAFETY:
        // - `a` meets `AtomicInt`'s contract (ours);
        // - `exec_cas_orders` never returns `Release` or `AcqRel` as the failure order.
        unsafe { T::compare_exchange_weak(a, c, v, success, failure) }
    } else {
        // SAFETY: as for the weak form just above.
        unsafe { T::compare_exchange(a, c, v, success, failure) }
    }
}

/// The gcc form of a compare-exchange (`_strong`/`_weak`): returns 1 on
/// success; on failure stores the current value to `*c` and returns 0, as
/// `__atomic_compare_exchange_n` does.
///
/// # Safety
/// As [`checked_load`]; `c` must be valid for reads and writes of a `T`.
#[inline(always)]
unsafe fn checked_cas_bool<T: AtomicInt>(
    a: *mut T,
    c: *mut T,
    v: T,
    mo: c_int,
    fail_mo: c_int,
    weak: bool,
) -> c_int {
    // SAFETY:
    // - `c` is the compiler's "expected" temporary, valid for reads (our contract).
    let expected = unsafe { c.read() };
    // SAFETY: forwarded (our contract).
    match unsafe { checked_cas(a, expected, v, mo, fail_mo, weak) } {
        Ok(_) => 1,
        Err(current) => {
            // SAFETY:
            // - `c` is valid for writes (our contract) and private to this thread.
            unsafe { c.write(current) };
            0
        }
    }
}

// ===== Entry points =====

/// Defines the twelve `__tsan_atomic<bits>_*` entry points for one width. The
/// names are spelled out in each invocation so that they can be grepped.
macro_rules! define_tsan_atomics {
    (
        $t:ty, $bits:literal {
            load: $load:ident,
            store: $store:ident,
            read_modify_write: { $( $rmw:ident: $rmw_fn:ident ),+ $(,)? },
            compare_exchange_strong: $strong:ident,
            compare_exchange_weak: $weak:ident,
            compare_exchange_val: $val:ident $(,)?
        }
    ) => {
        #[doc = concat!("A ", $bits, "-bit atomic load (`__atomic_load_n`): checks a marked read, ")]
        #[doc = "then loads with order `mo` and returns the value."]
        ///
        /// # Safety
        /// `a` must be the address of an object the program loads atomically.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $load(a: *const $t, mo: c_int) -> $t {
            // SAFETY: forwarded (the compiler passes the object being loaded).
            unsafe { checked_load(a, mo) }
        }

        #[doc = concat!("A ", $bits, "-bit atomic store (`__atomic_store_n`, `__sync_lock_release`): ")]
        #[doc = "checks a marked write, then stores `v` with order `mo`."]
        ///
        /// # Safety
        /// `a` must be the address of an object the program stores to atomically.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $store(a: *mut $t, v: $t, mo: c_int) {
            // SAFETY: forwarded (the compiler passes the object being stored to).
            unsafe { checked_store(a, v, mo) }
        }

        $(
            #[doc = concat!("A ", $bits, "-bit atomic `", stringify!($rmw), "` (`__atomic_", stringify!($rmw), "`): ")]
            #[doc = "checks a marked read-write, then performs it with order `mo` and returns the old value."]
            ///
            /// # Safety
            /// `a` must be the address of an object the program modifies atomically.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn $rmw_fn(a: *mut $t, v: $t, mo: c_int) -> $t {
                // SAFETY: forwarded (the compiler passes the object being modified).
                unsafe { checked_rmw(a, v, mo, <$t as AtomicInt>::$rmw) }
            }
        )+

        #[doc = concat!("A ", $bits, "-bit strong compare-exchange, gcc's form: checks a marked ")]
        #[doc = "read-write, then replaces `*a` by `v` if it equals `*c` and returns 1; otherwise "]
        #[doc = "stores the current value to `*c` and returns 0."]
        ///
        /// # Safety
        /// `a` must be the address of an object the program modifies atomically;
        /// `c` must be valid for reads and writes.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $strong(a: *mut $t, c: *mut $t, v: $t, mo: c_int, fail_mo: c_int) -> c_int {
            // SAFETY: forwarded (the compiler passes the object and its "expected" slot).
            unsafe { checked_cas_bool(a, c, v, mo, fail_mo, false) }
        }

        #[doc = concat!("A ", $bits, "-bit weak compare-exchange, gcc's form: as the strong one, ")]
        #[doc = "but performed as a weak CAS, which may fail spuriously."]
        ///
        /// # Safety
        /// As for the strong form.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $weak(a: *mut $t, c: *mut $t, v: $t, mo: c_int, fail_mo: c_int) -> c_int {
            // SAFETY: forwarded (the compiler passes the object and its "expected" slot).
            unsafe { checked_cas_bool(a, c, v, mo, fail_mo, true) }
        }

        #[doc = concat!("A ", $bits, "-bit compare-exchange, the clang/rustc form: checks a marked ")]
        #[doc = "read-write, then replaces `*a` by `v` if it equals `c`; returns the old value."]
        ///
        /// # Safety
        /// `a` must be the address of an object the program modifies atomically.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $val(a: *mut $t, c: $t, v: $t, mo: c_int, fail_mo: c_int) -> $t {
            // SAFETY: forwarded (the compiler passes the object being modified).
            match unsafe { checked_cas(a, c, v, mo, fail_mo, false) } {
                Ok(old) | Err(old) => old,
            }
        }
    };
}

define_tsan_atomics!(u8, 8 {
    load: __tsan_atomic8_load,
    store: __tsan_atomic8_store,
    read_modify_write: {
        exchange: __tsan_atomic8_exchange,
        fetch_add: __tsan_atomic8_fetch_add,
        fetch_sub: __tsan_atomic8_fetch_sub,
        fetch_and: __tsan_atomic8_fetch_and,
        fetch_or: __tsan_atomic8_fetch_or,
        fetch_xor: __tsan_atomic8_fetch_xor,
        fetch_nand: __tsan_atomic8_fetch_nand,
    },
    compare_exchange_strong: __tsan_atomic8_compare_exchange_strong,
    compare_exchange_weak: __tsan_atomic8_compare_exchange_weak,
    compare_exchange_val: __tsan_atomic8_compare_exchange_val,
});

define_tsan_atomics!(u16, 16 {
    load: __tsan_atomic16_load,
    store: __tsan_atomic16_store,
    read_modify_write: {
        exchange: __tsan_atomic16_exchange,
        fetch_add: __tsan_atomic16_fetch_add,
        fetch_sub: __tsan_atomic16_fetch_sub,
        fetch_and: __tsan_atomic16_fetch_and,
        fetch_or: __tsan_atomic16_fetch_or,
        fetch_xor: __tsan_atomic16_fetch_xor,
        fetch_nand: __tsan_atomic16_fetch_nand,
    },
    compare_exchange_strong: __tsan_atomic16_compare_exchange_strong,
    compare_exchange_weak: __tsan_atomic16_compare_exchange_weak,
    compare_exchange_val: __tsan_atomic16_compare_exchange_val,
});

define_tsan_atomics!(u32, 32 {
    load: __tsan_atomic32_load,
    store: __tsan_atomic32_store,
    read_modify_write: {
        exchange: __tsan_atomic32_exchange,
        fetch_add: __tsan_atomic32_fetch_add,
        fetch_sub: __tsan_atomic32_fetch_sub,
        fetch_and: __tsan_atomic32_fetch_and,
        fetch_or: __tsan_atomic32_fetch_or,
        fetch_xor: __tsan_atomic32_fetch_xor,
        fetch_nand: __tsan_atomic32_fetch_nand,
    },
    compare_exchange_strong: __tsan_atomic32_compare_exchange_strong,
    compare_exchange_weak: __tsan_atomic32_compare_exchange_weak,
    compare_exchange_val: __tsan_atomic32_compare_exchange_val,
});

define_tsan_atomics!(u64, 64 {
    load: __tsan_atomic64_load,
    store: __tsan_atomic64_store,
    read_modify_write: {
        exchange: __tsan_atomic64_exchange,
        fetch_add: __tsan_atomic64_fetch_add,
        fetch_sub: __tsan_atomic64_fetch_sub,
        fetch_and: __tsan_atomic64_fetch_and,
        fetch_or: __tsan_atomic64_fetch_or,
        fetch_xor: __tsan_atomic64_fetch_xor,
        fetch_nand: __tsan_atomic64_fetch_nand,
    },
    compare_exchange_strong: __tsan_atomic64_compare_exchange_strong,
    compare_exchange_weak: __tsan_atomic64_compare_exchange_weak,
    compare_exchange_val: __tsan_atomic64_compare_exchange_val,
});

#[cfg(target_arch = "x86_64")]
define_tsan_atomics!(u128, 128 {
    load: __tsan_atomic128_load,
    store: __tsan_atomic128_store,
    read_modify_write: {
        exchange: __tsan_atomic128_exchange,
        fetch_add: __tsan_atomic128_fetch_add,
        fetch_sub: __tsan_atomic128_fetch_sub,
        fetch_and: __tsan_atomic128_fetch_and,
        fetch_or: __tsan_atomic128_fetch_or,
        fetch_xor: __tsan_atomic128_fetch_xor,
        fetch_nand: __tsan_atomic128_fetch_nand,
    },
    compare_exchange_strong: __tsan_atomic128_compare_exchange_strong,
    compare_exchange_weak: __tsan_atomic128_compare_exchange_weak,
    compare_exchange_val: __tsan_atomic128_compare_exchange_val,
});

// ===== Fences =====

/// `__atomic_thread_fence` / `atomic_thread_fence` / `__sync_synchronize`: a
/// real fence with order `mo`. No access is checked.
#[unsafe(no_mangle)]
pub extern "C" fn __tsan_atomic_thread_fence(mo: c_int) {
    kcsan_core::weak_memory::atomic_memorder(mo);
    match order(mo) {
        // A relaxed fence does nothing in C; `fence(Relaxed)` would panic.
        Relaxed => {}
        o => fence(o),
    }
}

/// `__atomic_signal_fence` / `atomic_signal_fence`: a compiler-only fence with
/// order `mo`. No access is checked.
///
/// As in the kernel, this entry point is also the barrier channel of the
/// weak-memory model: kcsan.h's `kcsan_mb()` and friends are signal fences
/// (seq_cst = `mb`, acq_rel = `wmb`, acquire = `rmb`, release = `release`;
/// kernel-kcsan.md §1.4), so `__no_kcsan` code drops them with the rest of
/// its instrumentation.
#[unsafe(no_mangle)]
pub extern "C" fn __tsan_atomic_signal_fence(mo: c_int) {
    kcsan_core::weak_memory::signal_fence(mo);
    match order(mo) {
        // `compiler_fence(Relaxed)` would panic; a relaxed fence does nothing.
        Relaxed => {}
        o => compiler_fence(o),
    }
}
