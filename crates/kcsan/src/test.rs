//! A harness for race tests: the kernel's kcsan_test as a library.
//!
//! A [`Test`] runs closures (the *test kernels*) on N threads, over and over,
//! until a report matching an [`Expect`] arrives or a deadline passes. Reports
//! are captured as values ([`Report`]) through the runtime's report hook
//! (`kcsan_set_report_hook`): captured reports are not printed and do not
//! count towards the program's exit status, so a test that expects a race can
//! pass. Then [`Test::expect`] asserts that the race was detected and
//! [`Test::never`] that it never was.
//!
//! # Examples
//!
//! ```
//! use kcsan::cell::UnsafeCell;
//! use kcsan::test::{Access, Expect, Test};
//!
//! struct Shared(UnsafeCell<u64>);
//! // SAFETY: deliberately racy, for the test.
//! unsafe impl Sync for Shared {}
//! static X: Shared = Shared(UnsafeCell::new(0));
//!
//! #[inline(never)]
//! fn test_kernel_write() {
//!     // SAFETY: a data race on purpose (a u64 cannot be torn on x86-64).
//!     X.0.with_mut(|p| unsafe { *p += 1 });
//! }
//!
//! #[inline(never)]
//! fn test_kernel_read() {
//!     // SAFETY: as above.
//!     X.0.with(|p| unsafe { p.read() });
//! }
//!
//! # if !kcsan::ENABLED { return; } // plain `cargo test`: no runtime
//! let report = Test::new()
//!     .kernel(test_kernel_write)
//!     .kernel(test_kernel_read)
//!     .expect(&Expect::race(
//!         Access::write("test_kernel_write"),
//!         Access::read("test_kernel_read"),
//!     ));
//! assert_eq!(report.bug_type, "data-race");
//! assert!(report.title.contains("test_kernel_write"), "{}", report.text);
//! ```
//!
//! # Limitations
//!
//! - Without `--cfg kcsan` there is no runtime: [`Test::expect`] panics
//!   (mark such tests `#[cfg_attr(not(kcsan), ignore)]`) and [`Test::never`]
//!   runs the kernels briefly and passes.
//! - The hook is process-wide: tests using the harness run one at a time
//!   (a lock serialises them), and a report from another test running
//!   meanwhile is captured too (matching sorts it out).
//! - The runtime's rate limit (`report_once_in_ms`, 3000 ms by default) is
//!   applied before the hook: a test that expects the same race as the
//!   previous one needs `KCSAN_OPTIONS=report_once_in_ms=0`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::{ACCESS_ASSERT, ACCESS_ATOMIC, ACCESS_COMPOUND, ACCESS_WRITE};

// ===== Captured reports =====

/// One frame of a captured stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The return address (or exact pc).
    pub pc: usize,
    /// The function, demangled without the hash (`""` if unknown).
    pub function: String,
    /// The source file (`""` if unknown).
    pub file: String,
    /// The source line (0 if unknown).
    pub line: u32,
    /// Whether this frame is inlined into the next one.
    pub inlined: bool,
}

/// One of the two accesses of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportAccess {
    /// The address accessed.
    pub addr: usize,
    /// The size in bytes.
    pub size: usize,
    /// `ACCESS_*` bits as checked.
    pub ty: u32,
    /// The report's wording: `"read"`, `"write (marked)"`, `"read-write"`, ...
    pub description: String,
    /// The thread id (`gettid`).
    pub tid: i32,
    /// Whether the access was made in a signal handler ("interrupt").
    pub in_interrupt: bool,
    /// The cpu it ran on.
    pub cpu: i32,
    /// The thread's name (`thread::Builder::name`; the kernel keeps 15
    /// bytes, completed as in the report's `Comm:`).
    pub thread_name: String,
    /// The stack, innermost first, runtime frames removed.
    pub frames: Vec<Frame>,
}

impl ReportAccess {
    /// The function containing the access (the first non-inlined frame), as
    /// the report's title names it.
    pub fn function(&self) -> &str {
        self.frames
            .iter()
            .find(|f| !f.inlined)
            .or(self.frames.first())
            .map_or("", |f| f.function.as_str())
    }

    /// The functions of the access's own pc: the inlined callees and the
    /// function containing them.
    fn top_functions(&self) -> impl Iterator<Item = &str> {
        let end = self
            .frames
            .iter()
            .position(|f| !f.inlined)
            .map_or(self.frames.len(), |i| i + 1);
        self.frames[..end].iter().map(|f| f.function.as_str())
    }
}

