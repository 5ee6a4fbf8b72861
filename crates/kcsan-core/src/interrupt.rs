//! Signal handlers as the kernel's interrupts: entering one, leaving it, and
//! noticing that it was left by `siglongjmp`.
//!
//! The kernel gives interrupts their own context, so an interrupt that
//! arrives inside an atomic region or a `kcsan_disable_current()` section is
//! still checked normally, and its annotations cannot leak into the task's
//! state. kcsan-rt's signal trampoline calls [`interrupt_enter`] before the
//! program's handler and [`interrupt_exit`] after it.
//!
//! A handler that leaves with `siglongjmp` (a common pattern) never comes
//! back through the trampoline. Each handler in progress is therefore also
//! recorded in the thread's context with where its trampoline frame is (and
//! which stack it runs on); a record whose frame the thread's stack pointer
//! has left behind belongs to a handler that is gone, and is retired then,
//! restoring the interrupted code's context as a return would have. That is
//! checked when the next signal arrives (with the interrupted code's stack
//! pointer) and in the slow path, so a thread's later accesses are its own
//! again ("by task", not "by interrupt").

use core::cell::Cell;

use crate::access::AccessType;
use crate::ctx::{Ctx, Origin, ScopedAccess, with};

/// The parts of a thread's context that belong to the code it runs, saved when
/// a signal handler interrupts it and restored when the handler returns.
#[derive(Clone, Copy, Debug)]
pub struct Interrupted {
    disable_count: i32,
    atomic_next: i32,
    atomic_nest_count: i32,
    in_flat_atomic: bool,
    access_mask: usize,
    scoped_head: *mut ScopedAccess,
    disable_scoped: u32,
    origin: Origin,
    reorder_addr: usize,
    reorder_size: usize,
    reorder_ty: AccessType,
    reorder_depth: i32,
}

/// One handler in progress.
#[derive(Clone, Copy, Debug)]
struct Frame {
    saved: Interrupted,
    /// An address in the trampoline's frame: the handler runs below it.
    frame_sp: usize,
    /// The alternate signal stack the handler runs on, `[lo, hi)`; (0, 0) if
    /// it runs on the interrupted code's stack.
    alt: (usize, usize),
}

impl Frame {
    /// Whether code running with stack pointer `sp` can be inside this
    /// handler: below its trampoline frame, on the stack the handler uses.
    fn holds(&self, sp: usize) -> bool {
        let (lo, hi) = self.alt;
        sp < self.frame_sp && (hi == 0 || (lo <= sp && sp < hi))
    }
}

/// Handlers tracked per thread; deeper nesting is counted but not tracked
/// (and then not checked for `siglongjmp`).
const TRACKED: usize = 4;

/// The handlers in progress on a thread, outermost first.
#[derive(Debug)]
pub(crate) struct Frames {
    len: Cell<usize>,
    frames: [Cell<Option<Frame>>; TRACKED],
}

impl Frames {
    pub(crate) const fn new() -> Frames {
        Frames {
            len: Cell::new(0),
            frames: [const { Cell::new(None) }; TRACKED],
        }
    }
}

/// A signal frame is a few KiB (up to ~3.5 KiB of vector state, plus the
/// red zone): a trampoline further than this below the interrupted code's
/// stack pointer runs on an alternate stack.
const MAX_SIGNAL_FRAME: usize = 256 << 10;

/// The alternate stack a handler whose trampoline frame is at `frame_sp`
/// runs on, or (0, 0) if it runs on the interrupted code's stack.
fn alt_stack_of(frame_sp: usize, interrupted_sp: usize) -> (usize, usize) {
    if interrupted_sp > frame_sp && interrupted_sp - frame_sp < MAX_SIGNAL_FRAME {
        return (0, 0);
    }
    // SAFETY: sigaltstack with a null new stack only reads the current one
    // into `ss`.
    let ss = unsafe {
        let mut ss: libc::stack_t = core::mem::zeroed();
        libc::sigaltstack(core::ptr::null(), &mut ss);
        ss
    };
    if ss.ss_flags & libc::SS_ONSTACK != 0 {
        (ss.ss_sp as usize, ss.ss_sp as usize + ss.ss_size)
    } else {
        (0, 0)
    }
}

