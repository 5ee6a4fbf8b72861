//! The per-thread words the fast paths read or write: the skip count, the
//! thread's copy of `assume_plain_writes_atomic`, whether scoped accesses or
//! a reordered access are pending (`GATE_PENDING`), and the address of the
//! marked access the Rust API has just checked (`CHECKED`).
//!
//! They live apart from [`Ctx`](crate::ctx::Ctx) so that each hook reaches
//! them with one `%fs`-relative instruction. Rust on stable can only access a
//! `thread_local!` with the general-dynamic TLS model (the crate is compiled
//! as position-independent code); in a static link the linker relaxes that to
//! `mov %fs:0,%rax; lea off(%rax),%rax`, but the compiler has already treated
//! the access as a call to `__tls_get_addr`: it saves the hook's argument in
//! a callee-saved register first, so every hook had a `push`/`pop` frame and
//! two extra moves around the TLS address (BENCHMARKS.md, "gcc route trim").
//!
//! On x86-64 Linux the block is therefore defined in assembly (`.tdata`) and
//! reached with the initial-exec model: `mov x@gottpoff(%rip),%reg`, which the
//! linker turns into `mov $offset,%reg` in an executable, then `decq
//! %fs:(%reg)`. Initial-exec is valid in the static archive, in the shared
//! library (static TLS: 24 bytes of the surplus glibc keeps for this) and in
//! a program the hooks are inlined into by LTO. The hooks' own assembly is in
//! `check.rs`; this module gives the slow paths plain accessors.
//!
//! Elsewhere the block is an ordinary `thread_local!`.
//!
//! The block is per thread, not per [`Ctx`](crate::ctx::Ctx) value: a `Ctx`
//! built by a unit test shares its thread's block.

/// Byte offset of the skip count (`i64`) in the block.
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    allow(dead_code)
)]
pub(crate) const SKIP: usize = 0;
/// Byte offset of the `assume_plain_writes_atomic` copy (`u8`, 0 or 1).
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    allow(dead_code)
)]
pub(crate) const WRITES_ATOMIC: usize = 8;
/// Byte offset of the pending flag (`u8`: 1 while `gate & GATE_PENDING`).
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    allow(dead_code)
)]
pub(crate) const PENDING: usize = 9;
/// Byte offset of the address (`usize`, 0: none) of the marked access the
/// Rust API checked explicitly just now, with its location: the
/// instrumented operation that follows (the atomic or volatile access
/// itself) is not checked a second time (`take_checked`).
pub(crate) const CHECKED: usize = 16;

