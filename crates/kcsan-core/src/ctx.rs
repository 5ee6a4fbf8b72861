//! The per-thread context (`struct kcsan_ctx`).
//!
//! The kernel keeps one context per task and one per CPU for interrupts; in user
//! space a thread is a task, and its state is a `thread_local!` with a `const`
//! initialiser and no destructor, so every access is a plain `%fs`-relative load
//! that never allocates, never registers a destructor and works before
//! `__tsan_init`, in any thread, at any time.

use core::cell::Cell;

use crate::access::AccessType;
use crate::fast;
use crate::report::stack::RawStack;

/// `gate` bit: `atomic_next` is non-zero.
pub(crate) const GATE_ATOMIC_NEXT: u32 = 1 << 0;
/// `gate` bit: inside a nestable atomic region.
pub(crate) const GATE_NESTED_ATOMIC: u32 = 1 << 1;
/// `gate` bit: inside a flat atomic region.
pub(crate) const GATE_FLAT_ATOMIC: u32 = 1 << 2;
/// `gate` bit: the scoped-access list is not empty.
pub(crate) const GATE_SCOPED: u32 = 1 << 3;
/// `gate` bit: a reordered access is pending (weak-memory modelling).
pub(crate) const GATE_REORDER: u32 = 1 << 4;
/// `gate` bit: a focus list is set (`focus.rs`): every eligible access
/// goes to the slow path, which watches those of the focused functions.
pub(crate) const GATE_FOCUS: u32 = 1 << 5;
/// The `gate` bits that ask for work after an access that neither found nor
/// set up a watchpoint: checking the scoped accesses and replaying the
/// reordered one. Marked accesses test these too.
pub(crate) const GATE_PENDING: u32 = GATE_SCOPED | GATE_REORDER;

/// One scoped access (`struct kcsan_scoped_access` in kcsan.h): an assertion
/// re-checked on every access the thread makes until its scope ends. It lives
/// in the caller's frame (C: a `cleanup` variable), linked into the thread's
/// list, so the list needs no allocation.
#[repr(C)]
#[derive(Debug)]
pub struct ScopedAccess {
    /// The next (older) entry; null at the end of the list.
    pub next: *mut ScopedAccess,
    /// The checked object.
    pub ptr: *const u8,
    /// Its size in bytes.
    pub size: usize,
    /// `KCSAN_ACCESS_*` bits, including `SCOPED`.
    pub ty: core::ffi::c_int,
    /// Where the scope started: reports show this pc instead of the frame of
    /// the function that opened the scope.
    pub ip: usize,
}

/// Where a `SCOPED` access being checked came from, for the report's
/// "reordered to:" line and frame replacement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Not checking a scoped or reordered access.
    None,
    /// A scoped assertion that started at this pc.
    Scope(usize),
    /// The pending reordered access: its stack is `ReorderAccess::stack`.
    Reorder,
}

/// The one pending, simulated-reordered access of a thread (the kernel's
/// `ctx->reorder_access`): a plain access that was watched, delayed past the
/// operations that follow it until a barrier or the end of its function.
#[derive(Debug)]
pub(crate) struct ReorderAccess {
    pub(crate) addr: Cell<usize>,
    /// 0: none pending.
    pub(crate) size: Cell<usize>,
    /// The access type, with `SCOPED` added.
    pub(crate) ty: Cell<AccessType>,
    /// `stack_depth` when it was made; its function returning retires it.
    pub(crate) depth: Cell<i32>,
    /// The stack of the original access, for the report: one for the thread,
    /// one shared by its signal handlers (the kernel's interrupts share one
    /// per-CPU context), so a handler never overwrites the thread's and
    /// switching contexts copies no stack (a copy is a `memcpy`, which a gcc
    /// static link routes through the checked `__wrap_memcpy`).
    stacks: [Cell<RawStack>; 2],
}

impl ReorderAccess {
    /// The stack slot of the current context.
    pub(crate) fn stack(&self, in_interrupt: bool) -> &Cell<RawStack> {
        &self.stacks[usize::from(in_interrupt)]
    }
}

impl ReorderAccess {
    const fn new() -> ReorderAccess {
        ReorderAccess {
            addr: Cell::new(0),
            size: Cell::new(0),
            ty: Cell::new(AccessType::READ),
            depth: Cell::new(i32::MIN),
            stacks: [Cell::new(RawStack::EMPTY), Cell::new(RawStack::EMPTY)],
        }
    }
}

