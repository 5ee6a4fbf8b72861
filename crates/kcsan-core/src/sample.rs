//! Sampling: the per-thread skip counter and its PRNG.
//!
//! Each thread skips `skip_watch` eligible accesses (or a random number up to it,
//! with `skip_watch_randomize`) between watchpoints. The kernel's counter is per
//! CPU; in user space it is per thread, so the sampling rate is per thread.

use crate::config::Flags;
use crate::ctx::Ctx;

/// A uniform-ish random number in `0..n` from the thread's LCG (`0` for `n == 0`).
pub(crate) fn prandom(ctx: &Ctx, n: u64) -> u64 {
    let mut state = ctx.prng.get();
    if state == 0 {
        state = seed(ctx);
    }
    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
    ctx.prng.set(state);
    if n == 0 { 0 } else { u64::from(state) % n }
}

/// Seeds a thread's PRNG from the clock and its thread id, so threads started
/// together do not sample in lock step.
fn seed(ctx: &Ctx) -> u32 {
    let t = crate::delay::now_ns();
    let s = (t ^ (t >> 32) ^ (ctx.tid() as u64).wrapping_mul(0x9E37_79B9)) as u32;
    s | 1
}

/// Skip periods per cold-start level.
const COLD_PERIODS_PER_LEVEL: u32 = 64;
/// Cold-start levels: the skip bound is 1, 4, 16 and 64 in turn (about one
/// access in 2, 3.5, 9.5 and 33.5 watched), each for
/// [`COLD_PERIODS_PER_LEVEL`] periods, before `skip_watch` applies: a thread's
/// first ~3000 eligible accesses. (Chosen on tests/c/cold_start_short_thread.c:
/// eight periods per level and steps of 10 caught its race in 28% of runs,
/// these constants in 100%; BENCHMARKS.md has the corpus numbers.)
const COLD_LEVELS: u32 = 4;
/// The factor between two levels' skip bounds.
const COLD_BACKOFF: u64 = 4;

/// The skip bound in force: `skip_watch`, or with `cold_start` a much smaller
/// one for a thread's first skip periods. A new thread (and the program's
/// start) is where short-lived code runs: a lazy initialisation, a helper
/// thread that lives a millisecond. At 1 in 4000 such code is rarely watched
/// at all; watching it eagerly first, then backing off step by step, finds
/// those races in one run (the "cold region" idea of sampling race detectors
/// such as LiteRace, per thread rather than per function, because the fast
/// path does not know the call site). The stall budget still bounds the cost.
fn skip_bound(ctx: &Ctx, f: &Flags) -> u64 {
    if !f.cold_start {
        return f.skip_watch;
    }
    let periods = ctx.periods.get();
    let level = periods / COLD_PERIODS_PER_LEVEL;
    if level >= COLD_LEVELS {
        return f.skip_watch;
    }
    ctx.periods.set(periods + 1);
    COLD_BACKOFF.pow(level).min(f.skip_watch)
}

/// Starts a new skip period (called on every slow-path entry).
pub(crate) fn reset_skip(ctx: &Ctx, f: &Flags) {
    let bound = skip_bound(ctx, f);
    let mut skip = bound as i64;
    if f.skip_watch_randomize {
        skip -= prandom(ctx, bound) as i64;
    }
    ctx.set_skip(skip);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cold_start_backs_off_step_by_step_then_uses_skip_watch() {
        let ctx = Ctx::new();
        let f = Flags {
            cold_start: true,
            ..Flags::DEFAULT
        };
        let n = COLD_PERIODS_PER_LEVEL as usize;
        let bounds: Vec<u64> = (0..5 * n).map(|_| skip_bound(&ctx, &f)).collect();
        for (level, want) in [1, 4, 16, 64, 4000].into_iter().enumerate() {
            assert!(
                bounds[level * n..(level + 1) * n]
                    .iter()
                    .all(|&b| b == want),
                "level {level}: {:?}",
                &bounds[level * n..(level + 1) * n]
            );
        }
        let warm = Flags::DEFAULT;
        assert_eq!(
            skip_bound(&Ctx::new(), &warm),
            4000,
            "off: the kernel's skip_watch"
        );
    }
}
