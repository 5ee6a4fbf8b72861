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
//! per watch, for reports the rate limit drops anyway. Within that time, a
//! race of unknown origin at an address whose second watch caught an
//! instrumented writer is that race again (the same check-to-store window),
//! already reported with both stacks: it is not reported again.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::config;
use crate::ctx::Ctx;
use crate::delay;
use crate::report::{self, Watched};
use crate::watchpoint;

/// Addresses recently watched again, by hash: the address, and a word
/// packing a check of it, whether that second watch caught a writer, and
/// when it began. A collision costs one second watch more or less; a torn
/// pair (two threads updating one entry) fails the check and reads as no
/// entry, so it never hides a report.
const RECENT: usize = 64;
static RECENT_ADDR: [AtomicUsize; RECENT] = [const { AtomicUsize::new(0) }; RECENT];
static RECENT_WORD: [AtomicU64; RECENT] = [const { AtomicU64::new(0) }; RECENT];

const HIT: u64 = 1 << 47;
const MS_MASK: u64 = HIT - 1;

/// Where `addr` goes in the table, and the 16-bit check of it.
fn slot(addr: usize) -> (usize, u64) {
    let h = (addr as u64 >> 3).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    ((h >> 58) as usize, (h >> 16) & 0xffff)
}

/// What is known of `addr`'s last second watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recent {
    /// None within the interval: watch again now (recorded as begun).
    Due,
    /// One within the interval caught an instrumented writer.
    Hit,
    /// One within the interval did not.
    Missed,
}

/// Whether `addr` is due for a second watch (not one within `interval_ms`);
/// if so, records that one begins now.
fn recent(addr: usize, interval_ms: u64) -> Recent {
    let (i, check) = slot(addr);
    let now = delay::now_ms();
    let word = RECENT_WORD[i].load(Relaxed);
    if RECENT_ADDR[i].load(Relaxed) == addr
        && word >> 48 == check
        && now.saturating_sub(word & MS_MASK) < interval_ms
    {
        return if word & HIT != 0 {
            Recent::Hit
        } else {
            Recent::Missed
        };
    }
    RECENT_ADDR[i].store(addr, Relaxed);
    RECENT_WORD[i].store(check << 48 | (now & MS_MASK), Relaxed);
    Recent::Due
}

/// Records that the second watch of `addr` caught a writer.
fn record_hit(addr: usize) {
    let (i, check) = slot(addr);
    if RECENT_ADDR[i].load(Relaxed) == addr && RECENT_WORD[i].load(Relaxed) >> 48 == check {
        RECENT_WORD[i].fetch_or(HIT, Relaxed);
    }
}

/// What follows a watch that saw the value change with nobody hitting its
/// watchpoint.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Unseen {
    /// Reading the value faulted in the second watch: the watch was taken
    /// down (`abandon_on_fault`).
    Abandoned,
    /// The second watch caught a writer: what that watch saw, to report
    /// with the racer's half.
    Caught(Watched),
    /// An instrumented writer was caught here moments ago: this is that
    /// race again, already reported with both stacks (asserts excepted: an
    /// assertion failure is always reported).
    ReportedAlready,
    /// A race of unknown origin, with what a second watch saw if there was
    /// one.
    Report(Option<report::WatchedAgain>),
}

/// Decides what follows the watch of `first` that saw its value change with
/// nobody hitting the watchpoint in slot `idx` (which the watcher still
/// holds): a second watch if the address is due for one, else what the
/// last one there found.
///
/// # Safety
/// As [`check_access`](crate::check_access).
pub(crate) unsafe fn after_unseen_change(
    ctx: &Ctx,
    f: &config::Flags,
    idx: usize,
    first: Watched,
) -> Unseen {
    match recent(first.addr, f.report_once_in_ms) {
        Recent::Hit if !first.ty.is_assert() => Unseen::ReportedAlready,
        Recent::Hit | Recent::Missed => Unseen::Report(None),
        // SAFETY: forwarded from our caller's contract.
        Recent::Due => match unsafe { watch_again(ctx, idx, first, f) } {
            Unseen::Caught(second) => {
                record_hit(first.addr);
                Unseen::Caught(second)
            }
            other => other,
        },
    }
}

/// Watches the access of `first` again for `udelay_rewatch`, in the slot the
/// watcher still holds. The first watch saw the value change with nobody
/// hitting its watchpoint: either the writer is not instrumented, or it is
/// and its check ran just before the watchpoint was published (the check is
/// a call made before the store). A writer of the second kind that writes
/// again now is caught with its stack; one of the first kind changes the
/// value again unseen.
///
/// # Safety
/// As [`check_access`](crate::check_access).
unsafe fn watch_again(ctx: &Ctx, idx: usize, first: Watched, f: &config::Flags) -> Unseen {
    let Watched { addr, size, ty, .. } = first;
    let stall_us = u64::from(f.udelay_rewatch);
    watchpoint::rearm(idx, addr, size, ty.is_write());
    // SAFETY: the program is about to access this range (our caller's
    // contract); a fault is caught as in the first watch (`watch_slot` is
    // still this slot).
    let old = unsafe { crate::check::read_value(addr, size) };
    if ctx.watch_abandoned.replace(false) {
        return Unseen::Abandoned;
    }
    delay::stall(stall_us, f.delay_mode);
    // SAFETY: as above.
    let new = unsafe { crate::check::read_value(addr, size) };
    if ctx.watch_abandoned.replace(false) {
        return Unseen::Abandoned;
    }
    if !watchpoint::consume(idx) {
        return Unseen::Caught(Watched { old, new, ..first });
    }
    let mut diff = old ^ new;
    if first.access_mask != 0 {
        diff &= first.access_mask as u64;
    }
    Unseen::Report(Some(report::WatchedAgain {
        stall_us,
        changed: diff != 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_watched_again_once_per_interval() {
        let addr = 0x7f00_dead_b000;
        assert_eq!(recent(addr, 60_000), Recent::Due);
        assert_eq!(
            recent(addr, 60_000),
            Recent::Missed,
            "again within the interval"
        );
        record_hit(addr);
        assert_eq!(
            recent(addr, 60_000),
            Recent::Hit,
            "the second watch caught a writer"
        );
        assert_eq!(recent(addr + 8, 60_000), Recent::Due, "another address");
        assert_eq!(recent(addr, 0), Recent::Due, "no interval: always");
        assert_eq!(
            recent(addr, 60_000),
            Recent::Missed,
            "a new entry, not hit yet"
        );
    }
}