/// One thread's KCSAN state.
#[derive(Debug)]
pub(crate) struct Ctx {
    // The skip count (eligible accesses left to skip before the next
    // watchpoint; it starts at 0, so a thread watches its first eligible
    // access) is not here but in the thread's fast block (`fast.rs`), with
    // the two other words the fast path reads, where one `%fs`-relative
    // instruction reaches it.
    /// Non-zero while any of the rare per-thread states that make plain accesses
    /// atomic is active (`GATE_*`). While it is, the skip count is parked at 0
    /// so every eligible access reaches the slow path, which sorts it out; the
    /// fast path never looks at this word (the `GATE_PENDING` bits are
    /// mirrored in the fast block's pending flag).
    pub(crate) gate: Cell<u32>,
    /// The real skip count while the fast block's is parked.
    pub(crate) parked_skip: Cell<i64>,
    /// Nesting of `kcsan_disable_current()`: non-zero means this thread neither
    /// sets up nor consumes watchpoints.
    pub(crate) disable_count: Cell<i32>,
    /// Treat the next N eligible accesses as atomic (`kcsan_atomic_next`).
    pub(crate) atomic_next: Cell<i32>,
    /// Depth of nestable atomic regions.
    pub(crate) atomic_nest_count: Cell<i32>,
    /// Inside a flat (non-nesting) atomic region.
    pub(crate) in_flat_atomic: Cell<bool>,
    /// If non-zero, only changes to these bits count, and found watchpoints are
    /// ignored (`kcsan_set_access_mask`, `ASSERT_EXCLUSIVE_BITS`).
    pub(crate) access_mask: Cell<usize>,
    /// State of this thread's sampling PRNG; 0 means "not seeded yet".
    pub(crate) prng: Cell<u32>,
    /// Non-zero while the runtime's own slow path runs on this thread: hooks
    /// reached from inside it (a signal handler, an instrumented allocator)
    /// neither set up nor consume watchpoints, so the runtime never re-enters.
    pub(crate) in_runtime: Cell<u32>,
    /// Depth of signal handlers running on this thread (the kernel's interrupt
    /// context).
    pub(crate) signal_depth: Cell<u32>,
    /// The handlers in progress, innermost last (see `interrupt.rs`).
    pub(crate) interrupts: crate::interrupt::Frames,
    /// Cached `gettid()`; 0 until first needed, reset in a forked child.
    pub(crate) tid: Cell<i32>,
    /// The newest active scoped access (`ASSERT_EXCLUSIVE_*_SCOPED`); null: none.
    pub(crate) scoped_head: Cell<*mut ScopedAccess>,
    /// Non-zero: do not check scoped accesses or replay the reordered access
    /// (they are being checked right now, so their own checks do not recurse).
    pub(crate) disable_scoped: Cell<u32>,
    /// The pending reordered access (weak-memory modelling).
    pub(crate) reorder: ReorderAccess,
    /// Function nesting depth, from `__tsan_func_entry`/`__tsan_func_exit`
    /// (the kernel's per-task `kcsan_stack_depth`).
    pub(crate) stack_depth: Cell<i32>,
    /// The watch in progress on this thread: its slot + 1 (0: none), where
    /// the signal mask from before the watch blocked signals is kept (in the
    /// watch's frame; null: nothing blocked), and whether a fault inside it
    /// made the watch give up (`check::abandon_on_fault`). A pointer, not a
    /// copy: copying a `sigset_t` is a `memcpy`, which a gcc link wraps with
    /// the program's checked one.
    pub(crate) watch_slot: Cell<usize>,
    pub(crate) watch_mask: Cell<*const libc::sigset_t>,
    pub(crate) watch_abandoned: Cell<bool>,
    /// The thread is in focus mode (`focus.rs`): a focus list is set, so
    /// every eligible access comes to the slow path (`GATE_FOCUS`).
    pub(crate) focus: Cell<bool>,
    /// What the `SCOPED` access being checked right now came from.
    pub(crate) origin: Cell<Origin>,
    /// How many of its first watches (`first_watches`) the thread has had.
    pub(crate) first_watches: Cell<u32>,
    /// The stall budget's account (`max_stall_ratio`).
    pub(crate) budget: crate::budget::Account,
    /// The source location of the explicit check in progress, from the Rust
    /// API's `#[track_caller]` (`report::location`).
    pub(crate) caller_location: Cell<crate::report::location::CallerLocation>,
    // `assume_plain_writes_atomic` as this thread's fast path sees it is in
    // the fast block too (`fast::writes_atomic`): the default until the
    // thread's first slow-path entry (its first eligible access, since the
    // skip count starts at 0), then the option in force, refreshed on every
    // slow-path entry. A change at run time reaches each thread at its next
    // sampled access.
}

impl Ctx {
    pub(crate) const fn new() -> Ctx {
        Ctx {
            gate: Cell::new(0),
            parked_skip: Cell::new(0),
            disable_count: Cell::new(0),
            atomic_next: Cell::new(0),
            atomic_nest_count: Cell::new(0),
            in_flat_atomic: Cell::new(false),
            access_mask: Cell::new(0),
            prng: Cell::new(0),
            in_runtime: Cell::new(0),
            signal_depth: Cell::new(0),
            interrupts: crate::interrupt::Frames::new(),
            tid: Cell::new(0),
            scoped_head: Cell::new(core::ptr::null_mut()),
            disable_scoped: Cell::new(0),
            reorder: ReorderAccess::new(),
            stack_depth: Cell::new(0),
            watch_slot: Cell::new(0),
            watch_mask: Cell::new(core::ptr::null()),
            watch_abandoned: Cell::new(false),
            focus: Cell::new(false),
            origin: Cell::new(Origin::None),
            first_watches: Cell::new(0),
            budget: crate::budget::Account::new(),
            caller_location: Cell::new(crate::report::location::CallerLocation::NONE),
        }
    }