/// The value change a watcher saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueChange {
    /// The value before the stall.
    pub old: u64,
    /// The value after it.
    pub new: u64,
    /// The access mask in force (0: none).
    pub mask: u64,
}

/// A captured report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// `"data-race"` or `"assert: race"`.
    pub bug_type: String,
    /// The `BUG:` line's title: `"data-race in f / g"`.
    pub title: String,
    /// The watcher's access (the thread that set up the watchpoint).
    pub this: ReportAccess,
    /// The racer's access; `None`: a race of unknown origin.
    pub other: Option<ReportAccess>,
    /// The value change, if the watcher saw one.
    pub value_change: Option<ValueChange>,
    /// The whole report as the runtime renders it.
    pub text: String,
}

impl Report {
    /// The accesses: the watcher's, then the racer's if known.
    pub fn accesses(&self) -> impl Iterator<Item = &ReportAccess> {
        core::iter::once(&self.this).chain(self.other.as_ref())
    }
}

// ===== Matching =====

/// What an expected access looks like; unset fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    function: Option<String>,
    ty: Option<u32>,
    addr: Option<usize>,
    size: Option<usize>,
}

impl Access {
    /// Any access.
    pub fn any() -> Access {
        Access::default()
    }

    fn of(function: &str, ty: u32) -> Access {
        Access {
            function: Some(function.to_owned()),
            ty: Some(ty),
            ..Access::default()
        }
    }

    /// A plain read in a function whose path contains `function`.
    pub fn read(function: &str) -> Access {
        Access::of(function, 0)
    }

    /// A plain write in `function`.
    pub fn write(function: &str) -> Access {
        Access::of(function, ACCESS_WRITE)
    }

    /// A plain read-modify-write (`x += 1`) in `function`.
    pub fn read_write(function: &str) -> Access {
        Access::of(function, ACCESS_WRITE | ACCESS_COMPOUND)
    }

    /// A marked (atomic) read in `function`.
    pub fn marked_read(function: &str) -> Access {
        Access::of(function, ACCESS_ATOMIC)
    }

    /// A marked (atomic) write in `function`.
    pub fn marked_write(function: &str) -> Access {
        Access::of(function, ACCESS_ATOMIC | ACCESS_WRITE)
    }

    /// A marked read-modify-write (`fetch_add`, `swap`, CAS) in `function`.
    pub fn marked_read_write(function: &str) -> Access {
        Access::of(function, ACCESS_ATOMIC | ACCESS_WRITE | ACCESS_COMPOUND)
    }

    /// An `assert_exclusive_writer!` in `function`.
    pub fn assert_writer(function: &str) -> Access {
        Access::of(function, ACCESS_ASSERT)
    }

    /// An `assert_exclusive_access!` in `function`.
    pub fn assert_access(function: &str) -> Access {
        Access::of(function, ACCESS_ASSERT | ACCESS_WRITE)
    }

    /// Any access type in `function`.
    pub fn in_function(function: &str) -> Access {
        Access {
            function: Some(function.to_owned()),
            ..Access::default()
        }
    }

    /// Also requires this exact type (`ACCESS_*` bits; the scoped bit is ignored).
    pub fn ty(mut self, ty: u32) -> Access {
        self.ty = Some(ty);
        self
    }

    /// Also requires this address.
    pub fn addr<T: ?Sized>(mut self, addr: *const T) -> Access {
        self.addr = Some(addr.cast::<u8>() as usize);
        self
    }

    /// Also requires this size in bytes.
    pub fn size(mut self, size: usize) -> Access {
        self.size = Some(size);
        self
    }

    /// Whether `a` matches. The function matches if the path of the
    /// function containing the access, or of a function inlined at it,
    /// contains the pattern (`"test_kernel_read"` matches
    /// `"mycrate::tests::test_kernel_read"`).
    pub fn matches(&self, a: &ReportAccess) -> bool {
        self.function
            .as_deref()
            .is_none_or(|f| a.top_functions().any(|n| n.contains(f)))
            && self.ty.is_none_or(|t| t == a.ty & !crate::ACCESS_SCOPED)
            && self.addr.is_none_or(|x| x == a.addr)
            && self.size.is_none_or(|s| s == a.size)
    }
}

/// An expected report (the kernel test's `struct expect_report`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    first: Access,
    /// `None`: a race of unknown origin (no racer).
    second: Option<Access>,
}

impl Expect {
    /// A race between two accesses, in either role (which thread watches is
    /// chance).
    pub fn race(a: Access, b: Access) -> Expect {
        Expect {
            first: a,
            second: Some(b),
        }
    }

