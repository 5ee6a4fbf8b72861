//! The stall: how long a watcher waits with its watchpoint set up.
//!
//! The kernel busy-waits (`udelay`). In user space the default is to yield the
//! CPU while waiting (`delay_mode=yield`): a spinning watcher occupies a core
//! the racing thread may need, and on a 2-core machine yielding caught races in
//! 80% of runs against 33% for spinning (BENCHMARKS.md). `delay_mode=spin`
//! restores the kernel's busy-wait.

use crate::access::AccessType;
use crate::config::{DelayMode, Flags};
use crate::ctx::Ctx;
use crate::sample::{Watch, prandom, unit};

/// Monotonic time in nanoseconds (vDSO `clock_gettime`, no syscall).
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Monotonic time in milliseconds (the kernel's jiffies, for rate limiting).
pub fn now_ms() -> u64 {
    now_ns() / 1_000_000
}

/// The stall for one watchpoint, in microseconds: `udelay_task` (or
/// `udelay_interrupt` in a signal handler), randomised down with
/// `delay_randomize`. Compound accesses and assertions draw from the upper half,
/// because their window is the one most worth keeping open.
///
/// One of a new thread's first watches (`sample::Watch::First`, outside
/// signal handlers) stalls up to `udelay_first` instead, log-uniformly: as
/// likely between 1 and 10 us as between 100 us and 1 ms. The gap it has to
/// cover (a neighbour starting and running its chunk) can be anything in
/// that range, and the thread should not always hold its first access long:
/// a race with its second or third access needs the first stall to be short.
///
/// A focused function's access (`sample::Watch::Focus`) stalls as long as
/// `focus::stall_us` decided.
pub(crate) fn delay_us(ctx: &Ctx, f: &Flags, ty: AccessType, kind: Watch) -> u64 {
    if let Watch::Focus(us) = kind {
        return u64::from(us);
    }
    let longest = match kind {
        Watch::First => f.udelay_first,
        _ => 0,
    };
    if longest > 0 && !ctx.in_interrupt() {
        return if f.delay_randomize {
            f64::from(longest).powf(unit(ctx)) as u64
        } else {
            u64::from(longest)
        };
    }
    let mut delay = u64::from(if ctx.in_interrupt() {
        f.udelay_interrupt
    } else {
        f.udelay_task
    });
    if f.delay_randomize && delay > 0 {
        let skew = u32::from(ty.has(AccessType::COMPOUND) || ty.is_assert());
        delay -= prandom(ctx, delay >> skew);
    }
    delay
}

/// Stalls the calling thread for `us` microseconds.
pub(crate) fn stall(us: u64, mode: DelayMode) {
    let start = now_ns();
    let end = start + us * 1000;
    if mode == DelayMode::Sleep {
        let deadline = libc::timespec {
            tv_sec: (end / 1_000_000_000) as i64,
            tv_nsec: (end % 1_000_000_000) as i64,
        };
        // An absolute deadline: an interrupting signal just resumes the sleep.
        // SAFETY: `deadline` is a valid timespec; no remainder is requested.
        while unsafe {
            libc::clock_nanosleep(
                libc::CLOCK_MONOTONIC,
                libc::TIMER_ABSTIME,
                &deadline,
                core::ptr::null_mut(),
            )
        } == libc::EINTR
        {}
        return;
    }
    while now_ns() < end {
        match mode {
            DelayMode::Spin => core::hint::spin_loop(),
            // SAFETY: sched_yield has no preconditions.
            _ => unsafe {
                libc::sched_yield();
            },
        }
    }
}
