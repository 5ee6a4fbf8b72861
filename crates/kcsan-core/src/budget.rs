//! The stall budget (`max_stall_ratio`): bounds the time each thread spends
//! stalled in watchpoints to a fraction of its run time.
//!
//! The kernel's defaults (a watchpoint every ~4000 accesses, each stalling up
//! to 80 µs) cost little in a kernel that mostly waits. A user-space loop that
//! does nothing but memory accesses reaches 4000 accesses in a few
//! microseconds, so the same defaults would keep it stalled most of the time.
//! The budget keeps the sampling uniform over accesses but stretches the skip
//! count so that stalls fit in the budget:
//!
//! - Each thread holds **credit**, in nanoseconds of stall. It earns
//!   `max_stall_ratio` ns per ns of time that passes (stalls included, so the
//!   ratio is stalled / total time), up to a burst of `stall_burst_ms`. A new
//!   thread starts with a full burst, so it can watch right away (the
//!   cold-start sampler spends it).
//! - A watchpoint is set up only if the thread's credit covers its stall; the
//!   stall's real length is then charged.
//! - When credit runs short, the next skip period is stretched to the number
//!   of accesses the thread needs to earn the missing credit, estimated from
//!   its recent time per eligible access. The slow path is then entered about
//!   when the stall is affordable, and the fast path is unchanged.
//!
//! All of this runs in the slow path only; with `max_stall_ratio=0` (the
//! kernel's behaviour) none of it runs.

use core::cell::Cell;

use crate::config::Flags;
use crate::ctx::Ctx;
use crate::stats::Counter;

/// The most stall credit a thread can save up (`stall_burst_ms`): after a
/// long wait (or at its start) a thread may stall this long in a burst before
/// the budget's rate applies.
fn burst_ns(f: &Flags) -> u64 {
    u64::from(f.stall_burst_ms) * 1_000_000
}

/// One thread's budget account.
#[derive(Debug)]
pub(crate) struct Account {
    /// Stall credit in ns (never above the burst).
    credit_ns: Cell<u64>,
    /// When credit was last brought up to date; 0: never (a new thread).
    updated_ns: Cell<u64>,
    /// The recent time per eligible access, in ns (a moving average; 0: not
    /// measured yet).
    ns_per_access: Cell<u64>,
    /// When the current skip period started (the end of the last stall), and
    /// its length in accesses (0: not measured, e.g. the period was cut short).
    period_start_ns: Cell<u64>,
    period_len: Cell<u64>,
    /// The focus budget's credit and its last update (0: never), as above.
    focus_credit_ns: Cell<u64>,
    focus_updated_ns: Cell<u64>,
}

impl Account {
    pub(crate) const fn new() -> Account {
        Account {
            credit_ns: Cell::new(0),
            updated_ns: Cell::new(0),
            ns_per_access: Cell::new(0),
            period_start_ns: Cell::new(0),
            period_len: Cell::new(0),
            focus_credit_ns: Cell::new(0),
            focus_updated_ns: Cell::new(0),
        }
    }
}

/// The skip count ran out at `now`: may this thread stall for `stall_ns`?
/// If not, stretches the skip count so the next try comes about when the
/// credit suffices, and counts a `budget_skips`.
pub(crate) fn admit(ctx: &Ctx, f: &Flags, now: u64, stall_ns: u64) -> bool {
    let ratio = f.max_stall_ratio.0;
    if ratio <= 0.0 {
        return true;
    }
    let a = &ctx.budget;
    measure_period(a, now);
    let burst = burst_ns(f);
    let credit = match a.updated_ns.get() {
        0 => burst,
        then => {
            let earned = (now.saturating_sub(then) as f64 * ratio) as u64;
            (a.credit_ns.get() + earned).min(burst)
        }
    };
    a.credit_ns.set(credit);
    a.updated_ns.set(now);
    if credit >= stall_ns {
        return true;
    }
    Counter::BudgetSkips.inc();
    stretch(ctx, ratio, stall_ns - credit);
    start_period(ctx, now);
    false
}

/// The focus budget: a focused function's accesses are all watched, but
/// the thread spends at most this fraction of its time stalled in them, so
/// a focused function that makes millions of accesses runs at most ten
/// times slower, not for hours. Its own account: focus stalls neither use
/// nor stretch the sampling budget.
const FOCUS_STALL_RATIO: f64 = 0.9;

/// The focus budget's burst: what a thread starts with and can save up.
const FOCUS_BURST_NS: u64 = 50_000_000;

