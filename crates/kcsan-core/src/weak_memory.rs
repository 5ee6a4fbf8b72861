//! Weak-memory modelling (kernel-kcsan.md §6, `weak_memory=1`).
//!
//! KCSAN models *buffering*: an earlier plain access delayed past later
//! operations. Each thread keeps at most one pending *reordered access*: the
//! last plain access it watched. Until a barrier that orders it, or the end of
//! the function that made it, the access is replayed (checked again, as
//! `SCOPED`) after every later runtime entry of the thread. A replay that hits
//! another thread's watchpoint, or whose own watchpoint is hit, is a race that
//! only a weakly ordered CPU (or compiler) could produce: a missing
//! `smp_store_release` or release order. Its report says "(reordered)" and
//! shows where it was reordered to.
//!
//! Which operations retire the pending access (the barrier table, checked by
//! the tests below and by kcsan_test's `test_barrier_nothreads`):
//!
//! | operation | read | write | read-write |
//! |---|---|---|---|
//! | `mb` (`smp_mb`, seq_cst signal fence) | ✓ | ✓ | ✓ |
//! | `wmb` (`smp_wmb`, acq_rel signal fence) | | ✓ | ✓ |
//! | `rmb` (`smp_rmb`, acquire signal fence) | ✓ | | ✓ |
//! | `release` (`smp_store_release`, release signal fence) | ✓ | ✓ | ✓ |
//! | an atomic or thread fence with release, acq_rel or seq_cst order | ✓ | ✓ | ✓ |
//! | acquire or relaxed atomics and fences | | | |
//!
//! Prefetching is not modelled, so acquire operations retire nothing.
//!
//! Function scope needs `__tsan_func_entry`/`__tsan_func_exit`, which the
//! compiler emits only when asked (`kcsan cc` and `cargo kcsan` with
//! `KCSAN_WEAK_MEMORY=1`). The replay window ends when the function that made
//! the access returns: this keeps barriers in uninstrumented callees (libc, a
//! lock library, Rust's std) from looking missing. A process in which no
//! hook ever ran (a build without them) is not modelled at all, with a
//! warning: its pending accesses would never end.

use core::sync::atomic::{AtomicBool, Ordering};

use crate::access::AccessType;
use crate::check::check_access;
use crate::config;
use crate::ctx::{self, Ctx, GATE_REORDER, InRuntime, Origin};
use crate::report::stack;

/// Whether the warning about a build without function hooks was printed.
static NO_HOOKS_WARNED: AtomicBool = AtomicBool::new(false);

/// Whether any `__tsan_func_entry` has run in the process. (Per process, not
/// per thread: gcc gives leaf functions no hooks, so a thread whose entry
/// point is uninstrumented may run only hook-less code, at depth 0.)
static HOOKS_SEEN: AtomicBool = AtomicBool::new(false);

/// Makes the access just watched the pending reordered access (the tail of
/// `kcsan_setup_watchpoint`). A replay that was itself watched keeps its
/// entry and original stack but takes the current depth, as the kernel's
/// re-arm does.
pub(crate) fn set_reorder_access(ctx: &Ctx, addr: usize, size: usize, ty: AccessType) {
    if !config::flags().weak_memory {
        return;
    }
    if !HOOKS_SEEN.load(Ordering::Relaxed) {
        // No function entry hook has run in the process: the program was
        // built without them, so a pending access would outlive its
        // function and meet every barrier hidden in a library call as a
        // missing one. Not modelled, and said once.
        let _in_runtime = InRuntime::enter(ctx);
        crate::report::warn_once(
            &NO_HOOKS_WARNED,
            "weak_memory=1 is not in effect: the program was built without function \
             entry/exit hooks (build it with KCSAN_WEAK_MEMORY=1)",
        );
        return;
    }
    let ra = &ctx.reorder;
    if ctx.disable_scoped.get() != 0 {
        if ctx.origin.get() == Origin::Reorder && ra.size.get() != 0 {
            ra.depth.set(ctx.stack_depth.get());
        }
        return;
    }
    ra.addr.set(addr);
    ra.ty.set(ty.with(AccessType::SCOPED));
    ra.depth.set(ctx.stack_depth.get());
    // The stack is copied around: keep `__wrap_memcpy` from checking that.
    let _in_runtime = InRuntime::enter(ctx);
    ra.stack(ctx.in_interrupt()).set(stack::capture());
    ra.size.set(size);
    ctx.update_gate();
}

