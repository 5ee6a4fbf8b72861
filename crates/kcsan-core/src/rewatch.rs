//! Watching again: a race of unknown origin gets a second watch before it is
//! reported (`udelay_rewatch`).
//!
//! A watch that saw the value change with nobody hitting its watchpoint has
//! two explanations: the writer is not instrumented, or it is and its check
//! (a call made before the store) ran just before the watchpoint was
//! published, its store landing during the stall. A writer of the second
//! kind that writes again during a second watch hits it, and the race is
//! reported with both stacks; the report of a race that stays of unknown
//! origin says what the second watch saw.
//!
//! An address is watched again at most once per `report_once_in_ms`: an
//! uninstrumented writer in a hot loop would otherwise cost a long stall
//! per watch, for reports the rate limit drops anyway.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::config;
use crate::ctx::Ctx;
use crate::delay;
use crate::report::{self, Watched};
use crate::watchpoint;

/// Addresses recently watched again, by hash (a heuristic: a collision or a
/// torn pair costs one rewatch more or less, never a report).
const RECENT: usize = 64;
static RECENT_ADDR: [AtomicUsize; RECENT] = [const { AtomicUsize::new(0) }; RECENT];
static RECENT_MS: [AtomicU64; RECENT] = [const { AtomicU64::new(0) }; RECENT];

/// Whether `addr` may be watched again now (and if so, records it): not
/// within `interval_ms` of its last second watch.
pub(crate) fn is_due(addr: usize, interval_ms: u64) -> bool {
    let i = (addr >> 3).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (usize::BITS - 6);
    let now = delay::now_ms();
    if RECENT_ADDR[i].load(Relaxed) == addr
        && now.saturating_sub(RECENT_MS[i].load(Relaxed)) < interval_ms
    {
        return false;
    }
    RECENT_ADDR[i].store(addr, Relaxed);
    RECENT_MS[i].store(now, Relaxed);
    true
}

/// How a second watch of an access whose value changed unseen ended.
pub(crate) enum Again {
    /// Reading the value faulted: the watch was taken down
    /// (`abandon_on_fault`).
    Abandoned,
    /// Someone hit the watchpoint: what the second watch saw.
    Hit(Watched),
    /// Nobody did: what the second watch saw, for the unknown-origin report.
    Missed(report::WatchedAgain),
}

/// Watches the access of `first` again for `stall_us`, in the slot the
/// watcher still holds (`udelay_rewatch`). The first watch saw the value
/// change with nobody hitting its watchpoint: either the writer is not
/// instrumented, or it is and its check ran just before the watchpoint was
/// published (the check is a call made before the store). A writer of the
/// second kind that writes again now is caught with its stack; one of the
/// first kind changes the value again unseen.
///
/// # Safety
/// As [`check_access`](crate::check_access).
pub(crate) unsafe fn watch_again(
    ctx: &Ctx,
    idx: usize,
    first: Watched,
    stall_us: u64,
    mode: config::DelayMode,
) -> Again {
    let Watched { addr, size, ty, .. } = first;
    watchpoint::rearm(idx, addr, size, ty.is_write());
    // SAFETY: the program is about to access this range (our caller's
    // contract); a fault is caught as in the first watch (`watch_slot` is
    // still this slot).
    let old = unsafe { crate::check::read_value(addr, size) };
    if ctx.watch_abandoned.replace(false) {
        return Again::Abandoned;
    }
    delay::stall(stall_us, mode);
    // SAFETY: as above.
    let new = unsafe { crate::check::read_value(addr, size) };
    if ctx.watch_abandoned.replace(false) {
        return Again::Abandoned;
    }
    let second = Watched { old, new, ..first };
    if !watchpoint::consume(idx) {
        return Again::Hit(second);
    }
    let mut diff = old ^ new;
    if first.access_mask != 0 {
        diff &= first.access_mask as u64;
    }
    Again::Missed(report::WatchedAgain {
        stall_us,
        changed: diff != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_watched_again_once_per_interval() {
        let addr = 0x7f00_dead_b000;
        assert!(is_due(addr, 60_000));
        assert!(!is_due(addr, 60_000), "again within the interval");
        assert!(is_due(addr + 8, 60_000), "another address");
        assert!(is_due(addr, 0), "no interval: always");
    }
}
