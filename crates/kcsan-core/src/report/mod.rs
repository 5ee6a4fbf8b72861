//! Reports: the handshake between the two threads of a race, filtering, rate
//! limiting, and output in KCSAN's format.
//!
//! Who prints? Always the watcher ("this" thread). The racer only records its
//! access and stack in the slot's handoff entry; the watcher waits for that
//! entry, then builds one [`Report`] with both accesses and prints it whole.

mod format;
mod handoff;
pub mod hook;
pub(crate) mod location;
pub(crate) mod lock;
mod ratelimit;
pub(crate) mod sink;
pub mod stack;
pub(crate) mod suppress;
mod thread_name;

use core::sync::atomic::{AtomicI32, Ordering};
use std::collections::BTreeSet;
use std::sync::OnceLock;

use self::handoff::{AccessInfo, EMPTY_OTHER_INFO, Handoff, OtherInfo};
use self::lock::SpinLock;
use self::ratelimit::RateLimit;
use self::stack::{RawStack, Stack};
use crate::access::AccessType;
use crate::config;
use crate::ctx::{Ctx, InRuntime};
use crate::encoding;
use crate::stats::Counter;
use crate::watchpoint::TABLE_LEN;

use self::suppress::Suppressions;
pub use location::{SourceLocation, check_access_at};
pub use suppress::SuppressionError;

/// What the watcher learned about the value during its stall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueChange {
    /// No change seen; reporting depends on `report_value_change_only`.
    Maybe,
    /// Never report (only masked-out bits may have changed).
    False,
    /// A change was seen, or is assumed (asserts, accesses over 8 bytes).
    True,
}

/// Who made an access: a thread, or a thread inside a signal handler (the
/// kernel's interrupt context).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// The thread id (`gettid`).
    pub tid: i32,
    /// Whether the access ran in a signal handler.
    pub in_interrupt: bool,
    /// The thread's name.
    pub comm: String,
}

/// One side of a race.
#[derive(Clone, Debug)]
pub struct AccessReport {
    /// The accessed address.
    pub addr: usize,
    /// The access size in bytes.
    pub size: usize,
    /// The access type.
    pub ty: AccessType,
    /// Who made it.
    pub task: Task,
    /// The CPU it ran on.
    pub cpu: i32,
    /// Its stack, runtime frames removed. For a scoped or reordered access,
    /// the frame of the function where the scope began (or the reordered
    /// access was made) shows that pc instead.
    pub stack: Stack,
    /// For a scoped or reordered access: the frame the top frame replaced,
    /// i.e. where the access was checked ("reordered to:").
    pub reordered_to: Option<stack::Frame>,
    /// Where the access was written, when its check said so (the Rust
    /// API's `#[track_caller]` location); the stack's frame in that file
    /// shows its line and column.
    pub location: Option<SourceLocation>,
}

/// One finished report, before formatting.
#[derive(Clone, Debug)]
pub struct Report {
    /// `data-race`, or `assert: race` when either access is an assertion.
    pub bug_type: &'static str,
    /// The racing thread's access; `None` for a race of unknown origin.
    pub other: Option<AccessReport>,
    /// The watcher's access.
    pub this: AccessReport,
    /// The watcher's two reads, if they differ in the bits that matter.
    pub value_change: Option<(u64, u64)>,
    /// The access mask in force (`ASSERT_EXCLUSIVE_BITS`), 0 if none.
    pub access_mask: u64,
    /// For a race of unknown origin: what a second watch saw.
    pub watched_again: Option<WatchedAgain>,
}

/// Everything the report lock guards.
struct State {
    handoff: Handoff,
    ratelimit: RateLimit,
    /// Reports printed by this process.
    reported: usize,
    /// Their distinct titles.
    titles: BTreeSet<String>,
    /// The `suppressions` file's rules.
    suppressions: Suppressions,
}

static STATE: SpinLock<State> = SpinLock::new(State {
    handoff: [EMPTY_OTHER_INFO; TABLE_LEN],
    ratelimit: RateLimit::new(),
    reported: 0,
    titles: BTreeSet::new(),
    suppressions: Suppressions::none(),
});

/// Parses the text of a suppressions file (named `file` in errors) without
/// installing it: what `kcsan` and the fuzz targets use to check one.
///
/// # Errors
/// The first malformed line.
pub fn check_suppressions(text: &str, file: &str) -> Result<(), SuppressionError> {
    Suppressions::parse(text, file).map(|_| ())
}

