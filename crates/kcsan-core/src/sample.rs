//! Sampling: which accesses a thread watches (the skip count, a new thread's
//! first watches) and the per-thread PRNG. How long a watch stalls is
//! `delay.rs`; how much stalling a thread can afford is `budget.rs`.
//!
//! Each thread skips a random number of eligible accesses, up to
//! `skip_watch`, between watchpoints (the kernel's counter is per CPU; in
//! user space it is per thread, so the sampling rate is per thread). The
//! `user` preset samples densely (`skip_watch=20`) and lets the stall budget
//! stretch the skip count on access-dense code: dense while a thread's
//! stall credit is plentiful (short programs, new threads), sparse when it is
//! not. The kernel's `skip_watch=4000` is longer than most small programs.
//!
//! **A new thread's first watches.** A thread's first `first_watches`
//! eligible accesses are all watched, each with a long stall drawn
//! log-uniformly up to `udelay_first` (see `delay::delay_us`). A thread's
//! first accesses are where the races of short-lived parallel code are: the
//! first iteration of a worker's loop chunk reads the element its neighbour
//! writes last, a shared sum is loaded before a chunk and stored after it,
//! a task reads what another task writes. The threads that start a
//! parallel phase start one after another, tens of microseconds apart, and
//! each runs its chunk in a few microseconds, so the racing accesses never
//! overlap in time by themselves; a long stall on a new thread's first
//! accesses covers its neighbours' whole chunks while they run at full
//! speed. Log-uniform lengths cover every gap from microseconds to a
//! millisecond alike. (BENCHMARKS.md, "Choosing the sampling policy", has the
//! measurements and what else was tried.)

use crate::config::Flags;
use crate::ctx::Ctx;

/// A uniform-ish random number in `0..n` from the thread's LCG (`0` for `n == 0`).
pub(crate) fn prandom(ctx: &Ctx, n: u64) -> u64 {
    let state = next_state(ctx);
    if n == 0 { 0 } else { u64::from(state) % n }
}

/// A uniform random fraction in `[0, 1)`, from the LCG's high bits (its low
/// bits have short periods).
pub(crate) fn unit(ctx: &Ctx) -> f64 {
    f64::from(next_state(ctx) >> 8) / f64::from(1u32 << 24)
}

fn next_state(ctx: &Ctx) -> u32 {
    let mut state = ctx.prng.get();
    if state == 0 {
        state = seed(ctx);
    }
    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
    ctx.prng.set(state);
    state
}

/// Seeds a thread's PRNG from the clock and its thread id, so threads started
/// together do not sample in lock step.
fn seed(ctx: &Ctx) -> u32 {
    let t = crate::delay::now_ns();
    let s = (t ^ (t >> 32) ^ (ctx.tid() as u64).wrapping_mul(0x9E37_79B9)) as u32;
    s | 1
}

/// What a slow-path entry is about to watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Watch {
    /// One of a new thread's first watches (`first_watches`): a long stall.
    First,
    /// A sampled access: the ordinary stall.
    Sampled,
    /// An access of a focused function (`focus.rs`): a stall up to this
    /// many microseconds, under the focus budget.
    Focus(u32),
}

/// Starts a new skip period (called on every slow-path entry) and says what
/// kind of watch the access that ended the last one gets.
///
/// A new thread's skip count starts at 0, so its first eligible access comes
/// here; while it has first watches left, the next period is empty too.
pub(crate) fn start_period(ctx: &Ctx, f: &Flags) -> Watch {
    let done = ctx.first_watches.get();
    if done < f.first_watches {
        ctx.first_watches.set(done + 1);
        if done + 1 < f.first_watches {
            ctx.set_skip(0);
            return Watch::First;
        }
        reset_skip(ctx, f);
        return Watch::First;
    }
    reset_skip(ctx, f);
    Watch::Sampled
}

/// A new skip count: `skip_watch`, or with `skip_watch_randomize` a number
/// drawn uniformly from `1..=skip_watch`.
fn reset_skip(ctx: &Ctx, f: &Flags) {
    let mut skip = f.skip_watch as i64;
    if f.skip_watch_randomize {
        skip -= prandom(ctx, f.skip_watch) as i64;
    }
    ctx.set_skip(skip);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_thread_watches_its_first_accesses_then_samples() {
        let ctx = Ctx::new();
        let f = Flags {
            first_watches: 3,
            skip_watch: 20,
            ..Flags::DEFAULT
        };
        let kinds: Vec<Watch> = (0..4).map(|_| start_period(&ctx, &f)).collect();
        assert_eq!(
            kinds,
            [Watch::First, Watch::First, Watch::First, Watch::Sampled]
        );
        let skip = ctx.skip_count();
        assert!((1..=20).contains(&skip), "sampled period: {skip}");
    }

    #[test]
    fn first_watches_leave_no_gap_between_them() {
        let ctx = Ctx::new();
        let f = Flags {
            first_watches: 2,
            ..Flags::DEFAULT
        };
        assert_eq!(start_period(&ctx, &f), Watch::First);
        assert_eq!(ctx.skip_count(), 0, "the next access is watched too");
        assert_eq!(start_period(&ctx, &f), Watch::First);
        assert!(ctx.skip_count() >= 1, "then sampling starts");
    }

    #[test]
    fn the_kernel_preset_has_no_first_watches() {
        let ctx = Ctx::new();
        let mut f = Flags::DEFAULT;
        f.set("preset", "kernel").unwrap();
        assert_eq!(start_period(&ctx, &f), Watch::Sampled);
        assert!(ctx.skip_count() <= 4000);
    }

    #[test]
    fn unit_fractions_are_in_range_and_spread() {
        let ctx = Ctx::new();
        let xs: Vec<f64> = (0..1000).map(|_| unit(&ctx)).collect();
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        let below = xs.iter().filter(|&&x| x < 0.5).count();
        assert!((400..600).contains(&below), "{below} of 1000 below 0.5");
    }
}
