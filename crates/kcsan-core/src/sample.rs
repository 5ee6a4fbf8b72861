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

/// Starts a new skip period (called on every slow-path entry).
pub(crate) fn reset_skip(ctx: &Ctx, f: &Flags) {
    let mut skip = f.skip_watch as i64;
    if f.skip_watch_randomize {
        skip -= prandom(ctx, f.skip_watch) as i64;
    }
    ctx.set_skip(skip);
}