/// Loads the `suppressions` file, if one is configured (at start-up).
///
/// # Errors
/// The file cannot be read or has a malformed line.
pub(crate) fn load_suppressions(path: &str) -> Result<(), SuppressionError> {
    if !path.is_empty() {
        STATE.lock().suppressions = Suppressions::load(path)?;
    }
    Ok(())
}

/// Loads the `thread_names` file, if one is configured (at start-up).
///
/// # Errors
/// The file cannot be read.
pub(crate) fn load_thread_names(path: &str) -> Result<(), String> {
    thread_name::load(path)
}

/// The calling thread's access as the report shows it.
fn access_info(ctx: &Ctx, addr: usize, size: usize, ty: AccessType) -> AccessInfo {
    let mut comm = [0u8; 16];
    // SAFETY: PR_GET_NAME writes at most 16 bytes into `comm`.
    unsafe { libc::prctl(libc::PR_GET_NAME, comm.as_mut_ptr()) };
    AccessInfo {
        addr,
        size,
        ty,
        tid: ctx.tid(),
        // SAFETY: sched_getcpu has no preconditions.
        cpu: unsafe { libc::sched_getcpu() },
        in_interrupt: ctx.in_interrupt(),
        comm,
        location: if location::may_locate(ty) {
            ctx.caller_location
                .get()
                .of_access(addr, size, ctx.signal_depth.get())
        } else {
            location::CallerLocation::NONE
        },
    }
}

// ===== The racer's side =====

/// The racer consumed the watchpoint in slot `idx`: record its access and stack
/// for the watcher (`kcsan_report_set_info`).
pub(crate) fn set_info(ctx: &Ctx, addr: usize, size: usize, ty: AccessType, idx: usize) {
    let _in_runtime = InRuntime::enter(ctx);
    // Cancelled between consuming and filling, the racer would leave its
    // watcher waiting for the whole handoff timeout.
    let _cancel = crate::shield::CancelDisabled::disable();
    let stack = stack::capture();
    let origin = ctx.origin_stack(ty);
    let ai = access_info(ctx, addr, size, ty);
    let mut state = STATE.lock();
    debug_assert_eq!(state.handoff[idx].ai.size, 0, "handoff entry {idx} in use");
    state.handoff[idx] = OtherInfo { ai, stack, origin };
}

// ===== The watcher's side =====

/// The watcher's access, as the slow path knows it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Watched {
    pub(crate) addr: usize,
    pub(crate) size: usize,
    pub(crate) ty: AccessType,
    pub(crate) old: u64,
    pub(crate) new: u64,
    pub(crate) access_mask: usize,
    /// For a race of unknown origin: what a second watch of the access saw
    /// (`udelay_rewatch`).
    pub(crate) again: Option<WatchedAgain>,
}

/// What the second watch of an access whose value changed unseen saw, when
/// nobody hit its watchpoint either (`udelay_rewatch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchedAgain {
    /// How long it watched.
    pub stall_us: u64,
    /// Whether the value changed again (unseen again).
    pub changed: bool,
}

/// How long a watcher waits for the racer's half of a report.
const HANDOFF_WAIT_NS: u64 = 1_000_000_000;

/// The watcher found its watchpoint consumed: wait for the racer's entry, then
/// report both (`kcsan_report_known_origin`).
pub(crate) fn known_origin(ctx: &Ctx, w: Watched, value_change: ValueChange, idx: usize) {
    let _in_runtime = InRuntime::enter(ctx);
    let this_stack = stack::capture();
    let this_origin = ctx.origin_stack(w.ty);
    let this = access_info(ctx, w.addr, w.size, w.ty);
    let mut state = STATE.lock();
    // The racer fills its entry right after consuming (the kernel waits for
    // it without a limit). In user space the racer may never get there: a
    // signal handler that consumed and then left with siglongjmp, a thread
    // cancelled in between. So the wait is bounded; without the racer's
    // side, a changed value is still reported, as of unknown origin.
    let deadline = crate::delay::now_ns() + HANDOFF_WAIT_NS;
    while state.handoff[idx].ai.size == 0 {
        drop(state);
        if crate::delay::now_ns() > deadline {
            Counter::RacesUnknownOrigin.inc();
            if value_change == ValueChange::True {
                report_alone(this, (&this_stack, &this_origin), w);
            }
            return;
        }
        // SAFETY: sched_yield has no preconditions.
        unsafe { libc::sched_yield() };
        state = STATE.lock();
    }
    let other = state.handoff[idx];
    state.handoff[idx].ai.size = 0;
    // Only 49 address bits are encoded: discard matches of distinct addresses.
    if !encoding::matching_access(this.addr, this.size, other.ai.addr, other.ai.size) {
        Counter::EncodingFalsePositives.inc();
        return;
    }
    if value_change != ValueChange::False
        && print_report(
            &mut state,
            value_change,
            this,
            (&this_stack, &this_origin),
            Some(&other),
            w,
        )
    {
        halt_if_asked(state);
    }
}

