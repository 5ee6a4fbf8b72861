//! The fast path (`check_access`) and the two slow paths it may enter:
//! `setup_watchpoint` (this thread becomes the watcher) and `found_watchpoint`
//! (this thread races with a watcher).
//!
//! Fast path, for every instrumented access:
//!
//! ```text
//! check_access ── size 0? ── return
//!      │
//!      ├─ any word in the 3-slot window? ──yes──> check_window: find()
//!      │        ──conflict──> found_watchpoint; else continue below        (cold)
//!      ├─ marked? ── return                  (marked accesses check, never watch)
//!      ├─ aligned plain write, assumed atomic? ── return
//!      └─ --skip < 0? ──yes──> skip_expired                                (cold)
//!                 (parked at 0 in atomic regions: gated_is_atomic decides)
//!                 └─ setup_watchpoint  (sample.rs decides the next period)
//! ```
//!
//! Everything in `check_access` is inlined into each `__tsan_*` entry point; its
//! rare branches are tail calls into named functions that cannot unwind.

use crate::access::AccessType;
use crate::config;
use crate::ctx::{self, Ctx, GATE_FOCUS, GATE_PENDING, Origin};
use crate::encoding;
use crate::fast;
use crate::report::{self, ValueChange, Watched};
use crate::rewatch::{self, Unseen};
use crate::sample::Watch;
use crate::scoped::check_pending;
use crate::shield::{CancelDisabled, SignalsBlocked};
use crate::stats::Counter;
use crate::watchpoint::{self, Found};
use crate::weak_memory::set_reorder_access;
use crate::{budget, control, delay, focus, permissive, runtime, sample};