    /// A race of unknown origin: the watcher's access `a` saw the value
    /// change, and no racing access was seen.
    pub fn unknown_origin(a: Access) -> Expect {
        Expect {
            first: a,
            second: None,
        }
    }

    /// Whether `r` matches.
    pub fn matches(&self, r: &Report) -> bool {
        match (&self.second, &r.other) {
            (None, None) => self.first.matches(&r.this),
            (Some(b), Some(o)) => {
                (self.first.matches(&r.this) && b.matches(o))
                    || (self.first.matches(o) && b.matches(&r.this))
            }
            _ => false,
        }
    }
}

// ===== The runner =====

/// Runs test kernels on threads until an expected report arrives or the
/// time is up (the kernel's `begin_test_checks` / `end_test_checks`).
#[must_use = "a Test does nothing until expect, never or run_until is called"]
pub struct Test<'a> {
    kernels: Vec<Box<dyn Fn() + Sync + 'a>>,
    threads: usize,
    timeout: Duration,
}

impl core::fmt::Debug for Test<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Test")
            .field("kernels", &self.kernels.len())
            .field("threads", &self.threads)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for Test<'_> {
    fn default() -> Self {
        Test::new()
    }
}

impl<'a> Test<'a> {
    /// A test with no kernels, 2 threads and a 5 s time budget.
    pub fn new() -> Test<'a> {
        Test {
            kernels: Vec::new(),
            threads: 2,
            timeout: Duration::from_secs(5),
        }
    }

    /// Adds a test kernel. Thread `i` runs kernel `i % kernels`, in a loop.
    pub fn kernel(mut self, f: impl Fn() + Sync + 'a) -> Test<'a> {
        self.kernels.push(Box::new(f));
        self
    }

    /// Sets the number of threads (at least 1; default 2).
    pub fn threads(mut self, n: usize) -> Test<'a> {
        self.threads = n.max(1);
        self
    }

    /// Sets the time budget: how long [`expect`](Test::expect) waits at most,
    /// and how long [`never`](Test::never) runs.
    pub fn timeout(mut self, d: Duration) -> Test<'a> {
        self.timeout = d;
        self
    }

    /// Runs the kernels until `done(captured reports)` says so or the time
    /// budget is spent; returns every report captured meanwhile.
    ///
    /// # Panics
    /// If there are no kernels, or a kernel panics.
    pub fn run_until(&self, mut done: impl FnMut(&[Report]) -> bool) -> Vec<Report> {
        assert!(
            !self.kernels.is_empty(),
            "kcsan::test::Test: add a kernel first"
        );
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        hook::start_capture();
        let stop = AtomicBool::new(false);
        let deadline = Instant::now() + self.timeout;
        let outcome = std::thread::scope(|s| {
            let workers: Vec<_> = (0..self.threads)
                .map(|i| {
                    let kernel = &self.kernels[i % self.kernels.len()];
                    let stop = &stop;
                    std::thread::Builder::new()
                        .name(format!("kcsan-test-{i}"))
                        .spawn_scoped(s, move || {
                            while !stop.load(Ordering::Relaxed) {
                                kernel();
                            }
                        })
                        .expect("cannot start a test thread")
                })
                .collect();
            while Instant::now() < deadline
                && !workers.iter().any(|w| w.is_finished())
                && !hook::with_captured(&mut done)
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            stop.store(true, Ordering::Relaxed);
            workers
                .into_iter()
                .map(|w| w.join())
                .collect::<Result<Vec<()>, _>>()
        });
        let reports = hook::stop_capture();
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
        reports
    }

    /// Runs until a report matching `expect` arrives; returns it.
    ///
    /// # Panics
    /// If no matching report arrived within the time budget (the message
    /// lists what did arrive), or when built without `--cfg kcsan`.
    pub fn expect(self, expect: &Expect) -> Report {
        if !crate::ENABLED {
            panic!(
                "kcsan::test::Test::expect needs the kcsan runtime: run the tests with \
                 `cargo kcsan test` (or mark the test #[cfg_attr(not(kcsan), ignore)])"
            );
        }
        let reports = self.run_until(|r| r.iter().any(|r| expect.matches(r)));
        match reports.iter().find(|r| expect.matches(r)) {
            Some(r) => r.clone(),
            None => panic!(
                "expected a report matching {expect:?} within {:?}; got {} report(s):\n{}",
                self.timeout,
                reports.len(),
                reports
                    .iter()
                    .map(|r| r.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    /// Runs for the whole time budget and asserts that no report matched
    /// `never`; returns every report captured (none of which matched).
    ///
    /// # Panics
    /// If a matching report arrived (the message shows it).
    pub fn never(self, never: &Expect) -> Vec<Report> {
        let reports = self.run_until(|r| r.iter().any(|r| never.matches(r)));
        if let Some(r) = reports.iter().find(|r| never.matches(r)) {
            panic!(
                "a report matched {never:?}, which must never happen:\n{}",
                r.text
            );
        }
        reports
    }
}

/// Tests run one at a time: the report hook is process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

// ===== The runtime's report hook =====

#[cfg(kcsan)]
mod hook {
    use core::ffi::{CStr, c_char, c_int, c_void};
    use std::sync::Mutex;

    use super::{Frame, Report, ReportAccess, ValueChange};

    #[repr(C)]
    struct RawFrame {
        pc: usize,
        function: *const c_char,
        file: *const c_char,
        line: c_int,
        inlined: c_int,
    }

    #[repr(C)]
    struct RawAccess {
        addr: *const c_void,
        size: usize,
        ty: c_int,
        tid: c_int,
        in_interrupt: c_int,
        cpu: c_int,
        comm: *const c_char,
        description: *const c_char,
        frames: *const RawFrame,
        nframes: usize,
    }

    #[repr(C)]
    struct RawReport {
        bug_type: *const c_char,
        title: *const c_char,
        this_access: RawAccess,
        other: *const RawAccess,
        value_changed: c_int,
        old_value: u64,
        new_value: u64,
        access_mask: u64,
        text: *const c_char,
    }

    /// `KCSAN_REPORT_PRINT`: let the runtime print and count it.
    const PRINT: c_int = 0;
    /// `KCSAN_REPORT_CONSUMED`: taken over (not printed, not counted).
    const CONSUMED: c_int = 1;

    type Hook = unsafe extern "C" fn(*const RawReport, *mut c_void) -> c_int;

    unsafe extern "C" {
        fn kcsan_set_report_hook(hook: Option<Hook>, arg: *mut c_void);
    }

    /// `Some`: a test is capturing.
    static CAPTURED: Mutex<Option<Vec<Report>>> = Mutex::new(None);

    /// # Safety
    /// `p` is NULL or a NUL-terminated string valid for the call.
    unsafe fn string(p: *const c_char) -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: non-null, NUL-terminated and valid (the caller's promise).
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }

    /// # Safety
    /// `a` is a valid access record from the runtime, valid for the call.
    unsafe fn access(a: &RawAccess) -> ReportAccess {
        let frames = if a.frames.is_null() {
            &[][..]
        } else {
            // SAFETY: the runtime passes `nframes` frames at `frames`.
            unsafe { core::slice::from_raw_parts(a.frames, a.nframes) }
        };
        ReportAccess {
            addr: a.addr as usize,
            size: a.size,
            ty: a.ty as u32,
            // SAFETY: runtime strings, valid during the call.
            description: unsafe { string(a.description) },
            tid: a.tid,
            in_interrupt: a.in_interrupt != 0,
            cpu: a.cpu,
            // SAFETY: as above.
            thread_name: unsafe { string(a.comm) },
            frames: frames
                .iter()
                .map(|f| Frame {
                    pc: f.pc,
                    // SAFETY: as above.
                    function: unsafe { string(f.function) },
                    // SAFETY: as above.
                    file: unsafe { string(f.file) },
                    line: f.line.max(0) as u32,
                    inlined: f.inlined != 0,
                })
                .collect(),
        }
    }

    /// The hook: called by the runtime, on the watcher's thread, under the
    /// report lock; copies the report if a test is capturing.
    unsafe extern "C" fn on_report(r: *const RawReport, _arg: *mut c_void) -> c_int {
        // Never unwind into the runtime.
        let result = std::panic::catch_unwind(|| {
            let mut captured = CAPTURED.lock().unwrap_or_else(|e| e.into_inner());
            let Some(list) = captured.as_mut() else {
                return PRINT;
            };
            // SAFETY: the runtime passes a valid report for the call.
            let r = unsafe { &*r };
            // SAFETY: every pointer in it is valid during the call.
            let report = unsafe {
                Report {
                    bug_type: string(r.bug_type),
                    title: string(r.title),
                    this: access(&r.this_access),
                    other: r.other.as_ref().map(|o| access(o)),
                    value_change: (r.value_changed != 0).then_some(ValueChange {
                        old: r.old_value,
                        new: r.new_value,
                        mask: r.access_mask,
                    }),
                    text: string(r.text),
                }
            };
            list.push(report);
            CONSUMED
        });
        result.unwrap_or(PRINT)
    }

    pub(super) fn start_capture() {
        *CAPTURED.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
        // SAFETY: `on_report` has the hook's signature and stays valid for
        // the program's life; it uses no argument.
        unsafe { kcsan_set_report_hook(Some(on_report), core::ptr::null_mut()) };
    }

    pub(super) fn with_captured(f: &mut dyn FnMut(&[Report]) -> bool) -> bool {
        let captured = CAPTURED.lock().unwrap_or_else(|e| e.into_inner());
        f(captured.as_deref().unwrap_or(&[]))
    }

    pub(super) fn stop_capture() -> Vec<Report> {
        // SAFETY: removing the hook; no pointers.
        unsafe { kcsan_set_report_hook(None, core::ptr::null_mut()) };
        CAPTURED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default()
    }
}

#[cfg(not(kcsan))]
mod hook {
    use super::Report;

    pub(super) fn start_capture() {}

    pub(super) fn with_captured(f: &mut dyn FnMut(&[Report]) -> bool) -> bool {
        f(&[])
    }

    pub(super) fn stop_capture() -> Vec<Report> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(function: &str, ty: u32, inlined_callee: Option<&str>) -> ReportAccess {
        let mut frames = Vec::new();
        if let Some(c) = inlined_callee {
            frames.push(Frame {
                pc: 1,
                function: c.into(),
                file: String::new(),
                line: 0,
                inlined: true,
            });
        }
        frames.push(Frame {
            pc: 1,
            function: function.into(),
            file: "src/lib.rs".into(),
            line: 3,
            inlined: false,
        });
        frames.push(Frame {
            pc: 2,
            function: "caller".into(),
            file: String::new(),
            line: 0,
            inlined: false,
        });
        ReportAccess {
            addr: 0x1000,
            size: 8,
            ty,
            description: String::new(),
            tid: 1,
            in_interrupt: false,
            cpu: 0,
            thread_name: String::new(),
            frames,
        }
    }

    fn report(this: ReportAccess, other: Option<ReportAccess>) -> Report {
        Report {
            bug_type: "data-race".into(),
            title: String::new(),
            this,
            other,
            value_change: None,
            text: String::new(),
        }
    }

    #[test]
    fn races_match_in_either_role() {
        let r = report(
            access("app::test_kernel_read", 0, None),
            Some(access("app::test_kernel_write", ACCESS_WRITE, None)),
        );
        let e = Expect::race(
            Access::write("test_kernel_write"),
            Access::read("test_kernel_read"),
        );
        assert!(e.matches(&r), "the racer may be either access");
        assert!(
            !Expect::race(Access::write("test_kernel_read"), Access::any()).matches(&r),
            "the read is not a write"
        );
        assert!(
            !Expect::unknown_origin(Access::read("test_kernel_read")).matches(&r),
            "a known-origin race is not an unknown-origin one"
        );
        assert_eq!(r.this.function(), "app::test_kernel_read");
    }

    #[test]
    fn functions_match_inlined_callees_but_not_callers() {
        let a = access("app::outer", 0, Some("app::helper"));
        assert!(
            Access::read("helper").matches(&a),
            "an inlined callee at the pc"
        );
        assert!(Access::read("outer").matches(&a), "the containing function");
        assert!(
            !Access::read("caller").matches(&a),
            "a caller is not the access"
        );
        assert_eq!(a.function(), "app::outer");
        assert!(Access::any().addr(0x1000 as *const u8).size(8).matches(&a));
        assert!(!Access::any().size(4).matches(&a));
        assert!(
            Access::read("outer")
                .ty(0)
                .matches(&access("app::outer", crate::ACCESS_SCOPED, None)),
            "the scoped bit is ignored"
        );
    }

    #[test]
    fn never_passes_without_the_runtime_and_runs_the_kernels() {
        let runs = std::sync::atomic::AtomicU64::new(0);
        let reports = Test::new()
            .timeout(Duration::from_millis(20))
            .kernel(|| {
                runs.fetch_add(1, Ordering::Relaxed);
            })
            .never(&Expect::race(Access::any(), Access::any()));
        if !crate::ENABLED {
            assert!(reports.is_empty(), "no runtime, no reports");
        }
        assert!(runs.load(Ordering::Relaxed) > 0, "the kernel ran");
    }
}
