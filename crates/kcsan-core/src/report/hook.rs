//! The programmatic report hook (`kcsan_set_report_hook` in kcsan.h): a
//! program, a test harness or the Rust test API receives each report as a
//! structured value instead of scraping stderr. The kernel's kcsan_test does
//! the same with a console tracepoint.
//!
//! The hook sees exactly the reports that would be printed: it is called after
//! the value-change rule, the filter list, suppressions and rate limiting. It
//! runs on the watcher's thread, inside the runtime (its own accesses are not
//! checked) and with the report lock held. Its return value decides whether
//! the runtime still prints and counts the report.
//!
//! The C view of a report is built from [`Report`] for the duration of the
//! call: every string is a NUL-terminated copy owned by `CReport`.

use core::ffi::{c_char, c_int, c_ulonglong, c_void};
use std::ffi::CString;

use super::lock::SpinLock;
use super::{AccessReport, Report};

/// `struct kcsan_report_frame`.
#[repr(C)]
#[derive(Debug)]
pub struct RawFrame {
    /// The return address (or exact pc).
    pub pc: usize,
    /// Demangled function name, `""` if unknown.
    pub function: *const c_char,
    /// Source file, `""` if unknown.
    pub file: *const c_char,
    /// Source line, 0 if unknown.
    pub line: c_int,
    /// 1: inlined into the next frame.
    pub inlined: c_int,
}

/// `struct kcsan_report_access`: one side of a race.
#[repr(C)]
#[derive(Debug)]
pub struct RawAccess {
    /// The accessed address.
    pub addr: *const c_void,
    /// The access size in bytes.
    pub size: usize,
    /// `KCSAN_ACCESS_*` bits, as checked.
    pub ty: c_int,
    /// The thread id.
    pub tid: c_int,
    /// 1: made in a signal handler (the kernel's interrupt context).
    pub in_interrupt: c_int,
    /// The CPU it ran on.
    pub cpu: c_int,
    /// The thread's name.
    pub comm: *const c_char,
    /// The access as the report words it (`read`, `write (marked)`, ...).
    pub description: *const c_char,
    /// The stack, runtime frames removed; `frames[0]` is the top frame.
    pub frames: *const RawFrame,
    /// Number of entries in `frames`.
    pub nframes: usize,
}

/// `struct kcsan_report`.
#[repr(C)]
#[derive(Debug)]
pub struct RawReport {
    /// `data-race` or `assert: race`.
    pub bug_type: *const c_char,
    /// The title, as the report's `BUG: KCSAN:` line shows it.
    pub title: *const c_char,
    /// The watcher's access.
    pub this_access: RawAccess,
    /// The racer's access; null for a race of unknown origin.
    pub other: *const RawAccess,
    /// 1: `old_value` and `new_value` are valid.
    pub value_changed: c_int,
    /// The value before the stall.
    pub old_value: c_ulonglong,
    /// The value after it.
    pub new_value: c_ulonglong,
    /// The access mask in force (`ASSERT_EXCLUSIVE_BITS`), 0 if none.
    pub access_mask: c_ulonglong,
    /// The whole report, rendered in the configured `report_format`.
    pub text: *const c_char,
}

/// The hook's signature: returns [`PRINT`] or [`CONSUMED`].
pub type HookFn = unsafe extern "C" fn(report: *const RawReport, arg: *mut c_void) -> c_int;

/// The hook's verdict: print and count the report as usual.
pub const PRINT: c_int = 0;
/// The hook's verdict: the hook took the report over; do not print or count it.
pub const CONSUMED: c_int = 1;

/// The installed hook and its argument. A lock of its own, not the report
/// lock, so a hook may replace or remove itself while it runs.
static HOOK: SpinLock<Option<(HookFn, usize)>> = SpinLock::new(None);

/// Installs `hook` with `arg` (or removes it with `None`).
pub fn set(hook: Option<HookFn>, arg: *mut c_void) {
    *HOOK.lock() = hook.map(|h| (h, arg as usize));
}

/// A forked child may have been forked while another thread held the lock.
pub(crate) fn after_fork_in_child() {
    // SAFETY: only the forking thread exists in the child.
    unsafe { HOOK.force_unlock() };
}