/// The value changed and nobody hit the watchpoint (`kcsan_report_unknown_origin`).
pub(crate) fn unknown_origin(ctx: &Ctx, w: Watched) {
    let _in_runtime = InRuntime::enter(ctx);
    let this_stack = stack::capture();
    let this_origin = ctx.origin_stack(w.ty);
    let this = access_info(ctx, w.addr, w.size, w.ty);
    report_alone(this, (&this_stack, &this_origin), w);
}

/// Prints a race with only the watcher's side (the value changed; nobody's
/// access was seen, or the racer's half never came).
fn report_alone(this: AccessInfo, stacks: (&RawStack, &RawStack), w: Watched) {
    let mut state = STATE.lock();
    if print_report(&mut state, ValueChange::True, this, stacks, None, w) {
        halt_if_asked(state);
    }
}

/// Whether a function name earns the read-copy-update exception to
/// `report_value_change_only` (maintainers asked for it: RCU code races on
/// purpose, and silent-store races there matter).
fn is_rcu_name(name: &str) -> bool {
    name.contains("rcu_") || name.contains("_rcu") || name.contains("_srcu")
}

/// The kernel's function filter list (`filter_functions`, `filter_mode`),
/// applied to the top frames: in blacklist mode a report is dropped if either
/// top frame is listed, in whitelist mode unless all are. An empty list
/// filters nothing, in either mode.
fn filtered_out(f: &config::Flags, this: &Stack, other: Option<&Stack>) -> bool {
    let names: Vec<&str> = f
        .filter_functions
        .split(';')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return false;
    }
    let listed = |s: &Stack| names.contains(&s.top_function().as_str());
    let mut tops = std::iter::once(this).chain(other);
    match f.filter_mode {
        config::FilterMode::Blacklist => tops.any(listed),
        config::FilterMode::Whitelist => !tops.all(listed),
    }
}

/// Filters, rate-limits and prints one report; returns whether it printed.
/// It runs on the runtime's report stack, shielded from signals and
/// cancellation (see `shield`): the thread that found the race may be on a
/// small stack, in a handler, or about to be cancelled.
///
/// Precondition: the report lock is held (`state`). Postcondition: it still is.
fn print_report(
    state: &mut State,
    value_change: ValueChange,
    this: AccessInfo,
    stacks: (&RawStack, &RawStack),
    other: Option<&OtherInfo>,
    w: Watched,
) -> bool {
    let mut printed = false;
    crate::shield::on_report_stack(&mut || {
        printed = print_report_here(state, value_change, this, stacks, other, w);
    });
    printed
}

