//! Start-up, the global on/off switch, fork and exit.
//!
//! Hooks may run before `__tsan_init` (constructors of shared libraries, or of
//! objects whose constructors run first), and `__tsan_init` runs once per
//! instrumented translation unit. So initialisation is lazy and idempotent: the
//! first of `__tsan_init` or the first slow-path entry does it, exactly once.
//! Until then the fast path runs but finds nothing, and the slow path only
//! resets the skip counter.

use core::ffi::{CStr, c_char};
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::config::{self, ConfigError, Flags};

const UNINIT: u8 = 0;
const INITIALIZING: u8 = 1;
const READY: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNINIT);
/// The kernel's `kcsan_enabled`: read only on slow paths.
static ENABLED: AtomicBool = AtomicBool::new(false);

unsafe extern "C" {
    /// From `default_options.c`: the program's `__kcsan_default_options()`, or null.
    fn kcsan_core_default_options() -> *const c_char;
    /// C11's `quick_exit` handlers (glibc, musl).
    fn at_quick_exit(handler: extern "C" fn()) -> libc::c_int;
}

/// Whether KCSAN is on (initialised, and not turned off).
#[inline]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns KCSAN on or off for the whole process (debugfs `on` / `off`).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether the runtime is initialised (its options are in force).
pub fn is_initialized() -> bool {
    STATE.load(Ordering::Acquire) == READY
}

/// Initialises the runtime if nobody has yet. Returns whether it is ready; a
/// thread that races with an initialisation in progress gets `false` and just
/// carries on unchecked.
#[inline]
pub fn ensure_init() -> bool {
    if STATE.load(Ordering::Acquire) == READY {
        return true;
    }
    init_slow()
}

#[cold]
#[inline(never)]
fn init_slow() -> bool {
    if STATE
        .compare_exchange(UNINIT, INITIALIZING, Ordering::Acquire, Ordering::Acquire)
        .is_err()
    {
        return STATE.load(Ordering::Acquire) == READY;
    }
    crate::ctx::with(|ctx| {
        let _in_runtime = crate::ctx::InRuntime::enter(ctx);
        init_once();
    });
    true
}

/// The initialisation proper (exactly once, inside the runtime).
fn init_once() {
    let flags = match load_flags() {
        Ok(f) => f,
        Err(e) => {
            crate::report::sink::write_stderr(format!("kcsan: error: {e}\n").as_bytes());
            // The program has not started: nothing of it to run at exit.
            crate::report::exit_group(2);
        }
    };
    if flags.help {
        crate::report::sink::write_stderr(config::help_text(&flags).as_bytes());
    }
    if let Err(e) = crate::report::load_suppressions(&flags.suppressions) {
        crate::report::sink::write_stderr(format!("kcsan: error: {e}\n").as_bytes());
        // The program has not started: nothing of it to run at exit.
        crate::report::exit_group(2);
    }
    if let Err(e) = crate::report::load_thread_names(&flags.thread_names) {
        crate::report::sink::write_stderr(format!("kcsan: error: {e}\n").as_bytes());
        crate::report::exit_group(2);
    }
    let enable = flags.early_enable;
    let control = flags.control;
    config::install(flags);
    crate::focus::sync(&config::flags().focus_functions);
    // SAFETY: the handlers are `extern "C"` functions that stay valid for the
    // life of the process.
    unsafe {
        libc::pthread_atfork(None, None, Some(after_fork_in_child));
        // Registered first, so it runs last: after the program's own handlers.
        libc::atexit(at_exit);
        at_quick_exit(crate::report::at_quick_exit);
    }
    ENABLED.store(enable, Ordering::Relaxed);
    if control {
        // Before `main`, so the socket exists as soon as the program runs.
        crate::control::start();
    }
    STATE.store(READY, Ordering::Release);
}

/// Builds the options in force: defaults, then `__kcsan_default_options()`,
/// then `KCSAN_OPTIONS`, then the Kconfig-style dependencies.
fn load_flags() -> Result<Flags, ConfigError> {
    let mut f = Flags::DEFAULT;
    // SAFETY: the hook returns null or a NUL-terminated string with static
    // lifetime (its documented contract).
    let defaults = unsafe {
        let p = kcsan_core_default_options();
        (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
    };
    if let Some(d) = defaults {
        f.parse_options(&d, "__kcsan_default_options()")?;
    }
    let trusted = f.clone();
    if let Some(env) = std::env::var_os("KCSAN_OPTIONS") {
        f.parse_options(&env.to_string_lossy(), "KCSAN_OPTIONS")?;
    }
    if secure_execution() {
        refuse_privileged_options(&mut f, &trusted);
    }
    f.resolve()?;
    Ok(f)
}

/// Whether the program runs with privileges its caller does not have
/// (setuid, setgid, file capabilities: the kernel's `AT_SECURE`).
fn secure_execution() -> bool {
    // SAFETY: getauxval has no preconditions.
    unsafe { libc::getauxval(libc::AT_SECURE) != 0 }
}

/// Secure execution: the caller's `KCSAN_OPTIONS` must not make the program
/// write or read files, or serve a socket, with the program's privileges
/// (a root-owned `log_path`, a `suppressions` file the caller may not read
/// echoed in an error). Those options keep the program's own values
/// (`__kcsan_default_options()`), with one warning line; the control socket
/// is off (its directory comes from the caller's environment). Every other
/// option works.
fn refuse_privileged_options(f: &mut Flags, trusted: &Flags) {
    let mut refused = Vec::new();
    if f.log_path != trusted.log_path {
        f.log_path.clone_from(&trusted.log_path);
        refused.push("log_path");
    }
    if f.suppressions != trusted.suppressions {
        f.suppressions.clone_from(&trusted.suppressions);
        refused.push("suppressions");
    }
    if f.control && f.is_explicit("control") && !trusted.is_explicit("control") {
        refused.push("control");
    }
    f.control = false;
    if !refused.is_empty() {
        crate::report::sink::write_stderr(
            format!(
                "kcsan: warning: secure execution (setuid/setgid): ignoring {} from KCSAN_OPTIONS\n",
                refused.join(", ")
            )
            .as_bytes(),
        );
    }
}

/// In a forked child only the forking thread exists. Everything another thread
/// held in the parent is gone: its watchpoints, its handoff entries and,
/// possibly, the report lock.
extern "C" fn after_fork_in_child() {
    crate::watchpoint::clear_all();
    crate::stats::reset_used();
    crate::config::after_fork_in_child();
    crate::control::after_fork_in_child();
    crate::report::after_fork_in_child();
    crate::ctx::with(|ctx| ctx.tid.set(0));
}

/// At exit: the control socket goes, then the closing line, the statistics,
/// and the exit status.
extern "C" fn at_exit() {
    crate::control::remove_socket();
    crate::report::at_exit();
}