    /// Recomputes `gate` after one of the atomic-region fields changed, parking
    /// the skip count when the gate opens and restoring it when it closes.
    pub(crate) fn update_gate(&self) {
        let mut g = 0;
        if self.atomic_next.get() > 0 {
            g |= GATE_ATOMIC_NEXT;
        }
        if self.atomic_nest_count.get() > 0 {
            g |= GATE_NESTED_ATOMIC;
        }
        if self.in_flat_atomic.get() {
            g |= GATE_FLAT_ATOMIC;
        }
        if !self.scoped_head.get().is_null() {
            g |= GATE_SCOPED;
        }
        if self.reorder.size.get() != 0 {
            g |= GATE_REORDER;
        }
        if self.focus.get() {
            g |= GATE_FOCUS;
        }
        match (self.gate.get() != 0, g != 0) {
            (false, true) => {
                self.parked_skip.set(fast::skip());
                fast::set_skip(0);
            }
            (true, false) => fast::set_skip(self.parked_skip.get()),
            _ => {}
        }
        self.gate.set(g);
        fast::set_pending(g & GATE_PENDING != 0);
    }

    /// Sets the skip count, or the parked one while the gate is open.
    pub(crate) fn set_skip(&self, skip: i64) {
        if self.gate.get() != 0 {
            self.parked_skip.set(skip);
        } else {
            fast::set_skip(skip);
        }
    }

    /// Where the `SCOPED` access of type `ty` being checked came from, for its
    /// report: the scope's start pc, or the reordered access's stack.
    pub(crate) fn origin_stack(&self, ty: AccessType) -> RawStack {
        let mut s = RawStack::EMPTY;
        if ty.has(AccessType::SCOPED) {
            match self.origin.get() {
                Origin::Scope(ip) if ip != 0 => {
                    s.pcs[0] = ip;
                    s.len = 1;
                }
                Origin::Reorder => s = self.reorder.stack(self.in_interrupt()).get(),
                _ => {}
            }
        }
        s
    }

    /// The skip count in force (the parked one while the gate is open).
    pub(crate) fn skip_count(&self) -> i64 {
        if self.gate.get() != 0 {
            self.parked_skip.get()
        } else {
            fast::skip()
        }
    }

    /// Whether the thread is in focus mode (see `focus.rs`).
    #[inline]
    pub(crate) fn in_focus_mode(&self) -> bool {
        self.focus.get()
    }

    /// Whether this thread may set up or consume watchpoints now.
    #[inline]
    pub(crate) fn is_enabled(&self) -> bool {
        self.disable_count.get() == 0 && self.in_runtime.get() == 0 && crate::runtime::is_enabled()
    }

    /// Whether the thread is in a signal handler (the kernel's `!in_task()`).
    #[inline]
    pub(crate) fn in_interrupt(&self) -> bool {
        self.signal_depth.get() > 0
    }

    /// This thread's kernel-style task id (`gettid`).
    pub(crate) fn tid(&self) -> i32 {
        let t = self.tid.get();
        if t != 0 {
            return t;
        }
        // SAFETY: gettid has no preconditions.
        let t = unsafe { libc::gettid() };
        self.tid.set(t);
        t
    }
}

thread_local! {
    static CTX: Ctx = const { Ctx::new() };
}

/// Runs `f` with the current thread's context. Compiles to a direct TLS access.
#[inline(always)]
pub(crate) fn with<R>(f: impl FnOnce(&Ctx) -> R) -> R {
    CTX.with(f)
}

/// Marks the calling thread as inside the runtime for the guard's lifetime.
#[derive(Debug)]
pub(crate) struct InRuntime<'a>(&'a Ctx);

impl<'a> InRuntime<'a> {
    pub(crate) fn enter(ctx: &'a Ctx) -> InRuntime<'a> {
        ctx.in_runtime.set(ctx.in_runtime.get() + 1);
        InRuntime(ctx)
    }
}

impl Drop for InRuntime<'_> {
    fn drop(&mut self) {
        self.0.in_runtime.set(self.0.in_runtime.get() - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_gate_parks_the_skip_count_and_a_closed_one_restores_it() {
        let c = Ctx::new();
        fast::set_skip(1234);
        c.atomic_nest_count.set(1);
        c.update_gate();
        assert_eq!(
            fast::skip(),
            0,
            "parked: the next eligible access reaches the slow path"
        );
        assert_eq!(c.parked_skip.get(), 1234);
        c.set_skip(99);
        assert_eq!(
            (fast::skip(), c.parked_skip.get()),
            (0, 99),
            "resets while parked go to the parked count"
        );
        c.in_flat_atomic.set(true);
        c.update_gate();
        assert_eq!(
            c.parked_skip.get(),
            99,
            "a second reason to gate does not re-park"
        );
        c.atomic_nest_count.set(0);
        c.in_flat_atomic.set(false);
        c.update_gate();
        assert_eq!(
            (c.gate.get(), fast::skip()),
            (0, 99),
            "closing the gate restores the count"
        );
    }
}