/// A signal handler starts on this thread: switch to a fresh interrupt
/// context. `frame_sp` is an address in the trampoline's frame,
/// `interrupted_sp` the interrupted code's stack pointer (0 if unknown).
pub fn interrupt_enter(frame_sp: usize, interrupted_sp: usize) -> Interrupted {
    with(|c| {
        if interrupted_sp != 0 {
            // Handlers the interrupted code is not inside are gone.
            leave_abandoned_at(c, interrupted_sp);
        }
        let saved = Interrupted {
            disable_count: c.disable_count.replace(0),
            atomic_next: c.atomic_next.replace(0),
            atomic_nest_count: c.atomic_nest_count.replace(0),
            in_flat_atomic: c.in_flat_atomic.replace(false),
            access_mask: c.access_mask.replace(0),
            // Scoped accesses and the reordered access belong to the
            // interrupted code (the kernel's interrupts have their own ctx).
            scoped_head: c.scoped_head.replace(core::ptr::null_mut()),
            disable_scoped: c.disable_scoped.replace(0),
            origin: c.origin.replace(Origin::None),
            reorder_addr: c.reorder.addr.get(),
            reorder_size: c.reorder.size.replace(0),
            reorder_ty: c.reorder.ty.get(),
            reorder_depth: c.reorder.depth.get(),
        };
        let depth = c.signal_depth.get();
        let f = &c.interrupts;
        let len = f.len.get();
        // Tracked only while every outer handler is: the records then stand
        // for the outermost handlers, in order.
        if interrupted_sp != 0 && len == depth as usize && len < TRACKED {
            f.frames[len].set(Some(Frame {
                saved,
                frame_sp,
                alt: alt_stack_of(frame_sp, interrupted_sp),
            }));
            f.len.set(len + 1);
        }
        c.signal_depth.set(depth + 1);
        c.update_gate();
        saved
    })
}

/// The signal handler whose trampoline frame is at `frame_sp` returns:
/// restore the interrupted code's context (unless the handler was already
/// found gone, and its context restored then).
pub fn interrupt_exit(saved: Interrupted, frame_sp: usize) {
    with(|c| {
        let f = &c.interrupts;
        let len = f.len.get();
        if c.signal_depth.get() as usize > len {
            // Not tracked (nested too deep, or no stack pointer known).
            restore(c, saved);
        } else if len > 0
            && f.frames[len - 1]
                .get()
                .is_some_and(|t| t.frame_sp == frame_sp)
        {
            f.len.set(len - 1);
            restore(c, saved);
        }
    });
}

/// Retires the handlers that code running with stack pointer `sp` cannot be
/// inside: they were left by `siglongjmp` (or the like).
fn leave_abandoned_at(c: &Ctx, sp: usize) {
    let f = &c.interrupts;
    // Only when every handler in progress is tracked: an untracked inner one
    // could hold the stack pointer and tell us nothing about the outer ones.
    while f.len.get() > 0 && f.len.get() == c.signal_depth.get() as usize {
        let len = f.len.get();
        let Some(top) = f.frames[len - 1].get() else {
            break;
        };
        if top.holds(sp) {
            // Inside the innermost handler, so inside all of them.
            break;
        }
        f.len.set(len - 1);
        restore(c, top.saved);
    }
}

/// The slow path's check, on a thread that believes it is in a handler:
/// is it still?
#[inline]
pub(crate) fn leave_abandoned(c: &Ctx) {
    if c.signal_depth.get() != 0 {
        let here = 0u8;
        leave_abandoned_at(c, core::hint::black_box(&raw const here) as usize);
    }
}