/// May this thread stall `stall_ns` on an access of a focused function?
/// Unlike [`admit`], a refusal only skips this access: the next one asks
/// again.
pub(crate) fn admit_focus(ctx: &Ctx, _f: &Flags, now: u64, stall_ns: u64) -> bool {
    let a = &ctx.budget;
    let credit = match a.focus_updated_ns.get() {
        0 => FOCUS_BURST_NS,
        then => {
            let earned = (now.saturating_sub(then) as f64 * FOCUS_STALL_RATIO) as u64;
            (a.focus_credit_ns.get() + earned).min(FOCUS_BURST_NS)
        }
    };
    a.focus_credit_ns.set(credit);
    a.focus_updated_ns.set(now);
    if credit >= stall_ns {
        return true;
    }
    Counter::BudgetSkips.inc();
    false
}

/// A focus stall of `stalled_ns` ended: charge it to the focus budget.
pub(crate) fn charge_focus(ctx: &Ctx, stalled_ns: u64) {
    let a = &ctx.budget;
    a.focus_credit_ns
        .set(a.focus_credit_ns.get().saturating_sub(stalled_ns));
}

/// A stall that [`admit`] allowed ended at `end` after `stalled_ns`: charge
/// it, and stretch the next skip period if the credit left cannot pay for
/// another stall like it.
pub(crate) fn charge(ctx: &Ctx, f: &Flags, end: u64, stalled_ns: u64) {
    let ratio = f.max_stall_ratio.0;
    if ratio <= 0.0 {
        return;
    }
    let a = &ctx.budget;
    let credit = a.credit_ns.get().saturating_sub(stalled_ns);
    a.credit_ns.set(credit);
    if credit < stalled_ns {
        stretch(ctx, ratio, stalled_ns - credit);
    }
    start_period(ctx, end);
}

/// Makes the skip count at least the number of accesses it takes to earn
/// `deficit_ns` of credit at this thread's pace.
fn stretch(ctx: &Ctx, ratio: f64, deficit_ns: u64) {
    let per_access = ctx.budget.ns_per_access.get().max(1);
    let needed = (deficit_ns as f64 / ratio / per_access as f64) as i64;
    if needed > ctx.skip_count() {
        ctx.set_skip(needed);
    }
}

/// A skip period starts at `now` with the skip count in force.
fn start_period(ctx: &Ctx, now: u64) {
    let a = &ctx.budget;
    a.period_start_ns.set(now);
    a.period_len.set(ctx.skip_count().max(0) as u64);
}

/// The period that ends at `now` tells the thread's pace: fold it into the
/// moving average of ns per access (weight 1/4, so a phase change shows
/// within a few periods).
fn measure_period(a: &Account, now: u64) {
    let len = a.period_len.replace(0);
    if len == 0 {
        return;
    }
    let sample = now.saturating_sub(a.period_start_ns.get()) / (len + 1);
    let avg = match a.ns_per_access.get() {
        0 => sample,
        avg => (avg * 3 + sample) / 4,
    };
    a.ns_per_access.set(avg.max(1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Ratio;

    fn flags(ratio: f64) -> Flags {
        Flags {
            max_stall_ratio: Ratio(ratio),
            ..Flags::DEFAULT
        }
    }

    #[test]
    fn without_a_budget_every_stall_is_admitted() {
        let ctx = Ctx::new();
        let f = flags(0.0);
        for i in 0..100 {
            assert!(admit(&ctx, &f, 1000 + i, 80_000));
            charge(&ctx, &f, 1000 + i, 80_000);
        }
        assert_eq!(ctx.skip_count(), 0, "no stretching");
    }

    #[test]
    fn a_new_thread_spends_its_burst_then_the_ratio_holds() {
        let ctx = Ctx::new();
        let f = flags(0.1);
        let stall = 80_000;
        let mut now = 1_000_000_000u64;
        let mut stalled = 0u64;
        let start = now;
        let mut admitted = 0;
        // A dense loop: each access takes 2 ns; the skip count is honoured.
        for _ in 0..10_000 {
            if admit(&ctx, &f, now, stall) {
                admitted += 1;
                now += stall;
                stalled += stall;
                charge(&ctx, &f, now, stall);
            }
            let skip = ctx.skip_count().max(0) as u64;
            ctx.set_skip(0);
            now += 2 * (skip + 1);
        }
        let total = now - start;
        let ratio = stalled as f64 / total as f64;
        assert!(admitted > 12, "the burst pays for the first stalls");
        assert!(
            ratio <= 0.1 + burst_ns(&f) as f64 / total as f64,
            "stalled {ratio:.3} of the time"
        );
        assert!(ratio > 0.05, "the budget is used, not wasted: {ratio:.3}");
    }
}
