//! Shields for the runtime's critical sections: what keeps a watch or a
//! report from being cut short, or from running out of stack, wherever the
//! program happens to make the access.
//!
//! - [`SignalsBlocked`]: asynchronous signals wait until the section ends, so
//!   that no program handler runs (and perhaps leaves with `siglongjmp`)
//!   while the runtime holds a watchpoint slot or the report lock.
//! - [`CancelDisabled`]: a `pthread_cancel` aimed at the thread waits too.
//!   The runtime's stalls (`clock_nanosleep`) and its report path (`open`,
//!   `read` in the symbolizer) are cancellation points; a cancel acted on
//!   there would unwind the thread out of the runtime with a slot or the
//!   lock still held (every other thread then spins), and asynchronous
//!   cancellation could land anywhere in it.
//! - [`on_report_stack`]: reports run on a stack of the runtime's own. The
//!   program's thread may have a 16 KiB stack or be on a small
//!   `sigaltstack`; symbolizing, demangling and formatting take far more.

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Blocks asynchronous signals for its lifetime. Synchronous fault signals
/// stay unblocked: blocking them would turn a fault into a silent kill.
/// (glibc never blocks its own cancellation signal; [`CancelDisabled`]
/// covers that one.)
pub(crate) struct SignalsBlocked {
    pub(crate) old: libc::sigset_t,
}

impl SignalsBlocked {
    pub(crate) fn block() -> SignalsBlocked {
        // SAFETY:
        // - the sigset_t values are plain data, initialised by sigfillset /
        //   written by pthread_sigmask before use;
        // - pthread_sigmask only changes the calling thread's mask.
        unsafe {
            let mut set: libc::sigset_t = core::mem::zeroed();
            let mut old: libc::sigset_t = core::mem::zeroed();
            libc::sigfillset(&mut set);
            for sig in [
                libc::SIGSEGV,
                libc::SIGBUS,
                libc::SIGILL,
                libc::SIGFPE,
                libc::SIGTRAP,
                libc::SIGABRT,
            ] {
                libc::sigdelset(&mut set, sig);
            }
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            SignalsBlocked { old }
        }
    }
}

impl Drop for SignalsBlocked {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved in `block`.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, core::ptr::null_mut()) };
    }
}

/// glibc's values (`<pthread.h>`); the libc crate does not bind
/// `pthread_setcancelstate`.
const PTHREAD_CANCEL_ENABLE: i32 = 0;
const PTHREAD_CANCEL_DISABLE: i32 = 1;

unsafe extern "C" {
    fn pthread_setcancelstate(state: i32, old: *mut i32) -> i32;
}

/// Disables cancellation of the calling thread for its lifetime; a cancel
/// that arrives meanwhile is acted on at the program's next cancellation
/// point. (A few nanoseconds: glibc keeps the state in the thread
/// descriptor.)
pub(crate) struct CancelDisabled {
    old: i32,
}

impl CancelDisabled {
    pub(crate) fn disable() -> CancelDisabled {
        let mut old = PTHREAD_CANCEL_ENABLE;
        // SAFETY: pthread_setcancelstate only changes the calling thread's
        // state and writes the old one to `old`.
        unsafe { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &mut old) };
        CancelDisabled { old }
    }
}

impl Drop for CancelDisabled {
    fn drop(&mut self) {
        let mut ignored = 0;
        // SAFETY: as in `disable`; restores the state saved there.
        unsafe { pthread_setcancelstate(self.old, &mut ignored) };
    }
}

/// The report stack's size. Only the pages a report touches are ever
/// backed by memory (`MAP_NORESERVE`); a guard page below it turns an
/// overflow into a fault rather than corruption.
const REPORT_STACK_BYTES: usize = 8 << 20;
const GUARD_BYTES: usize = 4096;

/// The report stack's top; mapped at first use.
static REPORT_STACK_TOP: AtomicUsize = AtomicUsize::new(0);
/// Whether a thread is on the report stack. Reports are made under the report
/// lock, so it is never contended; if it ever were, the second user runs on
/// its own stack rather than share.
static REPORT_STACK_BUSY: AtomicBool = AtomicBool::new(false);