/// Offers `report` (rendered as `text`) to the hook, if one is installed;
/// returns whether the hook consumed it.
pub(crate) fn offer(report: &Report, title: &str, text: &str) -> bool {
    let Some((hook, arg)) = *HOOK.lock() else {
        return false;
    };
    let c = CReport::new(report, title, text);
    let raw = c.raw();
    // SAFETY: `raw` and everything it points into live in `c` until the end of
    // this function; the hook's contract (kcsan.h) is not to keep pointers.
    unsafe { hook(&raw, arg as *mut c_void) == CONSUMED }
}

/// A string for C: NUL bytes (impossible in symbol names, but file names are
/// data) are dropped rather than failing the report.
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

/// The owned storage behind one side's [`RawAccess`].
struct CAccess {
    comm: CString,
    description: CString,
    strings: Vec<(CString, CString)>,
    frames: Vec<RawFrame>,
    addr: usize,
    size: usize,
    ty: c_int,
    tid: c_int,
    in_interrupt: c_int,
    cpu: c_int,
}

impl CAccess {
    fn new(a: &AccessReport) -> CAccess {
        let strings: Vec<(CString, CString)> = a
            .stack
            .frames
            .iter()
            .map(|f| {
                (
                    c_string(f.function.as_deref().unwrap_or("")),
                    c_string(f.file.as_deref().unwrap_or("")),
                )
            })
            .collect();
        // The CStrings' heap buffers do not move when `strings` does, so the
        // pointers taken here stay valid as long as `strings` lives.
        let frames = a
            .stack
            .frames
            .iter()
            .zip(&strings)
            .map(|(f, (function, file))| RawFrame {
                pc: f.pc,
                function: function.as_ptr(),
                file: file.as_ptr(),
                line: f.line.map_or(0, |l| l as c_int),
                inlined: c_int::from(f.inlined),
            })
            .collect();
        CAccess {
            comm: c_string(&a.task.comm),
            description: c_string(a.ty.describe()),
            strings,
            frames,
            addr: a.addr,
            size: a.size,
            ty: a.ty.0 as c_int,
            tid: a.task.tid,
            in_interrupt: c_int::from(a.task.in_interrupt),
            cpu: a.cpu,
        }
    }

    fn raw(&self) -> RawAccess {
        debug_assert_eq!(self.strings.len(), self.frames.len());
        RawAccess {
            addr: self.addr as *const c_void,
            size: self.size,
            ty: self.ty,
            tid: self.tid,
            in_interrupt: self.in_interrupt,
            cpu: self.cpu,
            comm: self.comm.as_ptr(),
            description: self.description.as_ptr(),
            frames: self.frames.as_ptr(),
            nframes: self.frames.len(),
        }
    }
}

/// The owned storage behind one [`RawReport`].
struct CReport {
    bug_type: CString,
    title: CString,
    text: CString,
    this: CAccess,
    other: Option<(CAccess, Box<RawAccess>)>,
    value_change: Option<(u64, u64)>,
    access_mask: u64,
}

impl CReport {
    fn new(r: &Report, title: &str, text: &str) -> CReport {
        CReport {
            bug_type: c_string(r.bug_type),
            title: c_string(title),
            text: c_string(text),
            this: CAccess::new(&r.this),
            other: r.other.as_ref().map(|o| {
                let c = CAccess::new(o);
                let raw = Box::new(c.raw());
                (c, raw)
            }),
            value_change: r.value_change,
            access_mask: r.access_mask,
        }
    }

    fn raw(&self) -> RawReport {
        let (old, new) = self.value_change.unwrap_or((0, 0));
        RawReport {
            bug_type: self.bug_type.as_ptr(),
            title: self.title.as_ptr(),
            this_access: self.this.raw(),
            other: self
                .other
                .as_ref()
                .map_or(core::ptr::null(), |(_, raw)| &**raw as *const RawAccess),
            value_changed: c_int::from(self.value_change.is_some()),
            old_value: old,
            new_value: new,
            access_mask: self.access_mask,
            text: self.text.as_ptr(),
        }
    }
}