/// `print_report`'s work, on whatever stack it is called.
fn print_report_here(
    state: &mut State,
    value_change: ValueChange,
    this: AccessInfo,
    (this_raw, this_origin): (&RawStack, &RawStack),
    other: Option<&OtherInfo>,
    w: Watched,
) -> bool {
    let f = config::flags();
    let (this_stack, this_to) = stack::sanitize_from(this_raw, this_origin);
    let (other_stack, other_to) = match other.map(|o| stack::sanitize_from(&o.stack, &o.origin)) {
        Some((s, to)) => (Some(s), to),
        None => (None, None),
    };
    if let Some(os) = &other_stack
        && f.report_value_change_only
        && value_change == ValueChange::Maybe
        && !is_rcu_name(&os.top_function())
    {
        return false;
    }
    if filtered_out(f, &this_stack, other_stack.as_ref()) {
        return false;
    }
    let stacks: Vec<&Stack> = std::iter::once(&this_stack)
        .chain(other_stack.as_ref())
        .collect();
    if state.suppressions.suppresses(&stacks, this.addr, this.size) {
        return false;
    }
    let other_top = other_stack.as_ref().map_or(0, Stack::top_pc);
    if state.ratelimit.should_suppress(
        crate::delay::now_ms(),
        f.report_once_in_ms,
        this_stack.top_pc(),
        other_top,
    ) {
        return false;
    }
    let side = |ai: &AccessInfo, mut stack: Stack, reordered_to: Option<stack::Frame>| {
        let location = ai.location.to_source();
        if let Some(l) = &location {
            location::apply(&mut stack, l);
        }
        AccessReport {
            addr: ai.addr,
            size: ai.size,
            ty: ai.ty,
            task: Task {
                tid: ai.tid,
                in_interrupt: ai.in_interrupt,
                comm: thread_name::complete(
                    &String::from_utf8_lossy(ai.comm.split(|&b| b == 0).next().unwrap_or(&[])),
                    &stack,
                ),
            },
            cpu: ai.cpu,
            stack,
            reordered_to,
            location,
        }
    };
    let is_assert = this.ty.is_assert() || other.is_some_and(|o| o.ai.ty.is_assert());
    let mut diff = w.old ^ w.new;
    if w.access_mask != 0 {
        diff &= w.access_mask as u64;
    }
    let report = Report {
        bug_type: if is_assert {
            "assert: race"
        } else {
            "data-race"
        },
        other: other
            .zip(other_stack)
            .map(|(o, s)| side(&o.ai, s, other_to)),
        this: side(&this, this_stack, this_to),
        value_change: (w.size <= 8 && diff != 0).then_some((w.old, w.new)),
        access_mask: w.access_mask as u64,
        watched_again: w.again,
    };
    let text = format::render(&report, exe_path(), f.report_format);
    let title = format::title(&report);
    if hook::offer(&report, &title, &text) {
        return false;
    }
    sink::emit(text.as_bytes());
    state.reported += 1;
    state.titles.insert(title);
    REPORTER.store(current_pid(), Ordering::Relaxed);
    true
}

/// Prints a warning about the configuration once per process (`kcsan: `
/// line, or a JSON `warning` object in `report_format=json`), through the
/// report lock so it never lands inside a report.
pub(crate) fn warn_once(flag: &core::sync::atomic::AtomicBool, message: &str) {
    if flag.swap(true, Ordering::Relaxed) {
        return;
    }
    let text = if config::flags().report_format == config::ReportFormat::Json {
        format::json_warning(message)
    } else {
        format!("kcsan: warning: {message}\n")
    };
    let _state = STATE.lock();
    sink::emit(text.as_bytes());
}

/// The program's path, for the report footer.
fn exe_path() -> &'static str {
    static EXE: OnceLock<String> = OnceLock::new();
    EXE.get_or_init(|| {
        std::fs::read_link("/proc/self/exe")
            .map_or_else(|_| "?".to_owned(), |p| p.display().to_string())
    })
}

// ===== Process-wide =====

/// At exit: the closing line (`kcsan: reported N races (M unique)`) if this
/// process reported, the statistics with `print_stats=1`, then the exit
/// status: a process that reported exits with `exitcode` (or aborts with
/// `abort_on_error=1`), replacing the program's own status.
pub(crate) fn at_exit() {
    let f = config::flags();
    let state = STATE.lock();
    let reported = state.reported;
    let text = closing_text(&state, f);
    if !text.is_empty() {
        sink::emit(text.as_bytes());
    }
    drop(state);
    if reported > 0 {
        end_process(f);
    }
}

/// What the process prints as it ends: notes about the focus list, the
/// closing line if it reported, the suppressions used and the statistics
/// as asked.
fn closing_text(state: &State, f: &config::Flags) -> String {
    let reported = state.reported;
    let json = f.report_format == config::ReportFormat::Json;
    let mut text = String::new();
    for (function, status) in crate::focus::exit_notes() {
        text += &if json {
            format::json_focus_note(&function, status)
        } else {
            crate::focus::render_note(&function, status)
        };
    }
    if reported > 0 {
        text += &if json {
            format::json_summary(reported, state.titles.len())
        } else {
            let s = if reported == 1 { "" } else { "s" };
            format!(
                "kcsan: reported {reported} race{s} ({} unique)\n",
                state.titles.len()
            )
        };
    }
    if f.print_suppressions {
        text += &state.suppressions.used();
    }
    if f.print_stats {
        text += &if json {
            format::json_stats(crate::runtime::is_enabled())
        } else {
            format!(
                "kcsan: statistics for pid {}:\n{}",
                std::process::id(),
                crate::stats::render(crate::runtime::is_enabled())
            )
        };
    }
    text
}