/// Checks one memory access: the entry point of every instrumented access.
///
/// # Safety
/// `ptr..ptr + size` must be memory the program is about to access (the
/// watcher reads its value), or `size` must be 0.
#[inline(always)]
pub unsafe fn check_access(ptr: *const u8, size: usize, ty: AccessType) {
    let addr = ptr as usize;
    // Folded away in the entry points whose size is a literal.
    if size == 0 {
        return;
    }
    let slot = watchpoint::window(addr);
    // The window scan in assembly: LLVM does not fold the relaxed atomic
    // loads into the `or`s (3 loads + 2 `or`s + `test`), plain `mov`s are
    // the same atomic loads on x86-64, and `jnz` goes straight to the tail
    // call.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    // SAFETY: `slot < SLOTS` (from `window`), so the three words read are
    // inside the table (`TABLE_LEN = SLOTS + 2`); the assembly writes nothing.
    unsafe {
        const _: () = assert!(encoding::NUM_SLOTS == 3);
        core::arch::asm!(
            "mov {any}, qword ptr [{table} + {slot} * 8]",
            "or {any}, qword ptr [{table} + {slot} * 8 + 8]",
            "or {any}, qword ptr [{table} + {slot} * 8 + 16]",
            "jnz {busy}",
            table = in(reg) watchpoint::table(),
            slot = in(reg) slot,
            any = out(reg) _,
            // SAFETY: forwarded from our caller's contract.
            busy = label { return unsafe { check_window(addr, size, ty, slot) } },
            options(nostack, readonly),
        );
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    if !watchpoint::window_is_empty(slot) {
        // SAFETY: forwarded from our caller's contract.
        return unsafe { check_window(addr, size, ty, slot) };
    }
    // SAFETY: forwarded from our caller's contract.
    unsafe { sample_access(addr, size, ty) }
}

/// `--skip < 0` on the thread's skip count (`fast.rs`), in one instruction
/// and a branch to `skip_expired` (a tail call from the entry points). Only
/// in a function that may tail-call `skip_expired` (see there).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
macro_rules! count_down {
    ($addr:expr, $size:expr, $ty:expr) => {
        // SAFETY: the assembly touches only this thread's fast block; the
        // call is forwarded from the contract of `check_access`.
        unsafe {
            core::arch::asm!(
                "mov {t}, qword ptr [rip + __kcsan_fast_tls@GOTTPOFF]",
                "dec qword ptr fs:[{t} + {skip}]",
                "js {expired}",
                t = out(reg) _,
                skip = const fast::SKIP,
                // SAFETY: as above.
                expired = label { return unsafe { skip_expired($addr, $size, $ty) } },
                options(nostack),
            )
        }
    };
}

/// Runs `$then` if the thread's pending flag (`GATE_PENDING`) is set.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
macro_rules! if_pending {
    ($then:block) => {
        // SAFETY: the assembly reads only this thread's fast block.
        unsafe {
            core::arch::asm!(
                "mov {t}, qword ptr [rip + __kcsan_fast_tls@GOTTPOFF]",
                "cmp byte ptr fs:[{t} + {pending}], 0",
                "jne {then}",
                t = out(reg) _,
                pending = const fast::PENDING,
                then = label $then,
                options(nostack, readonly),
            )
        }
    };
}

/// The fast path's second half: marked accesses and plain writes assumed atomic
/// only check; every other access counts down the thread's skip count.
///
/// While the thread is in an atomic region (or has `atomic_next` set), its
/// skip count is parked at 0 (`Ctx::update_gate`), so each eligible access
/// goes to [`skip_expired`], which sorts it out; the fast path itself has no
/// branch for atomic regions.
///
/// On x86-64 Linux the thread-local words are reached in assembly with one
/// `%fs`-relative operand each (`fast.rs` says why). A plain write that may be
/// assumed atomic tests the thread's flag first and only then its alignment,
/// so that with the option off (the default) such a write costs a read's
/// path plus a `cmp` and a branch.
///
/// # Safety
/// As [`check_access`].
#[inline(always)]
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
unsafe fn sample_access(addr: usize, size: usize, ty: AccessType) {
    if ty.is_atomic() {
        // Not watched, but scoped accesses and a pending reordered access
        // are still checked after it.
        if_pending!({ check_pending(ty) });
        return;
    }
    if !may_be_assumed_atomic(size, ty) {
        count_down!(addr, size, ty);
        return;
    }
    // SAFETY: the assembly touches only this thread's fast block; the call
    // is forwarded from our caller's contract.
    unsafe {
        core::arch::asm!(
            "mov {t}, qword ptr [rip + __kcsan_fast_tls@GOTTPOFF]",
            "cmp byte ptr fs:[{t} + {writes_atomic}], 0",
            "jne {assumed}",
            "dec qword ptr fs:[{t} + {skip}]",
            "js {expired}",
            t = out(reg) _,
            writes_atomic = const fast::WRITES_ATOMIC,
            skip = const fast::SKIP,
            assumed = label {
                if addr & (size - 1) == 0 {
                    // As a marked access.
                    if_pending!({ check_pending(ty) });
                    return;
                }
                count_down!(addr, size, ty);
            },
            // SAFETY: as above.
            expired = label { return unsafe { skip_expired(addr, size, ty) } },
            options(nostack),
        );
    }
}

/// See the x86-64 version: the same logic, through `fast.rs`'s accessors.
///
/// # Safety
/// As [`check_access`].
#[inline(always)]
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
unsafe fn sample_access(addr: usize, size: usize, ty: AccessType) {
    if ty.is_atomic() || is_assumed_atomic_write(addr, size, ty) {
        // Not watched, but scoped accesses and a pending reordered access
        // are still checked after it.
        if fast::pending() {
            check_pending(ty);
        }
        return;
    }
    let skip = fast::skip() - 1;
    fast::set_skip(skip);
    if skip < 0 {
        // SAFETY: forwarded from our caller's contract.
        unsafe { skip_expired(addr, size, ty) };
    }
}

/// Whether an access of this type and size is one `assume_plain_writes_atomic`
/// covers when it is aligned: a plain, non-compound write of 1, 2, 4 or 8
/// bytes. Constant in the entry points whose size is a literal.
#[inline(always)]
const fn may_be_assumed_atomic(size: usize, ty: AccessType) -> bool {
    !ty.is_assert()
        && ty.is_write()
        && !ty.has(AccessType::COMPOUND)
        && size <= 8
        && size.is_power_of_two()
}

/// `assume_plain_writes_atomic`: an aligned, non-compound plain write of up to
/// 8 bytes counts as atomic, so it never sets up a watchpoint. The option is
/// read from the thread's copy (`fast::writes_atomic`, kept in step with the
/// options on the slow path), which the fast path reaches with one
/// `%fs`-relative operand: a global would cost every write an address load
/// of its own.
#[inline(always)]
fn is_assumed_atomic_write(addr: usize, size: usize, ty: AccessType) -> bool {
    may_be_assumed_atomic(size, ty) && fast::writes_atomic() && addr & (size - 1) == 0
}

/// A word in the window is not free: look for a conflicting watchpoint; if
/// there is none, carry on with the fast path's second half.
///
/// The cold functions here are `extern "C"`: they cannot unwind, so the entry
/// points need no landing pad and can tail-call them without a frame.
///
/// # Safety
/// As [`check_access`].
#[inline(never)]
unsafe extern "C" fn check_window(addr: usize, size: usize, ty: AccessType, slot: usize) {
    match watchpoint::find(slot, addr, size, ty.is_write()) {
        Some(found) => found_watchpoint(addr, size, ty, found),
        // SAFETY: forwarded from our caller's contract.
        None => unsafe { sample_access(addr, size, ty) },
    }
}

/// The skip count ran out, or is parked because the thread is in an atomic
/// region or in focus mode. Applies the kernel's `is_atomic` order for atomic
/// regions (which must not consume the skip count), watches an access of a
/// focused function, then sets up a watchpoint if due.
///
/// This entry is a trampoline that adds the address the hook returns to:
/// every entry point reaches it by a tail call (the hooks have no frame left
/// by then; `tests/c` and `focus` tests fail if that changes), so on entry
/// the return address is the instrumented code's, which is what focus mode
/// matches against the focused functions' code.
///
/// # Safety
/// As [`check_access`].
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
unsafe extern "C" fn skip_expired(addr: usize, size: usize, ty: AccessType) {
    core::arch::naked_asm!("mov rcx, [rsp]", "jmp {at}", at = sym skip_expired_at)
}

/// See the x86-64 version: on AArch64 the return address is in the link
/// register.
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
unsafe extern "C" fn skip_expired(addr: usize, size: usize, ty: AccessType) {
    core::arch::naked_asm!("mov x3, x30", "b {at}", at = sym skip_expired_at)
}

/// Elsewhere no return address is known: focus mode watches nothing.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[cold]
#[inline(never)]
unsafe extern "C" fn skip_expired(addr: usize, size: usize, ty: AccessType) {
    // SAFETY: forwarded from our caller's contract.
    unsafe { skip_expired_at(addr, size, ty, 0) }
}

/// [`skip_expired`], with `pc`: where the instrumented code resumes.
///
/// # Safety
/// As [`check_access`].
#[cold]
#[inline(never)]
unsafe extern "C" fn skip_expired_at(addr: usize, size: usize, ty: AccessType, pc: usize) {
    ctx::with(|ctx| {
        if focus::is_set() != ctx.in_focus_mode() {
            focus::join_or_leave(ctx);
        }
        if ctx.gate.get() == 0 {
            // SAFETY: forwarded from our caller's contract.
            return unsafe { setup_watchpoint(ctx, addr, size, ty) };
        }
        // Re-park (the fast path decremented it), then decide.
        fast::set_skip(0);
        // Assertions are never implicitly atomic: they consume the real skip
        // count, saved while parked. (An atomic region's end cannot close the
        // gate here: only `gated_is_atomic` returning true changes it.)
        if ty.is_assert() || !gated_is_atomic(ctx) {
            let sampled = if ctx.gate.get() & GATE_FOCUS == 0 {
                true
            } else if focus::contains(pc) {
                let hold = focus::stall_us(pc, config::flags().udelay_focus);
                if hold > 0 {
                    // SAFETY: forwarded from our caller's contract.
                    return unsafe { watch_focused(ctx, addr, size, ty, hold) };
                }
                // Very hot: the fast path checked it; nothing to hold.
                false
            } else {
                !config::flags().focus_only
            };
            if sampled {
                let skip = ctx.parked_skip.get() - 1;
                ctx.parked_skip.set(skip);
                if skip < 0 {
                    // SAFETY: forwarded from our caller's contract.
                    return unsafe { setup_watchpoint(ctx, addr, size, ty) };
                }
            }
        }
        if ctx.gate.get() & GATE_PENDING != 0 {
            check_pending(ty);
        }
    });
}

/// The rare per-thread states that make a plain access atomic, in the kernel's
/// order: `atomic_next` (counted down, except in nested signal handlers, which
/// assume the outer context set it), then nestable and flat atomic regions.
fn gated_is_atomic(ctx: &Ctx) -> bool {
    let next = ctx.atomic_next.get();
    if next > 0 {
        if ctx.signal_depth.get() < 2 {
            ctx.atomic_next.set(next - 1);
            ctx.update_gate();
        }
        return true;
    }
    ctx.atomic_nest_count.get() > 0 || ctx.in_flat_atomic.get()
}

/// This thread hit another thread's watchpoint: claim it and hand our access
/// and stack to the watcher. Does as little as possible before the claim,
/// because the watcher's window is closing.
#[cold]
#[inline(never)]
fn found_watchpoint(addr: usize, size: usize, ty: AccessType, found: Found) {
    ctx::with(|ctx| {
        crate::interrupt::leave_abandoned(ctx);
        // A disabled context never consumes: the watcher may still see a value
        // change and report a race of unknown origin (e.g. `data_race(x++)`
        // against a plain read).
        if !ctx.is_enabled() {
            return;
        }
        // Masked checks depend on the value comparison only the watcher can do.
        if ctx.access_mask.get() != 0 {
            return;
        }
        if !ty.is_assert() && config::flags().permissive && permissive::ignore_address(addr) {
            return;
        }
        if watchpoint::try_consume(found) {
            report::set_info(ctx, addr, size, ty, found.idx);
        } else {
            Counter::ReportRaces.inc();
        }
        if ty.is_assert() {
            Counter::AssertFailures.inc();
        } else {
            Counter::DataRaces.inc();
        }
    });
}

/// Reads the watched value: a volatile load of 1, 2, 4 or 8 bytes (byte-wise
/// when unaligned); other sizes read as 0, i.e. no value comparison.
///
/// # Safety
/// `addr..addr + size` must be readable.
pub(crate) unsafe fn read_value(addr: usize, size: usize) -> u64 {
    // SAFETY: the caller guarantees the range is readable; the pointer is
    // aligned for the type in each typed branch.
    unsafe {
        match size {
            1 => u64::from(core::ptr::read_volatile(addr as *const u8)),
            2 | 4 | 8 if addr.is_multiple_of(size) => match size {
                2 => u64::from(core::ptr::read_volatile(addr as *const u16)),
                4 => u64::from(core::ptr::read_volatile(addr as *const u32)),
                _ => core::ptr::read_volatile(addr as *const u64),
            },
            2 | 4 | 8 => {
                let mut v = 0u64;
                for i in (0..size).rev() {
                    v = v << 8 | u64::from(core::ptr::read_volatile((addr + i) as *const u8));
                }
                v
            }
            _ => 0,
        }
    }
}

/// A synchronous fault signal (SIGSEGV, SIGBUS, ...) arrived: if it came
/// from inside this thread's watch (reading the watched value faulted: a
/// program that probes memory on purpose), take the watch down before the
/// program's handler runs, since the handler may leave with `siglongjmp`
/// and never come back: the watchpoint is removed, and the signal mask is
/// what it would have been without the watch (the mask from before it, plus
/// the signal), so that no signal kcsan blocked stays blocked. Called by
/// kcsan-rt's signal trampoline.
pub fn abandon_on_fault(sig: i32) {
    ctx::with(|ctx| {
        let slot = ctx.watch_slot.replace(0);
        if slot == 0 {
            return;
        }
        watchpoint::remove(slot - 1);
        Counter::UsedWatchpoints.dec();
        ctx.watch_abandoned.set(true);
        let before = ctx.watch_mask.replace(core::ptr::null());
        if !before.is_null() {
            // SAFETY:
            // - `before` points to the mask saved in the faulting watch's
            //   frame, which is below us on this thread's stack (or on the
            //   signal stack's interrupted one) and still alive;
            // - `one` is initialised by sigemptyset before use;
            // - pthread_sigmask changes only this thread's mask.
            unsafe {
                libc::pthread_sigmask(libc::SIG_SETMASK, before, core::ptr::null_mut());
                let mut one = core::mem::MaybeUninit::<libc::sigset_t>::uninit();
                libc::sigemptyset(one.as_mut_ptr());
                libc::sigaddset(one.as_mut_ptr(), sig);
                libc::pthread_sigmask(libc::SIG_BLOCK, one.as_ptr(), core::ptr::null_mut());
            }
        }
    });
}

/// This thread's skip count ran out: watch this access (`kcsan_setup_watchpoint`).
///
/// Publish a watchpoint, read the value, stall, read it again, retire the
/// watchpoint, and report if someone consumed it (known origin) or the value
/// changed anyway (unknown origin).
///
/// # Safety
/// As [`check_access`].
#[cold]
#[inline(never)]
unsafe extern "C" fn setup_watchpoint(ctx: &Ctx, addr: usize, size: usize, ty: AccessType) {
    if !runtime::ensure_init() {
        return;
    }
    let f = config::flags();
    // Always start a new skip period, even if we end up not watching.
    let kind = sample::start_period(ctx, f);
    if f.focus_only {
        // Only focused functions are watched (see `skip_expired_at`).
        return;
    }
    // SAFETY: forwarded from our caller's contract.
    unsafe { watch_access(ctx, f, (addr, size, ty), kind) }
}

/// An access of a focused function that `focus::stall_us` holds: watched
/// whatever the skip count, for `hold` microseconds, under the focus budget.
///
/// # Safety
/// As [`check_access`].
#[cold]
#[inline(never)]
unsafe fn watch_focused(ctx: &Ctx, addr: usize, size: usize, ty: AccessType, hold: u32) {
    if !runtime::ensure_init() {
        return;
    }
    // SAFETY: forwarded from our caller's contract.
    unsafe { watch_access(ctx, config::flags(), (addr, size, ty), Watch::Focus(hold)) }
}

/// Sets up a watchpoint of kind `kind` on the access if the rules and the
/// stall budget allow, and handles what follows it.
///
/// # Safety
/// As [`check_access`].
unsafe fn watch_access(
    ctx: &Ctx,
    f: &config::Flags,
    (addr, size, ty): (usize, usize, AccessType),
    kind: Watch,
) {
    crate::interrupt::leave_abandoned(ctx);
    // The thread's copy of assume_plain_writes_atomic is brought up to date
    // here; an access the fast path judged by a stale copy (a new thread's
    // first, or the first after `kcsan ctl set`) is judged again.
    fast::set_writes_atomic(f.assume_plain_writes_atomic);
    if is_assumed_atomic_write(addr, size, ty) {
        return;
    }
    if control::is_pending() && ctx.in_runtime.get() == 0 && !ctx.in_interrupt() {
        // A forked child's first watchpoint: it serves its own control socket.
        let _in_runtime = ctx::InRuntime::enter(ctx);
        control::start_if_pending();
    }
    if !ctx.is_enabled() {
        return;
    }
    if !ty.is_assert() && f.permissive && permissive::ignore_address(addr) {
        return;
    }
    if !encoding::check_encodable(addr, size) {
        Counter::UnencodableAccesses.inc();
        return;
    }
    let stall_us = delay::delay_us(ctx, f, ty, kind);
    let start = delay::now_ns();
    let admitted = if matches!(kind, Watch::Focus(_)) {
        budget::admit_focus(ctx, f, start, stall_us * 1000)
    } else {
        budget::admit(ctx, f, start, stall_us * 1000)
    };
    let access_mask = if admitted {
        // SAFETY: forwarded from our caller's contract.
        let mask = unsafe {
            watch(
                ctx,
                f,
                (addr, size, ty),
                ctx.access_mask.get(),
                (stall_us, start, kind),
            )
        };
        recheck_after_stall(ctx, addr, size, ty);
        mask
    } else if ctx.origin.get() == Origin::Reorder {
        0
    } else {
        ctx.access_mask.get()
    };
    // Weak memory: this plain access may be delayed past what follows it
    // (also when it was not watched for lack of a slot or of stall budget,
    // as after a no_capacity failure in the kernel: it was still sampled).
    if access_mask == 0 && !ty.is_assert() {
        set_reorder_access(ctx, addr, size, ty);
    }
}

/// The program's access happens right after the watch returns, but it was
/// checked against other threads' watchpoints before the stall. A
/// watchpoint another thread set up meanwhile, which the access will now
/// hit, is checked here, as the fast path would have checked it: otherwise
/// two threads watching the same variable at once would both miss each
/// other, and the one whose stall the other's write lands in would report a
/// race of unknown origin for an instrumented access. (With kcsan's dense
/// sampling, and write watches, that happens often; the kernel's sparse
/// sampling hardly ever has two watchers on one address.) A weak-memory
/// replay is not the program's access and is not rechecked.
fn recheck_after_stall(ctx: &Ctx, addr: usize, size: usize, ty: AccessType) {
    if ctx.origin.get() != Origin::None {
        return;
    }
    if let Some(found) = watchpoint::find(watchpoint::window(addr), addr, size, ty.is_write()) {
        found_watchpoint(addr, size, ty, found);
    }
}

/// Charges a watch that began at `start` (ns) to the thread's stall budget.
fn charge(ctx: &Ctx, f: &config::Flags, kind: Watch, start: u64) {
    let end = delay::now_ns();
    if matches!(kind, Watch::Focus(_)) {
        budget::charge_focus(ctx, end - start);
    } else {
        budget::charge(ctx, f, end, end - start);
    }
}

/// The watch itself: insert, read, stall, read, retire, report; when the
/// value changed with nobody hitting the watchpoint, the access is watched
/// again before the report (`rewatch.rs`). Returns the access mask in force
/// (0 for a weak-memory replay).
///
/// The signal mask guard stays in this frame until it returns and is never
/// moved: a move of it is a `memcpy`, which in a gcc static link is the
/// program's checked `__wrap_memcpy`.
///
/// # Safety
/// As [`check_access`].
unsafe fn watch(
    ctx: &Ctx,
    f: &config::Flags,
    (addr, size, ty): (usize, usize, AccessType),
    access_mask: usize,
    (stall_us, start, kind): (u64, u64, Watch),
) -> usize {
    // A weak-memory replay: the thread cannot observe its own reordering, so
    // its signal handlers must not hit this watchpoint; and the memory may be
    // gone by now, so it is not read (no value comparison, no mask).
    let is_reorder = ctx.origin.get() == Origin::Reorder;
    let mut access_mask = access_mask;
    // A thread cancelled in the stall (a cancellation point) would leave
    // with the slot taken.
    let _cancel = CancelDisabled::disable();
    // `interrupt_watcher=0`: the kernel disables interrupts while it
    // watches, so a thread's own signal handlers cannot hit its watchpoint.
    let _signals = (!f.interrupt_watcher || is_reorder).then(SignalsBlocked::block);

    let Some(idx) = watchpoint::insert(addr, size, ty.is_write()) else {
        Counter::NoCapacity.inc();
        return access_mask;
    };
    Counter::SetupWatchpoints.inc();
    Counter::UsedWatchpoints.inc();
    // Recorded for `abandon_on_fault`, nested watches (a handler's, with
    // interrupt_watcher=1) saving the outer one.
    // A watch abandoned by a siglongjmp never cleared its flag: start clean.
    let outer = (
        ctx.watch_abandoned.replace(false),
        ctx.watch_slot.replace(idx + 1),
        ctx.watch_mask.replace(
            _signals
                .as_ref()
                .map_or(core::ptr::null(), |s| &raw const s.old),
        ),
    );
    let restore_outer = |ctx: &Ctx| {
        ctx.watch_abandoned.set(outer.0);
        ctx.watch_slot.set(outer.1);
        ctx.watch_mask.set(outer.2);
    };

    let old = if is_reorder {
        0
    } else {
        // SAFETY: the program is about to access this range (our caller's contract).
        unsafe { read_value(addr, size) }
    };
    if ctx.watch_abandoned.replace(false) {
        // The read faulted, the program's handler fixed what it faulted on
        // and returned: the watch was already taken down.
        restore_outer(ctx);
        return access_mask;
    }
    delay::stall(stall_us, f.delay_mode);
    let new = if is_reorder {
        0
    } else {
        // SAFETY: as above.
        unsafe { read_value(addr, size) }
    };
    if ctx.watch_abandoned.replace(false) {
        restore_outer(ctx);
        return access_mask;
    }
    if is_reorder {
        access_mask = 0;
    }

    let mut diff = old ^ new;
    if access_mask != 0 {
        diff &= access_mask as u64;
    }
    let mut value_change =
        if diff != 0 && !permissive::ignore_data_race(f.permissive, size, ty, old, new, diff) {
            ValueChange::True
        } else {
            ValueChange::Maybe
        };
    let watched = Watched {
        addr,
        size,
        ty,
        old,
        new,
        access_mask,
        again: None,
    };

    let consumed = !watchpoint::consume(idx);
    let mut unseen = Unseen::Report(None);
    if !consumed && value_change == ValueChange::True && !is_reorder && f.udelay_rewatch > 0 {
        // SAFETY: forwarded from our caller's contract.
        unseen = unsafe { rewatch::after_unseen_change(ctx, f, idx, watched) };
        if matches!(unseen, Unseen::Abandoned) {
            restore_outer(ctx);
            return access_mask;
        }
    }
    restore_outer(ctx);
    charge(ctx, f, kind, start);

    if let Unseen::Caught(second) = unseen {
        // The second watch's racer, reported with what that watch saw; the
        // first watch's change makes it a race `report_value_change_only`
        // keeps. The racer counted `data_races`.
        if ty.is_assert() {
            Counter::AssertFailures.inc();
        }
        report::known_origin(ctx, second, ValueChange::True, idx);
    } else if consumed {
        // Someone hit the watchpoint.
        if value_change == ValueChange::Maybe {
            if access_mask != 0 {
                // Races on bits outside the mask are expected.
                value_change = ValueChange::False;
            } else if size > 8 || ty.is_assert() {
                // No comparison was possible, or a change is assumed.
                value_change = ValueChange::True;
            }
        }
        if ty.is_assert() && value_change == ValueChange::True {
            Counter::AssertFailures.inc();
        }
        // The racer already counted `data_races`.
        report::known_origin(ctx, watched, value_change, idx);
    } else if matches!(unseen, Unseen::ReportedAlready) {
        // Counted as a race, not reported as a new one.
        Counter::DataRaces.inc();
    } else if let (ValueChange::True, Unseen::Report(again)) = (value_change, unseen) {
        Counter::RacesUnknownOrigin.inc();
        if ty.is_assert() {
            Counter::AssertFailures.inc();
        }
        if f.report_race_unknown_origin || ty.is_assert() {
            report::unknown_origin(ctx, Watched { again, ..watched });
        }
    }
    // Only now: the slot's handoff entry was in use until the report was done.
    watchpoint::remove(idx);
    Counter::UsedWatchpoints.dec();
    access_mask
}