/// Retires the pending reordered access if `orders` says the barrier orders
/// an access of its type.
#[inline(always)]
fn retire(orders: impl FnOnce(AccessType) -> bool) {
    ctx::with(|c| {
        if c.gate.get() & GATE_REORDER != 0
            && c.disable_scoped.get() == 0
            && orders(c.reorder.ty.get())
        {
            c.reorder.size.set(0);
            c.update_gate();
        }
    });
}

/// A full barrier (`__kcsan_mb`): orders every earlier access.
pub fn mb() {
    retire(|_| true);
}

/// A write barrier (`__kcsan_wmb`): orders earlier writes and read-modify-writes.
pub fn wmb() {
    retire(|ty| ty.is_write() || ty.has(AccessType::COMPOUND));
}

/// A read barrier (`__kcsan_rmb`): orders earlier reads and read-modify-writes.
pub fn rmb() {
    retire(|ty| !ty.is_write() || ty.has(AccessType::COMPOUND));
}

/// A release (`__kcsan_release`): orders every earlier access before the
/// releasing store.
///
/// Inlined: every atomic hook with a release, acq_rel or seq_cst order calls
/// it (an `Arc` drop, a `Mutex` unlock, any seq_cst atomic of a Rust
/// program), and without a pending reordered access it is one thread-local
/// load and a test, cheaper than the call it was (issue 12).
#[inline]
pub fn release() {
    retire(|_| true);
}

/// C11 memory orders, as the compilers pass them.
const MO_RELEASE: i32 = 3;
/// `__ATOMIC_ACQ_REL`.
const MO_ACQ_REL: i32 = 4;
/// `__ATOMIC_SEQ_CST`.
const MO_SEQ_CST: i32 = 5;
/// `__ATOMIC_ACQUIRE`.
const MO_ACQUIRE: i32 = 2;
/// The bits of a memory-order argument that hold the order (gcc ORs HLE
/// hints into the upper bits).
const MO_MASK: i32 = 0xffff;

/// The weak-memory hook of every atomic operation and thread fence
/// (`kcsan_atomic_builtin_memorder`): release, acq_rel and seq_cst orders
/// release.
#[inline(always)]
pub fn atomic_memorder(mo: i32) {
    if matches!(mo & MO_MASK, MO_RELEASE | MO_ACQ_REL | MO_SEQ_CST) {
        release();
    }
}

/// `__tsan_atomic_signal_fence`, the barrier channel of kcsan.h's barrier
/// macros: seq_cst = mb, acq_rel = wmb, acquire = rmb, release = release.
pub fn signal_fence(mo: i32) {
    match mo & MO_MASK {
        MO_SEQ_CST => mb(),
        MO_ACQ_REL => wmb(),
        MO_ACQUIRE => rmb(),
        MO_RELEASE => release(),
        _ => {}
    }
}

/// `__tsan_func_entry`: one level deeper.
#[inline(always)]
pub fn func_entry() {
    if !HOOKS_SEEN.load(Ordering::Relaxed) {
        HOOKS_SEEN.store(true, Ordering::Relaxed);
    }
    ctx::with(|c| c.stack_depth.set(c.stack_depth.get().wrapping_add(1)));
}

/// `__tsan_func_exit`: if the function that made the pending reordered access
/// returns, check it a last time, then retire it; one level shallower.
#[inline(always)]
pub fn func_exit() {
    ctx::with(|c| {
        if c.gate.get() & GATE_REORDER != 0 {
            scope_end(c);
        }
        c.stack_depth.set(c.stack_depth.get().wrapping_sub(1));
    });
}

