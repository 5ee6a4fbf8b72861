//! The watchpoint table: a fixed array of encoded words, one slot per page
//! (hashed with its 64 MiB region, `encoding::watchpoint_slot`), plus two
//! spare entries so lookups need no modulo.
//!
//! The protocol rests on one word per slot and a four-state life cycle,
//! all with relaxed atomics:
//!
//! ```text
//!   INVALID --insert (CAS)--> encoded --try_consume (CAS by a racer)--> CONSUMED
//!      ^                         |                                         |
//!      +---- remove (watcher) ---+------ consume (watcher's XCHG) ---------+
//! ```
//!
//! Only the watcher that inserted a word removes it, and only after it has
//! finished reporting, so the slot's handoff entry (`report::handoff`) belongs to
//! one race at a time.
//!
//! **Slots and capacity.** The kernel's table has `CONFIG_KCSAN_NUM_WATCHPOINTS`
//! slots, a build-time constant, so its slot modulo is a constant mask. Here
//! the table always has [`SLOTS`] slots, and `num_watchpoints` (a start-up
//! option) caps how many watchpoints are set up at once: the fast path's slot
//! mask is a constant (a run-time mask would cost every access a load), and
//! the larger table spreads pages over more slots than the kernel's 64.

use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::encoding::{self, CONSUMED_WATCHPOINT, INVALID_WATCHPOINT, NUM_SLOTS};
use crate::stats::Counter;

/// Slots in the table (a power of two), and the largest `num_watchpoints`.
pub(crate) const SLOTS: usize = 1024;
/// Entries in the table: the spare `NUM_SLOTS - 1` let a lookup scan
/// `slot..slot + NUM_SLOTS` without wrapping.
pub(crate) const TABLE_LEN: usize = SLOTS + NUM_SLOTS - 1;

const _: () = assert!(SLOTS.is_power_of_two());
const _: () = assert!(NUM_SLOTS <= SLOTS);
const _: () = assert!(crate::config::DEFAULT_FLAGS.num_watchpoints as usize <= SLOTS);

/// The table. Zero-initialised: every slot starts `INVALID`.
static WATCHPOINTS: [AtomicUsize; TABLE_LEN] =
    [const { AtomicUsize::new(INVALID_WATCHPOINT) }; TABLE_LEN];

/// `num_watchpoints`: the most watchpoints set up at once.
static CAPACITY: AtomicUsize =
    AtomicUsize::new(crate::config::DEFAULT_FLAGS.num_watchpoints as usize);

/// Sets `num_watchpoints` (at most [`SLOTS`]), at start-up.
pub(crate) fn set_capacity(n: usize) {
    debug_assert!((1..=SLOTS).contains(&n));
    CAPACITY.store(n, Relaxed);
}

/// A watchpoint seen by a lookup: its slot index and the word that was read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found {
    pub(crate) idx: usize,
    pub(crate) encoded: usize,
}

/// The first slot of the lookup window for `addr` (below [`SLOTS`]).
#[inline(always)]
pub(crate) fn window(addr: usize) -> usize {
    encoding::watchpoint_slot(addr, SLOTS - 1)
}

/// The table's first word, for the fast path's window scan in assembly
/// (`check::check_access`, x86-64): it reads `slot`, `slot + 1` and
/// `slot + 2` with plain loads, which are the relaxed atomic loads of
/// [`window_is_empty`] there.
#[inline(always)]
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    allow(dead_code)
)]
pub(crate) fn table() -> *const usize {
    WATCHPOINTS.as_ptr().cast()
}

/// Fast-path prefilter: whether any slot in the window holds anything at all.
/// Three loads and two ORs, no branch per slot: almost every access stops here.
/// (On x86-64 Linux the fast path does this in assembly, on [`table`].)
#[inline(always)]
#[cfg_attr(all(target_arch = "x86_64", target_os = "linux"), allow(dead_code))]
pub(crate) fn window_is_empty(slot: usize) -> bool {
    // The loop has a constant bound and unrolls; `slot < SLOTS` (from
    // `window`) proves every index below `TABLE_LEN`, so there are no
    // bounds checks.
    let mut any = 0;
    for i in 0..NUM_SLOTS {
        any |= WATCHPOINTS[encoding::slot_idx_fast(slot & (SLOTS - 1), i)].load(Relaxed);
    }
    any == 0
}