/// The default of `assume_plain_writes_atomic`, the block's initial value.
const WRITES_ATOMIC_INIT: u8 = crate::config::DEFAULT_FLAGS.assume_plain_writes_atomic as u8;

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod imp {
    use super::{CHECKED, PENDING, SKIP, WRITES_ATOMIC, WRITES_ATOMIC_INIT};

    // 24 bytes, 8-aligned: skip (0), writes_atomic (8), pending (9),
    // checked (16). The
    // symbol is global (the hooks' assembly is emitted in kcsan-rt's object)
    // but hidden: a shared library does not export it.
    core::arch::global_asm!(
        ".pushsection .tdata.__kcsan_fast_tls,\"awT\",@progbits",
        ".p2align 3",
        ".globl __kcsan_fast_tls",
        ".hidden __kcsan_fast_tls",
        ".type __kcsan_fast_tls,@object",
        ".size __kcsan_fast_tls,24",
        "__kcsan_fast_tls:",
        ".quad 0",
        ".byte {wa}",
        ".byte 0",
        ".zero 6",
        ".quad 0",
        ".popsection",
        wa = const WRITES_ATOMIC_INIT,
    );

    const _: () = assert!(SKIP == 0 && WRITES_ATOMIC == 8 && PENDING == 9 && CHECKED == 16);

    /// The block's address in this thread.
    #[inline(always)]
    fn base() -> *mut u8 {
        let p: *mut u8;
        // SAFETY: reads the thread pointer's self-pointer (%fs:0, the TCB's
        // first word) and the block's offset from the GOT; writes nothing.
        unsafe {
            core::arch::asm!(
                "mov {p}, qword ptr [rip + __kcsan_fast_tls@GOTTPOFF]",
                "add {p}, qword ptr fs:[0]",
                p = out(reg) p,
                options(pure, readonly, nostack),
            );
        }
        p
    }

    #[inline(always)]
    pub(crate) fn skip() -> i64 {
        // SAFETY: the block is this thread's, 8-aligned, and only this thread
        // touches it (the hooks' assembly runs on this thread too).
        unsafe { base().add(SKIP).cast::<i64>().read() }
    }

    #[inline(always)]
    pub(crate) fn set_skip(v: i64) {
        // SAFETY: as in `skip`.
        unsafe { base().add(SKIP).cast::<i64>().write(v) }
    }

    #[inline(always)]
    pub(crate) fn writes_atomic() -> bool {
        // SAFETY: as in `skip`.
        unsafe { base().add(WRITES_ATOMIC).read() != 0 }
    }

    #[inline(always)]
    pub(crate) fn set_writes_atomic(v: bool) {
        // SAFETY: as in `skip`.
        unsafe { base().add(WRITES_ATOMIC).write(u8::from(v)) }
    }

    #[inline(always)]
    #[allow(dead_code)] // the fast path reads it in assembly
    pub(crate) fn pending() -> bool {
        // SAFETY: as in `skip`.
        unsafe { base().add(PENDING).read() != 0 }
    }

    #[inline(always)]
    pub(crate) fn set_pending(v: bool) {
        // SAFETY: as in `skip`.
        unsafe { base().add(PENDING).write(u8::from(v)) }
    }

    #[inline(always)]
    pub(crate) fn checked() -> usize {
        // SAFETY: as in `skip`.
        unsafe { base().add(CHECKED).cast::<usize>().read() }
    }

    #[inline(always)]
    pub(crate) fn set_checked(addr: usize) {
        // SAFETY: as in `skip`.
        unsafe { base().add(CHECKED).cast::<usize>().write(addr) }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
mod imp {
    use core::cell::Cell;

    use super::WRITES_ATOMIC_INIT;

    struct Fast {
        skip: Cell<i64>,
        writes_atomic: Cell<bool>,
        pending: Cell<bool>,
        checked: Cell<usize>,
    }

    thread_local! {
        static FAST: Fast = const {
            Fast {
                skip: Cell::new(0),
                writes_atomic: Cell::new(WRITES_ATOMIC_INIT != 0),
                pending: Cell::new(false),
                checked: Cell::new(0),
            }
        };
    }

    #[inline(always)]
    pub(crate) fn skip() -> i64 {
        FAST.with(|f| f.skip.get())
    }

    #[inline(always)]
    pub(crate) fn set_skip(v: i64) {
        FAST.with(|f| f.skip.set(v));
    }

    #[inline(always)]
    pub(crate) fn writes_atomic() -> bool {
        FAST.with(|f| f.writes_atomic.get())
    }

    #[inline(always)]
    pub(crate) fn set_writes_atomic(v: bool) {
        FAST.with(|f| f.writes_atomic.set(v));
    }

    #[inline(always)]
    pub(crate) fn pending() -> bool {
        FAST.with(|f| f.pending.get())
    }

    #[inline(always)]
    pub(crate) fn set_pending(v: bool) {
        FAST.with(|f| f.pending.set(v));
    }

    #[inline(always)]
    pub(crate) fn checked() -> usize {
        FAST.with(|f| f.checked.get())
    }

    #[inline(always)]
    pub(crate) fn set_checked(addr: usize) {
        FAST.with(|f| f.checked.set(addr));
    }
}

#[cfg_attr(
    all(target_arch = "x86_64", target_os = "linux"),
    allow(unused_imports)
)]
pub(crate) use imp::pending;
pub(crate) use imp::{
    checked, set_checked, set_pending, set_skip, set_writes_atomic, skip, writes_atomic,
};

/// Whether the marked access at `addr` was checked just now by the Rust API
/// (`check_access_at`), which then goes without a second check. Clears the
/// mark either way: it stands for the one access that follows the check.
#[inline(always)]
pub fn take_checked(addr: usize) -> bool {
    let c = checked();
    if c == 0 {
        return false;
    }
    set_checked(0);
    c == addr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_mark_stands_for_the_next_marked_access_only() {
        assert!(!take_checked(0x1000), "no mark");
        set_checked(0x1000);
        assert!(take_checked(0x1000), "the access checked just now");
        assert!(!take_checked(0x1000), "once");
        set_checked(0x1000);
        assert!(!take_checked(0x2000), "another access");
        assert!(
            !take_checked(0x1000),
            "the mark is gone after any marked access"
        );
    }
}