/// Runs `f` on the runtime's report stack, with asynchronous signals blocked
/// and cancellation disabled. `f` must not unwind (a panic in the runtime
/// aborts).
pub(crate) fn on_report_stack(f: &mut dyn FnMut()) {
    let _cancel = CancelDisabled::disable();
    let _signals = SignalsBlocked::block();
    if REPORT_STACK_BUSY.swap(true, Ordering::Acquire) {
        f();
        return;
    }
    let mut top = REPORT_STACK_TOP.load(Ordering::Relaxed);
    if top == 0 {
        top = map_report_stack();
        REPORT_STACK_TOP.store(top, Ordering::Relaxed);
    }
    if top == 0 {
        // No memory for a stack: run where we are.
        f();
    } else {
        // SAFETY: `top` is the 16-byte aligned top of a mapping of ours,
        // used by nobody else (REPORT_STACK_BUSY); `f` does not unwind.
        unsafe { call_on_stack(top, f) };
    }
    REPORT_STACK_BUSY.store(false, Ordering::Release);
}

/// Maps the report stack; its top, or 0 if it cannot be mapped.
fn map_report_stack() -> usize {
    let len = REPORT_STACK_BYTES + GUARD_BYTES;
    // SAFETY: an anonymous private mapping; the guard page is its lowest page.
    unsafe {
        let p = libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return 0;
        }
        libc::mprotect(p, GUARD_BYTES, libc::PROT_NONE);
        (p as usize + len) & !15
    }
}

extern "C" fn run_closure(data: *mut c_void) {
    // SAFETY: `data` is the `&mut &mut dyn FnMut()` that `call_on_stack`
    // passes, alive for the whole call.
    let f = unsafe { &mut *data.cast::<&mut dyn FnMut()>() };
    f();
}

/// Calls `f` with the stack pointer at `top`, then comes back to the
/// caller's stack.
///
/// # Safety
/// `top` is the 16-byte aligned top of a writable stack nobody else uses;
/// `f` does not unwind.
#[cfg(target_arch = "x86_64")]
unsafe fn call_on_stack(top: usize, f: &mut dyn FnMut()) {
    let mut f = f;
    let data = (&raw mut f).cast::<c_void>();
    // SAFETY: the old stack pointer is kept in r12, which the callee
    // preserves (callee-saved), and restored after the call; the call is
    // made with the stack 16-byte aligned, as the ABI wants; r12 and every
    // register the C ABI lets the callee clobber are declared clobbered.
    unsafe {
        core::arch::asm!(
            "mov r12, rsp",
            "mov rsp, {top}",
            "call {run}",
            "mov rsp, r12",
            top = in(reg) top,
            run = sym run_closure,
            in("rdi") data,
            out("r12") _,
            clobber_abi("C"),
        );
    }
}

/// Elsewhere the report runs on the thread's own stack.
///
/// # Safety
/// None beyond the x86-64 version's.
#[cfg(not(target_arch = "x86_64"))]
unsafe fn call_on_stack(_top: usize, f: &mut dyn FnMut()) {
    f();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_its_own_stack_and_comes_back() {
        let outer = 0u8;
        let outer_addr = &raw const outer as usize;
        let mut inner_addr = 0usize;
        let mut depth_sum = 0u64;
        {
            on_report_stack(&mut || {
                let here = 0u8;
                inner_addr = &raw const here as usize;
                // Deep enough to need more than a small thread stack.
                fn recurse(n: u64) -> u64 {
                    let buf = [n; 64];
                    if n == 0 {
                        0
                    } else {
                        std::hint::black_box(&buf)[0] + recurse(n - 1)
                    }
                }
                depth_sum = recurse(2000);
            });
        }
        assert_eq!(depth_sum, 2000 * 2001 / 2);
        let top = REPORT_STACK_TOP.load(Ordering::Relaxed);
        if cfg!(target_arch = "x86_64") {
            assert!(inner_addr < top && inner_addr > top - REPORT_STACK_BYTES);
            assert!(outer_addr.abs_diff(inner_addr) > 4096);
        }
    }
}
