//! Signal handlers are the kernel's interrupts.
//!
//! The runtime interposes `sigaction` and `signal` and installs a trampoline
//! around every handler the program installs. The trampoline switches the
//! thread to an interrupt context ([`kcsan_core::interrupt_enter`]) for the
//! handler's duration, so that accesses in handlers stall for
//! `udelay_interrupt`, are reported "by interrupt", and are checked even when
//! the interrupted code was in an atomic region or had checking disabled.
//!
//! The program still sees its own handler: `sigaction`'s old action reports
//! the program's handler, never the trampoline.
//!
//! A handler that leaves by `siglongjmp` never returns through the
//! trampoline; kcsan_core notices from the stack pointer that it is gone
//! (see `kcsan_core::interrupt`).

use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

/// Signals the table covers (`SIGRTMAX` is 64 on Linux).
const NSIG: usize = 65;

/// The program's handler per signal (0: none installed through us).
static HANDLERS: [AtomicUsize; NSIG] = [const { AtomicUsize::new(0) }; NSIG];
/// Whether the program's handler takes `(sig, info, ucontext)` (`SA_SIGINFO`).
static SIGINFO: [AtomicBool; NSIG] = [const { AtomicBool::new(false) }; NSIG];

unsafe extern "C" {
    /// glibc's real implementation (exported as `__sigaction@GLIBC_2.2.5`).
    fn __sigaction(sig: c_int, act: *const libc::sigaction, old: *mut libc::sigaction) -> c_int;
}

extern "C" fn trampoline(sig: c_int, info: *mut libc::siginfo_t, uctx: *mut c_void) {
    let Some(i) = usize::try_from(sig).ok().filter(|&i| i < NSIG) else {
        return;
    };
    let handler = HANDLERS[i].load(Relaxed);
    if handler == 0 || handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        return;
    }
    if matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE
    ) {
        // A fault inside a watch (the watched value's read): taken down
        // now, since the handler may leave with siglongjmp.
        kcsan_core::abandon_on_fault(sig);
    }
    // The handler runs below this frame; the interrupted code's stack
    // pointer tells whether it runs on an alternate stack, and lets
    // kcsan_core notice handlers that were left by siglongjmp.
    let frame = 0u8;
    let frame_sp = core::hint::black_box(&raw const frame) as usize;
    let saved = kcsan_core::interrupt_enter(frame_sp, interrupted_sp(uctx));
    // SAFETY:
    // - `handler` was installed by the program as a signal handler for `sig`,
    //   with the signature SA_SIGINFO says it has;
    // - the arguments are the kernel's, passed through unchanged.
    unsafe {
        if SIGINFO[i].load(Relaxed) {
            let f: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
                core::mem::transmute(handler);
            f(sig, info, uctx);
        } else {
            let f: extern "C" fn(c_int) = core::mem::transmute(handler);
            f(sig);
        }
    }
    kcsan_core::interrupt_exit(saved, frame_sp);
}

/// The interrupted code's stack pointer, from the signal's `ucontext_t`
/// (0 if unknown).
fn interrupted_sp(uctx: *mut c_void) -> usize {
    let uc = uctx.cast::<libc::ucontext_t>();
    if uc.is_null() {
        return 0;
    }
    // SAFETY: the kernel passes a valid ucontext_t to SA_SIGINFO handlers
    // (the trampoline is always installed with SA_SIGINFO).
    #[cfg(target_arch = "x86_64")]
    unsafe {
        (*uc).uc_mcontext.gregs[libc::REG_RSP as usize] as usize
    }
    // SAFETY: as above.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        (*uc).uc_mcontext.sp as usize
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    0
}

/// `sigaction(2)`, with the program's handlers wrapped by the trampoline.
///
/// # Safety
/// As `sigaction(2)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sigaction(
    sig: c_int,
    act: *const libc::sigaction,
    old: *mut libc::sigaction,
) -> c_int {
    let Some(i) = usize::try_from(sig).ok().filter(|&i| i < NSIG) else {
        // SAFETY: forwarded unchanged; glibc reports EINVAL.
        return unsafe { __sigaction(sig, act, old) };
    };
    let (prev_handler, prev_siginfo) = (HANDLERS[i].load(Relaxed), SIGINFO[i].load(Relaxed));
    // SAFETY:
    // - `act`, if not null, points to a valid sigaction (the caller's contract);
    // - we pass either it or a modified copy, and `old` unchanged, to glibc.
    let rc = unsafe {
        match act.as_ref() {
            Some(a) if a.sa_sigaction != libc::SIG_DFL && a.sa_sigaction != libc::SIG_IGN => {
                let mut wrapped = *a;
                wrapped.sa_sigaction = trampoline as *const () as usize;
                wrapped.sa_flags |= libc::SA_SIGINFO;
                let rc = __sigaction(sig, &wrapped, old);
                if rc == 0 {
                    SIGINFO[i].store(a.sa_flags & libc::SA_SIGINFO != 0, Relaxed);
                    HANDLERS[i].store(a.sa_sigaction, Relaxed);
                }
                rc
            }
            Some(_) => {
                let rc = __sigaction(sig, act, old);
                if rc == 0 {
                    HANDLERS[i].store(0, Relaxed);
                }
                rc
            }
            None => __sigaction(sig, act, old),
        }
    };
    // Show the program its own handler, not the trampoline.
    // SAFETY: `old`, if not null, is valid for writes and was filled by glibc.
    if let Some(o) = unsafe { old.as_mut() }
        && rc == 0
        && o.sa_sigaction == trampoline as *const () as usize
    {
        o.sa_sigaction = prev_handler;
        if !prev_siginfo {
            o.sa_flags &= !libc::SA_SIGINFO;
        }
    }
    rc
}

/// `signal(3)` with glibc's BSD semantics (`SA_RESTART`, the signal blocked
/// while its handler runs), through the interposed `sigaction`.
///
/// # Safety
/// As `signal(3)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn signal(sig: c_int, handler: libc::sighandler_t) -> libc::sighandler_t {
    // SAFETY: zeroed sigaction structs are valid; sigemptyset/sigaddset
    // initialise the mask; both pointers are to locals.
    unsafe {
        let mut act: libc::sigaction = core::mem::zeroed();
        let mut old: libc::sigaction = core::mem::zeroed();
        act.sa_sigaction = handler;
        act.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut act.sa_mask);
        if sig > 0 {
            libc::sigaddset(&mut act.sa_mask, sig);
        }
        if sigaction(sig, &act, &mut old) != 0 {
            return libc::SIG_ERR;
        }
        old.sa_sigaction
    }
}