/// The process whose reports `STATE` counts: set at each report, so that a
/// `vfork` child (which shares the parent's memory, and runs no fork
/// handlers) does not take its parent's reports for its own.
static REPORTER: AtomicI32 = AtomicI32::new(0);

/// The calling process's id, from the kernel (not a cached value).
fn current_pid() -> i32 {
    // SAFETY: getpid has no preconditions and cannot fail.
    unsafe { libc::syscall(libc::SYS_getpid) as i32 }
}

/// `_exit` / `_Exit` (interposed by kcsan-rt): a process that reported and
/// leaves without `exit` (a forked child's usual way out, or a program in a
/// hurry) still prints its closing line and ends with `exitcode`, so that a
/// test runner sees the failure. Nothing else of `exit` runs: no handlers,
/// no stdio flush, as `_exit` promises.
pub fn fast_exit(status: i32) -> ! {
    let mut status = status;
    if crate::runtime::is_initialized() && REPORTER.load(Ordering::Relaxed) == current_pid() {
        let f = config::flags();
        // Bounded: this thread may have interrupted the lock's holder.
        if let Some(state) = STATE.try_lock_for(1000) {
            let text = closing_text(&state, f);
            if !text.is_empty() {
                sink::emit(text.as_bytes());
            }
            if state.reported > 0 {
                if f.abort_on_error {
                    // SAFETY: abort has no preconditions.
                    unsafe { libc::abort() };
                }
                if f.exitcode != 0 {
                    status = f.exitcode as i32;
                }
            }
        }
    }
    exit_group(status)
}

/// Ends the process with `status` at once (the system call: `_exit` is
/// ours, interposed, and would come back here).
pub fn exit_group(status: i32) -> ! {
    // SAFETY: exit_group ends every thread of the process; it does not return.
    unsafe {
        libc::syscall(libc::SYS_exit_group, status);
    }
    loop {
        core::hint::spin_loop();
    }
}

/// `quick_exit` (registered with `at_quick_exit` at start-up): as for
/// `_exit`, the closing line and `exitcode` when the process reported.
pub(crate) extern "C" fn at_quick_exit() {
    if REPORTER.load(Ordering::Relaxed) == current_pid() {
        let reported = STATE.try_lock_for(1000).is_some_and(|s| s.reported > 0);
        if reported {
            // SAFETY: flushing stdio is what quick_exit's caller may expect
            // of handlers; fflush(NULL) flushes every stream.
            unsafe { libc::fflush(core::ptr::null_mut()) };
            fast_exit(0);
        }
    }
}

/// `halt_on_error=1`: the process ends after its first report. The report
/// lock is never released: threads that race to report meanwhile wait for
/// it until the process is gone, so exactly one report is printed, then the
/// halting line (a JSON object in `report_format=json`) and the closing
/// text.
fn halt_if_asked(state: lock::SpinGuard<'_, State>) {
    let f = config::flags();
    if !f.halt_on_error {
        return;
    }
    let mut text = if f.report_format == config::ReportFormat::Json {
        format::json_halt()
    } else {
        "kcsan: halting after the first report (halt_on_error=1)\n".to_owned()
    };
    text += &closing_text(&state, f);
    sink::emit(text.as_bytes());
    crate::control::remove_socket();
    core::mem::forget(state);
    // `exitcode=0` and no abort: still halt.
    end_process_with(f.exitcode as i32, f.abort_on_error);
}

fn end_process(f: &config::Flags) {
    if f.exitcode != 0 || f.abort_on_error {
        end_process_with(f.exitcode as i32, f.abort_on_error);
    }
}

/// Ends the process now: buffered stdio is flushed first, since `_exit`
/// skips the rest of the exit sequence.
fn end_process_with(code: i32, abort: bool) -> ! {
    // SAFETY: fflush(NULL) flushes every stream; abort/_exit do not return.
    unsafe {
        libc::fflush(core::ptr::null_mut());
        if abort {
            libc::abort();
        }
    }
    exit_group(code)
}

/// In a forked child: the lock holder and the racers that owned entries are gone.
pub(crate) fn after_fork_in_child() {
    // SAFETY: only the forking thread exists in the child.
    unsafe { STATE.force_unlock() };
    stack::after_fork_in_child();
    hook::after_fork_in_child();
    let mut state = STATE.lock();
    for e in state.handoff.iter_mut() {
        e.ai.size = 0;
    }
    // The child's exit status reflects its own reports only.
    state.reported = 0;
    REPORTER.store(0, Ordering::Relaxed);
    state.titles.clear();
}