/// The function that made the pending access returns. The final check catches
/// a release store without a barrier that was the function's last access: the
/// hook runs before the real store, so the conflict shows up only afterwards.
#[cold]
#[inline(never)]
fn scope_end(c: &Ctx) {
    let ra = &c.reorder;
    if c.disable_scoped.get() != 0 || c.stack_depth.get() > ra.depth.get() {
        return;
    }
    c.disable_scoped.set(c.disable_scoped.get() + 1);
    let saved = c.origin.replace(Origin::Reorder);
    // SAFETY: a replay never reads the memory (see scoped::check_pending).
    unsafe { check_access(ra.addr.get() as *const u8, ra.size.get(), ra.ty.get()) };
    c.origin.set(saved);
    c.disable_scoped.set(c.disable_scoped.get() - 1);
    ra.size.set(0);
    ra.depth.set(i32::MIN);
    c.update_gate();
}

/// The size of the calling thread's pending reordered access (0: none), for
/// self-tests.
pub fn reorder_pending_size() -> usize {
    ctx::with(|c| c.reorder.size.get())
}

/// Makes `addr..addr + size` of type `ty` the calling thread's pending
/// reordered access directly (size 0 clears it), for self-tests of the
/// barrier table. The access is never read.
pub fn set_reorder_for_test(addr: usize, size: usize, ty: AccessType) {
    ctx::with(|c| {
        let ra = &c.reorder;
        ra.addr.set(addr);
        ra.ty.set(ty.with(AccessType::SCOPED));
        ra.depth.set(c.stack_depth.get());
        ra.size.set(size);
        c.update_gate();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: AccessType = AccessType::READ;
    const W: AccessType = AccessType::WRITE;
    const RW: AccessType = AccessType::READ_WRITE;

    /// Whether `barrier` retires a pending access of type `ty`.
    fn retires(ty: AccessType, barrier: impl Fn()) -> bool {
        let x = 0u64;
        set_reorder_for_test(&raw const x as usize, 8, ty);
        barrier();
        let retired = reorder_pending_size() == 0;
        set_reorder_for_test(0, 0, R);
        retired
    }

    /// The selftest's `test_barrier`, plus what must not order.
    #[test]
    fn the_barrier_table() {
        type Row = (&'static str, fn(), [bool; 3]);
        let rows: [Row; 14] = [
            ("mb", mb, [true; 3]),
            ("wmb", wmb, [false, true, true]),
            ("rmb", rmb, [true, false, true]),
            ("release", release, [true; 3]),
            ("seq_cst atomic", || atomic_memorder(5), [true; 3]),
            ("acq_rel atomic", || atomic_memorder(4), [true; 3]),
            ("release atomic", || atomic_memorder(3), [true; 3]),
            (
                "release atomic with an HLE hint",
                || atomic_memorder(3 | 1 << 16),
                [true; 3],
            ),
            ("acquire atomic", || atomic_memorder(2), [false; 3]),
            ("relaxed atomic", || atomic_memorder(0), [false; 3]),
            ("seq_cst signal fence (mb)", || signal_fence(5), [true; 3]),
            (
                "acq_rel signal fence (wmb)",
                || signal_fence(4),
                [false, true, true],
            ),
            (
                "acquire signal fence (rmb)",
                || signal_fence(2),
                [true, false, true],
            ),
            ("relaxed signal fence", || signal_fence(0), [false; 3]),
        ];
        for (name, barrier, want) in rows {
            for (ty, want) in [R, W, RW].into_iter().zip(want) {
                assert_eq!(retires(ty, barrier), want, "{name} on a pending {ty:?}");
            }
        }
    }

    #[test]
    fn returning_from_the_function_that_made_the_access_retires_it() {
        func_entry();
        func_entry();
        let x = 0u64;
        set_reorder_for_test(&raw const x as usize, 8, W);
        func_entry();
        func_exit();
        assert_eq!(reorder_pending_size(), 8, "a callee's return keeps it");
        func_exit();
        assert_eq!(
            reorder_pending_size(),
            0,
            "its own function's return retires it"
        );
        func_exit();
    }

    #[test]
    fn a_pending_access_opens_the_gate_and_retiring_it_closes_it() {
        let x = 0u64;
        set_reorder_for_test(&raw const x as usize, 8, R);
        ctx::with(|c| assert_ne!(c.gate.get() & GATE_REORDER, 0));
        mb();
        ctx::with(|c| assert_eq!(c.gate.get(), 0));
    }
}
