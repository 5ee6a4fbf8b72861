//! The annotation API behind `include/kcsan.h` (`kcsan-checks.h`): per-thread
//! switches, atomic regions, access masks and explicit checks.

use crate::ctx;
use crate::report::sink;

pub(crate) fn warn_once(flag: &core::sync::atomic::AtomicBool, msg: &str) {
    if !flag.swap(true, core::sync::atomic::Ordering::Relaxed) {
        sink::write_stderr(format!("kcsan: warning: {msg}\n").as_bytes());
    }
}

/// Stops checking on this thread until the matching [`enable_current`]; nests.
pub fn disable_current() {
    ctx::with(|c| c.disable_count.set(c.disable_count.get() + 1));
}

/// Undoes one [`disable_current`]. Unbalanced calls keep the count at 0 and warn once.
pub fn enable_current() {
    static WARNED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if !enable_current_nowarn() {
        warn_once(&WARNED, "unbalanced kcsan_enable_current()");
    }
}

/// Undoes one [`disable_current`]; returns `false` (and keeps the count at 0) if
/// it was unbalanced. Used by `data_race()`, which must stay silent.
pub fn enable_current_nowarn() -> bool {
    ctx::with(|c| {
        let n = c.disable_count.get();
        c.disable_count.set((n - 1).max(0));
        n > 0
    })
}

/// Enters a nestable atomic region: plain accesses in it count as marked.
pub fn nestable_atomic_begin() {
    ctx::with(|c| {
        c.atomic_nest_count.set(c.atomic_nest_count.get() + 1);
        c.update_gate();
    });
}

/// Leaves a nestable atomic region. Unbalanced calls keep the depth at 0 and warn once.
pub fn nestable_atomic_end() {
    static WARNED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    let balanced = ctx::with(|c| {
        let n = c.atomic_nest_count.get();
        c.atomic_nest_count.set((n - 1).max(0));
        c.update_gate();
        n > 0
    });
    if !balanced {
        warn_once(&WARNED, "unbalanced kcsan_nestable_atomic_end()");
    }
}

/// Enters a flat atomic region (does not nest; independent of nestable ones).
pub fn flat_atomic_begin() {
    ctx::with(|c| {
        c.in_flat_atomic.set(true);
        c.update_gate();
    });
}

/// Leaves the flat atomic region.
pub fn flat_atomic_end() {
    ctx::with(|c| {
        c.in_flat_atomic.set(false);
        c.update_gate();
    });
}

/// Treats the next `n` plain accesses of this thread as marked (sets, not adds).
pub fn atomic_next(n: i32) {
    ctx::with(|c| {
        c.atomic_next.set(n.max(0));
        c.update_gate();
    });
}

/// Only changes to the bits in `mask` count for this thread's watchpoints, and
/// it ignores other threads' watchpoints; 0 turns the mask off.
pub fn set_access_mask(mask: usize) {
    ctx::with(|c| c.access_mask.set(mask));
}