/// Looks for a watchpoint in the window that conflicts with this access: it
/// overlaps, and at least one of the two is a write (a read only matches write
/// watchpoints).
#[inline(never)]
pub(crate) fn find(slot: usize, addr: usize, size: usize, is_write: bool) -> Option<Found> {
    let slot = slot & (SLOTS - 1);
    let addr_masked = addr & encoding::WATCHPOINT_ADDR_MASK;
    for i in 0..NUM_SLOTS {
        let idx = encoding::slot_idx_fast(slot, i);
        let w = WATCHPOINTS[idx].load(Relaxed);
        let Some(d) = encoding::decode_watchpoint(w) else {
            continue;
        };
        if !is_write && !d.is_write {
            continue;
        }
        if encoding::matching_access(d.addr_masked, d.size, addr_masked, size) {
            return Some(Found { idx, encoded: w });
        }
    }
    None
}

/// Publishes a watchpoint for this access in the page's primary slot or one of
/// its neighbours. `None` when all candidate slots are taken, or
/// `num_watchpoints` watchpoints are set up already (`no_capacity`).
pub(crate) fn insert(addr: usize, size: usize, is_write: bool) -> Option<usize> {
    // The cap is checked loosely (watchers that start together may pass it
    // by a few): it bounds how many threads stall at once, not memory.
    if Counter::UsedWatchpoints.get() >= CAPACITY.load(Relaxed) {
        return None;
    }
    let slot = window(addr);
    let encoded = encoding::encode_watchpoint(addr, size, is_write);
    (0..NUM_SLOTS)
        .map(|i| encoding::slot_idx(slot, i))
        .find(|&idx| {
            WATCHPOINTS[idx]
                .compare_exchange(INVALID_WATCHPOINT, encoded, Relaxed, Relaxed)
                .is_ok()
        })
}

/// A racer claims a watchpoint it saw: succeeds only if the slot still holds
/// exactly the word it read. This fails if:
/// 1. another racer consumed the watchpoint first;
/// 2. the watcher already removed it (its stall ended);
/// 3. the watcher removed it and another watchpoint reused the slot.
pub(crate) fn try_consume(found: Found) -> bool {
    WATCHPOINTS[found.idx]
        .compare_exchange(found.encoded, CONSUMED_WATCHPOINT, Relaxed, Relaxed)
        .is_ok()
}

/// The watcher ends its watch: returns `true` if nobody consumed the watchpoint.
/// The slot is left `CONSUMED` either way, so no racer can claim it any more.
pub(crate) fn consume(idx: usize) -> bool {
    WATCHPOINTS[idx].swap(CONSUMED_WATCHPOINT, Relaxed) != CONSUMED_WATCHPOINT
}

/// Publishes the watchpoint again in the slot its watcher still holds (after
/// [`consume`] left it `CONSUMED`): a second watch of the same access. Only
/// that watcher calls this; racers only ever claim an encoded watchpoint.
pub(crate) fn rearm(idx: usize, addr: usize, size: usize, is_write: bool) {
    WATCHPOINTS[idx].store(encoding::encode_watchpoint(addr, size, is_write), Relaxed);
}

/// Frees a slot. Only the watcher that inserted it calls this, after reporting.
pub(crate) fn remove(idx: usize) {
    WATCHPOINTS[idx].store(INVALID_WATCHPOINT, Relaxed);
}

/// Frees every slot: in a forked child, the parent's other threads (and their
/// watches) do not exist.
pub(crate) fn clear_all() {
    for w in &WATCHPOINTS {
        w.store(INVALID_WATCHPOINT, Relaxed);
    }
}