/// Restores the interrupted code's context and leaves one handler level.
fn restore(c: &Ctx, saved: Interrupted) {
    c.disable_count.set(saved.disable_count);
    c.atomic_next.set(saved.atomic_next);
    c.atomic_nest_count.set(saved.atomic_nest_count);
    c.in_flat_atomic.set(saved.in_flat_atomic);
    c.access_mask.set(saved.access_mask);
    c.scoped_head.set(saved.scoped_head);
    c.disable_scoped.set(saved.disable_scoped);
    c.origin.set(saved.origin);
    c.reorder.addr.set(saved.reorder_addr);
    c.reorder.size.set(saved.reorder_size);
    c.reorder.ty.set(saved.reorder_ty);
    c.reorder.depth.set(saved.reorder_depth);
    c.signal_depth.set(c.signal_depth.get().saturating_sub(1));
    c.update_gate();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stack address well below this frame, standing for a trampoline
    /// frame a handler runs under (interrupting code at `sp + 512`).
    fn deeper_frame() -> (usize, usize) {
        let here = 0u8;
        let sp = core::hint::black_box(&raw const here) as usize - 64 * 1024;
        (sp, sp + 512)
    }

    #[test]
    fn a_signal_handler_gets_a_fresh_context_and_the_thread_gets_its_own_back() {
        crate::annotate::nestable_atomic_begin();
        crate::annotate::disable_current();
        let (frame_sp, isp) = deeper_frame();
        let saved = interrupt_enter(frame_sp, isp);
        with(|c| {
            assert_eq!(
                (c.gate.get(), c.disable_count.get(), c.signal_depth.get()),
                (0, 0, 1)
            );
            assert!(c.in_interrupt());
        });
        interrupt_exit(saved, frame_sp);
        with(|c| {
            assert_eq!(
                (
                    c.atomic_nest_count.get(),
                    c.disable_count.get(),
                    c.signal_depth.get(),
                    c.interrupts.len.get()
                ),
                (1, 1, 0, 0)
            );
            assert_ne!(c.gate.get(), 0);
        });
        crate::annotate::enable_current();
        crate::annotate::nestable_atomic_end();
        with(|c| assert_eq!(c.gate.get(), 0));
    }

    #[test]
    fn a_handler_left_by_siglongjmp_is_retired_once_the_stack_has_left_it() {
        crate::annotate::disable_current();
        let (frame_sp, isp) = deeper_frame();
        let _never_returned = interrupt_enter(frame_sp, isp);
        with(|c| {
            // Code below the trampoline frame is inside the handler.
            leave_abandoned_at(c, frame_sp - 100);
            assert_eq!(c.signal_depth.get(), 1, "still inside");
            // This frame is above it: the handler is gone.
            leave_abandoned(c);
            assert_eq!(
                (
                    c.signal_depth.get(),
                    c.disable_count.get(),
                    c.interrupts.len.get()
                ),
                (0, 1, 0),
                "the interrupted code's context is back"
            );
        });
        crate::annotate::enable_current();
    }

    #[test]
    fn the_next_signal_retires_a_handler_left_by_siglongjmp() {
        let (frame_sp, isp) = deeper_frame();
        let _never_returned = interrupt_enter(frame_sp, isp);
        // The next signal interrupts code above the first handler's frame.
        let (frame2, isp2) = (isp + 1024, isp + 1536);
        let saved = interrupt_enter(frame2, isp2);
        with(|c| assert_eq!((c.signal_depth.get(), c.interrupts.len.get()), (1, 1)));
        interrupt_exit(saved, frame2);
        with(|c| assert_eq!((c.signal_depth.get(), c.interrupts.len.get()), (0, 0)));
    }

    #[test]
    fn a_nested_handler_keeps_its_outer_one() {
        let (frame_sp, isp) = deeper_frame();
        let outer = interrupt_enter(frame_sp, isp);
        // A second signal while the first handler runs (below its frame).
        let (frame2, isp2) = (frame_sp - 4096, frame_sp - 2048);
        let inner = interrupt_enter(frame2, isp2);
        with(|c| assert_eq!(c.signal_depth.get(), 2));
        interrupt_exit(inner, frame2);
        with(|c| assert_eq!(c.signal_depth.get(), 1));
        interrupt_exit(outer, frame_sp);
        with(|c| assert_eq!((c.signal_depth.get(), c.interrupts.len.get()), (0, 0)));
    }
}
