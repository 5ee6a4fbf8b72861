//! Stacks: capture (unwinding with `_Unwind_Backtrace`), symbolization, and the
//! skipping of the runtime's own frames.
//!
//! Capture stores raw return addresses in a fixed buffer, so the racing thread
//! pays only for the unwind. Symbolization happens later, in the watcher's
//! report path. Runtime frames are recognised by name, as in the kernel: the
//! naming rule (`__tsan_*`, `kcsan_*`, `kcsan_core::`, `kcsan_rt::`) is what
//! keeps them out of reports.

use core::ffi::{c_int, c_void};

/// Frames kept per stack (the kernel's `NUM_STACK_ENTRIES`).
pub(crate) const NUM_STACK_ENTRIES: usize = 64;

/// A captured stack: return addresses, innermost first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawStack {
    pub(crate) pcs: [usize; NUM_STACK_ENTRIES],
    pub(crate) len: usize,
}

impl RawStack {
    pub(crate) const EMPTY: RawStack = RawStack {
        pcs: [0; NUM_STACK_ENTRIES],
        len: 0,
    };

    pub(crate) fn as_slice(&self) -> &[usize] {
        &self.pcs[..self.len]
    }
}

#[repr(C)]
struct UnwindContext {
    _opaque: [u8; 0],
}

/// `_URC_NO_REASON`: keep unwinding.
const URC_NO_REASON: c_int = 0;
/// `_URC_END_OF_STACK`: stop.
const URC_END_OF_STACK: c_int = 5;

unsafe extern "C" {
    fn _Unwind_Backtrace(
        trace: extern "C" fn(*mut UnwindContext, *mut c_void) -> c_int,
        arg: *mut c_void,
    ) -> c_int;
    fn _Unwind_GetIP(ctx: *mut UnwindContext) -> usize;
}

extern "C" fn collect(uctx: *mut UnwindContext, arg: *mut c_void) -> c_int {
    // SAFETY:
    // - `arg` is the `&mut RawStack` passed to `_Unwind_Backtrace` by `capture`,
    //   alive and exclusively borrowed for the whole unwind;
    // - `uctx` is the unwinder's context for the current frame.
    let (stack, ip) = unsafe { (&mut *arg.cast::<RawStack>(), _Unwind_GetIP(uctx)) };
    if ip == 0 || stack.len == NUM_STACK_ENTRIES {
        return URC_END_OF_STACK;
    }
    stack.pcs[stack.len] = ip;
    stack.len += 1;
    URC_NO_REASON
}

/// Captures the calling thread's stack.
#[inline(never)]
pub(crate) fn capture() -> RawStack {
    let mut stack = RawStack::EMPTY;
    // SAFETY: `collect` only writes through `arg`, which points at `stack`.
    unsafe { _Unwind_Backtrace(collect, (&mut stack as *mut RawStack).cast()) };
    stack
}

/// One printable frame of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The return address (or exact pc).
    pub pc: usize,
    /// Function name, demangled (`None`: unknown).
    pub function: Option<String>,
    /// The line as printed: `func+0xoff/0xsize file:line`.
    pub text: String,
    /// Whether this frame is inlined into the next one.
    pub inlined: bool,
    /// Source file, if known.
    pub file: Option<String>,
    /// Source line, if known.
    pub line: Option<u32>,
    /// The executable or shared library holding the code, if known.
    pub module: Option<String>,
}

impl Frame {
    /// The source file as reports show it: relative to the current
    /// directory if it lies below it, as in the frame's text, so that a
    /// report never mixes relative and absolute paths (JSON keeps `file`
    /// absolute, for tools).
    pub fn shown_file(&self) -> Option<String> {
        #[cfg(feature = "symbolize")]
        {
            self.file.as_deref().map(kcsan_symbolize::short_path)
        }
        #[cfg(not(feature = "symbolize"))]
        {
            self.file.clone()
        }
    }

    /// Whether the frame's source is a library's rather than the program's:
    /// Rust's std (`/rustc/<hash>/library/`, or rust-src's copy), a crate
    /// from the cargo registry or a git checkout, a C++ standard library
    /// header, or a system header. The title names the program's own code
    /// when it was inlined into such a function (a closure run by
    /// `std::thread`, rayon or an iterator adapter).
    pub fn is_library(&self) -> bool {
        self.file.as_deref().is_some_and(is_library_file)
    }
}

/// See [`Frame::is_library`].
fn is_library_file(file: &str) -> bool {
    file.starts_with("/rustc/")
        || file.starts_with("/usr/include/")
        || file.contains("/lib/rustlib/src/rust/library/")
        || file.contains("/.cargo/registry/")
        || file.contains("/.cargo/git/")
        || file.contains("/include/c++/")
}

#[cfg(feature = "symbolize")]
mod symbolizer {
    use super::Frame;
    use crate::report::lock::SpinLock;

    /// The symbolizer and its caches. A spinlock, not a mutex, so that a
    /// forked child can reset it (see `after_fork_in_child`).
    static SYMBOLIZER: SpinLock<Option<kcsan_symbolize::Symbolizer>> = SpinLock::new(None);

    pub(super) fn symbolize(pc: usize) -> Vec<Frame> {
        let mut guard = SYMBOLIZER.lock();
        let sym = guard.get_or_insert_with(kcsan_symbolize::Symbolizer::new);
        sym.symbolize(pc, false)
            .into_iter()
            .map(|f| Frame {
                pc,
                text: f.display(),
                function: f.function,
                inlined: f.inlined,
                file: f.file,
                line: f.line,
                module: f.module,
            })
            .collect()
    }

    pub(super) fn find_functions(wanted: &dyn Fn(&str) -> bool) -> Vec<(usize, usize, String)> {
        let mut guard = SYMBOLIZER.lock();
        let sym = guard.get_or_insert_with(kcsan_symbolize::Symbolizer::new);
        sym.find_functions(wanted)
            .into_iter()
            .map(|f| (f.start, f.end, f.name))
            .collect()
    }

    pub(super) fn find_inlined(wanted: &dyn Fn(&str) -> bool) -> Vec<(usize, usize, String)> {
        let mut guard = SYMBOLIZER.lock();
        let sym = guard.get_or_insert_with(kcsan_symbolize::Symbolizer::new);
        sym.find_inlined(wanted)
            .into_iter()
            .map(|f| (f.start, f.end, f.name))
            .collect()
    }

    /// A thread of the parent may have been symbolizing when it forked: its
    /// caches may be half-updated, so the child forgets them (leaking, not
    /// dropping, what may be inconsistent) and starts afresh.
    pub(super) fn after_fork_in_child() {
        // SAFETY: only the forking thread exists in the child.
        unsafe { SYMBOLIZER.force_unlock() };
        if let Some(old) = SYMBOLIZER.lock().take() {
            core::mem::forget(old);
        }
    }
}

#[cfg(not(feature = "symbolize"))]
mod symbolizer {
    use super::Frame;

    pub(super) fn symbolize(pc: usize) -> Vec<Frame> {
        vec![Frame {
            pc,
            function: None,
            text: format!("0x{pc:x}"),
            inlined: false,
            file: None,
            line: None,
            module: None,
        }]
    }

    pub(super) fn find_functions(_wanted: &dyn Fn(&str) -> bool) -> Vec<(usize, usize, String)> {
        Vec::new()
    }

    pub(super) fn find_inlined(_wanted: &dyn Fn(&str) -> bool) -> Vec<(usize, usize, String)> {
        Vec::new()
    }

    pub(super) fn after_fork_in_child() {}
}

/// Resets the symbolizer in a forked child.
pub(crate) fn after_fork_in_child() {
    symbolizer::after_fork_in_child();
}

/// The frames of one pc (inlined ones first, then the containing function).
pub(crate) fn symbolize(pc: usize) -> Vec<Frame> {
    symbolizer::symbolize(pc)
}

/// The code ranges `(start, end, name)` of the loaded functions whose
/// demangled names (as reports show them) `wanted` accepts.
pub(crate) fn find_functions(wanted: &dyn Fn(&str) -> bool) -> Vec<(usize, usize, String)> {
    symbolizer::find_functions(wanted)
}

/// The code where the functions whose names `wanted` accepts were inlined
/// (DWARF inlined subroutines), as `(start, end, name)`.
pub(crate) fn find_inlined(wanted: &dyn Fn(&str) -> bool) -> Vec<(usize, usize, String)> {
    symbolizer::find_inlined(wanted)
}

/// The function through which the runtime calls signal handlers (kcsan-rt).
const SIGNAL_TRAMPOLINE: &str = "kcsan_rt::signal::trampoline";

/// Whether a function belongs to the runtime. The kernel's rule (names that
/// contain `tsan_`, or `kcsan_` not followed by `test`) plus our crates' paths
/// and the unwinder.
pub(crate) fn is_runtime_function(name: &str) -> bool {
    if name.contains("tsan_")
        || name.starts_with("kcsan::")
        || name.starts_with("<kcsan::")
        || name.starts_with("_Unwind_")
        || name.starts_with("__wrap_mem")
        || name.contains("_once_size")
    {
        return true;
    }
    name.match_indices("kcsan_")
        .any(|(i, _)| !name[i + "kcsan_".len()..].starts_with("test"))
}

/// Whether a frame is where Rust's std starts running user code: a thread's
/// closure (`std::sys::backtrace::__rust_begin_short_backtrace`), `main`
/// (the same function, via `std::rt::lang_start`), or a libtest test
/// (`test::__rust_begin_short_backtrace`). What lies below it is std's
/// thread-start and runtime-start machinery, which Rust's own panic
/// backtraces hide too.
fn is_rust_start_frame(name: &str) -> bool {
    // v0 mangling (nightly's default) names the instance with its generic
    // arguments: `...::__rust_begin_short_backtrace::<app::main::{closure#0}, ()>`.
    let path = name.split("::<").next().unwrap_or(name);
    path.ends_with("__rust_begin_short_backtrace")
}

/// Whether a function may sit between runtime frames without ending the
/// runtime prefix (std helpers that the runtime calls but did not inline).
fn is_runtime_helper(name: &str) -> bool {
    name.starts_with("std::") || name.starts_with("core::") || name.starts_with("<")
}

/// A symbolized stack with the runtime's frames removed.
#[derive(Clone, Debug, Default)]
pub struct Stack {
    /// Frames, innermost first; the first is the "top frame" of the report.
    pub frames: Vec<Frame>,
}

impl Stack {
    /// The address of the top (first non-runtime) frame: the rate-limit key.
    pub fn top_pc(&self) -> usize {
        self.frames.first().map_or(0, |f| f.pc)
    }

    /// The name of the top frame's function as the title shows it (`%ps`):
    /// the function containing the pc, not an inlined callee (unless that
    /// function is a library's: see `program_top`).
    pub fn top_function(&self) -> String {
        let first_pc = self.top_pc();
        self.program_top()
            .and_then(|f| f.function.clone())
            .unwrap_or_else(|| format!("0x{first_pc:x}"))
    }

    /// The frame a title names: the function that holds the top pc, as the
    /// kernel names it; but when that function is a library's and the
    /// program's own code was inlined into it (a lambda run by
    /// `std::thread`, a closure run by rayon's `helper`), the innermost
    /// frame of the program's code at that pc, so that the title names what
    /// the user wrote.
    fn program_top(&self) -> Option<&Frame> {
        let first_pc = self.top_pc();
        let mut at_top = self.frames.iter().filter(|f| f.pc == first_pc);
        match at_top.clone().find(|f| !f.inlined) {
            Some(container) if container.is_library() => {
                at_top.find(|f| !f.is_library()).or(Some(container))
            }
            Some(container) => Some(container),
            // The containing function was cut (user code inlined into
            // std's thread-start frame): name the innermost frame instead.
            None => self.frames.first(),
        }
    }

    /// The top frame as `%pS` (`func+0xoff/0xsize`), for sorting titles and for
    /// the unknown-origin title.
    pub fn top_symbol_offset(&self) -> String {
        let first_pc = self.top_pc();
        self.frames
            .iter()
            .find(|f| f.pc == first_pc && !f.inlined)
            .map(|f| f.text.split(' ').next().unwrap_or("").to_owned())
            .or_else(|| self.frames.first().and_then(|f| f.function.clone()))
            .unwrap_or_else(|| format!("0x{first_pc:x}"))
    }
}

/// Symbolizes `raw` and drops the leading runtime frames.
pub(crate) fn sanitize(raw: &RawStack) -> Stack {
    let per_pc: Vec<Vec<Frame>> = raw.as_slice().iter().map(|&pc| symbolize(pc)).collect();
    let outer_name = |frames: &Vec<Frame>| {
        frames
            .last()
            .and_then(|f| f.function.clone())
            .unwrap_or_default()
    };
    // The runtime prefix: every frame up to the last runtime frame, as long as
    // only runtime frames and std helpers come before it.
    let mut skip = 0;
    for (i, frames) in per_pc.iter().enumerate() {
        let name = outer_name(frames);
        if is_runtime_function(&name) {
            skip = i + 1;
        } else if !is_runtime_helper(&name) {
            break;
        }
    }
    // A signal handler's stack ends at the runtime's trampoline: what lies
    // below is the interrupted code (often the runtime itself), not the path
    // that led to this access.
    let end = per_pc
        .iter()
        .skip(skip)
        .position(|frames| outer_name(frames).contains(SIGNAL_TRAMPOLINE))
        .map_or(per_pc.len(), |i| skip + i);
    let mut frames: Vec<Frame> = per_pc.into_iter().take(end).skip(skip).flatten().collect();
    frames.drain(..inlined_runtime_prefix(&frames));
    // Per frame, not per pc: in optimised code the user's closure is often
    // inlined into the start frame itself.
    if let Some(start) = frames
        .iter()
        .position(|f| f.function.as_deref().is_some_and(is_rust_start_frame))
    {
        frames.truncate(start);
    }
    Stack { frames }
}

/// How many of `frames`' leading inlined frames are the runtime's. The kcsan
/// API crate's functions inlined at the access (UnsafeCell's `with_mut`, the
/// atomics' methods) are the runtime's, and so are the std helpers they
/// inline (`core::ptr::write_volatile` in `write_once`, whose volatile write
/// the instrumentation checks too): up to the last runtime function among
/// the leading inlined frames, as long as only runtime functions and std
/// helpers come before it.
fn inlined_runtime_prefix(frames: &[Frame]) -> usize {
    frames
        .iter()
        .take_while(|f| {
            f.inlined
                && f.function
                    .as_deref()
                    .is_some_and(|n| is_runtime_function(n) || is_runtime_helper(n))
        })
        .enumerate()
        .filter(|(_, f)| f.function.as_deref().is_some_and(is_runtime_function))
        .last()
        .map_or(0, |(i, _)| i + 1)
}

/// As [`sanitize`], for a scoped or reordered access made at `origin` (a
/// stack whose first non-runtime pc is the origin `ip`; empty: none): the
/// frame of the function containing `ip` is replaced by `ip`, and frames
/// above it are dropped (the kernel's `replace_stack_entry`). Also returns
/// the replaced frame, where the access was checked ("reordered to:"). Falls
/// back to [`sanitize`] if no frame is in that function.
pub(crate) fn sanitize_from(raw: &RawStack, origin: &RawStack) -> (Stack, Option<Frame>) {
    let Some(ip) = (origin.len > 0)
        .then(|| sanitize(origin).top_pc())
        .filter(|&ip| ip != 0)
    else {
        return (sanitize(raw), None);
    };
    let at_ip = symbolize(ip);
    let Some(func) = at_ip.last().and_then(|f| f.function.clone()) else {
        return (sanitize(raw), None);
    };
    let full = sanitize_keep(raw);
    let Some(i) = full
        .iter()
        .position(|frames| frames.last().and_then(|f| f.function.as_deref()) == Some(&func))
    else {
        return (sanitize(raw), None);
    };
    let replaced = full[i].first().cloned();
    let frames = at_ip
        .into_iter()
        .chain(full.into_iter().skip(i + 1).flatten())
        .collect();
    (Stack { frames }, replaced)
}

/// The symbolized frames of `raw` per pc, up to a signal trampoline (the
/// runtime prefix kept).
fn sanitize_keep(raw: &RawStack) -> Vec<Vec<Frame>> {
    let mut per_pc: Vec<Vec<Frame>> = raw.as_slice().iter().map(|&pc| symbolize(pc)).collect();
    // Skip the runtime prefix so a signal trampoline below the access ends
    // the stack, as in `sanitize`.
    let start = per_pc
        .iter()
        .position(|frames| {
            let name = frames
                .last()
                .and_then(|f| f.function.clone())
                .unwrap_or_default();
            !is_runtime_function(&name) && !is_runtime_helper(&name)
        })
        .unwrap_or(per_pc.len());
    if let Some(end) = per_pc.iter().skip(start).position(|frames| {
        frames
            .last()
            .and_then(|f| f.function.as_deref())
            .is_some_and(|n| n.contains(SIGNAL_TRAMPOLINE))
    }) {
        per_pc.truncate(start + end);
    }
    per_pc
}

/// A frame for tests: `function` at `file:1`.
#[cfg(test)]
pub(crate) fn test_frame(pc: usize, function: &str, file: &str, inlined: bool) -> Frame {
    Frame {
        pc,
        function: Some(function.to_owned()),
        text: format!("{function}+0x1/0x2 {file}:1"),
        inlined,
        file: Some(file.to_owned()),
        line: Some(1),
        module: None,
    }
}

#[cfg(test)]
mod tests {
    use super::test_frame as frame;
    use super::*;

    #[test]
    fn std_helpers_inlined_into_the_api_are_the_runtimes() {
        let frames = [
            frame(
                1,
                "core::ptr::write_volatile",
                "/rustc/x/library/core/src/ptr/mod.rs",
                true,
            ),
            frame(1, "kcsan::write_once", "/k/crates/kcsan/src/lib.rs", true),
            frame(1, "app::publish", "/app/src/lib.rs", false),
        ];
        assert_eq!(inlined_runtime_prefix(&frames), 2);
        // std code of the program's own, with no runtime function under it,
        // stays.
        let frames = [
            frame(
                1,
                "core::ptr::write_volatile",
                "/rustc/x/library/core/src/ptr/mod.rs",
                true,
            ),
            frame(1, "app::publish", "/app/src/lib.rs", false),
        ];
        assert_eq!(inlined_runtime_prefix(&frames), 0);
        // The user's own inlined function ends the prefix.
        let frames = [
            frame(
                1,
                "kcsan::sys::imp::check",
                "/k/crates/kcsan/src/sys.rs",
                true,
            ),
            frame(1, "app::helper", "/app/src/lib.rs", true),
            frame(1, "kcsan::read_once", "/k/crates/kcsan/src/lib.rs", true),
            frame(1, "app::publish", "/app/src/lib.rs", false),
        ];
        assert_eq!(inlined_runtime_prefix(&frames), 1);
    }

    #[test]
    fn titles_name_the_programs_code_inlined_into_a_library_function() {
        let lib = "/usr/include/c++/12/bits/std_thread.h";
        let lambda = Stack {
            frames: vec![
                frame(0x10, "main::$_0::operator()() const", "/src/lam.cpp", true),
                frame(
                    0x10,
                    "std::__invoke_impl",
                    "/usr/include/c++/12/bits/invoke.h",
                    true,
                ),
                frame(0x10, "std::thread::_State_impl::_M_run()", lib, false),
                frame(0x20, "start_thread", "", false),
            ],
        };
        assert_eq!(lambda.top_function(), "main::$_0::operator()() const");
        // A library function inlined into the program's: the kernel's rule.
        let push = Stack {
            frames: vec![
                frame(
                    0x10,
                    "std::vector::push_back",
                    "/usr/include/c++/12/bits/stl_vector.h",
                    true,
                ),
                frame(0x10, "fill", "/src/fill.cpp", false),
            ],
        };
        assert_eq!(push.top_function(), "fill");
        // Only library code at the top pc: the containing function.
        let rayon = Stack {
            frames: vec![
                frame(
                    0x10,
                    "rayon::iter::plumbing::helper",
                    "/root/.cargo/registry/src/x/rayon/src/lib.rs",
                    true,
                ),
                frame(
                    0x10,
                    "std::rt::lang_start",
                    "/rustc/abc/library/std/src/rt.rs",
                    false,
                ),
            ],
        };
        assert_eq!(rayon.top_function(), "std::rt::lang_start");
        for f in [
            "/rustc/17067e9ac6d7e98f18d2d4d4e5fbd8b2fe1cd14b/library/core/src/ops/function.rs",
            "/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/rayon-core-1.12.1/src/job.rs",
            "/home/u/.rustup/toolchains/nightly/lib/rustlib/src/rust/library/std/src/thread/mod.rs",
            "/usr/lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/invoke.h",
            "/usr/include/x86_64-linux-gnu/bits/string_fortified.h",
        ] {
            assert!(is_library_file(f), "{f}");
        }
        for f in ["/work/app/src/main.rs", "src/lib.rs", "/usr/src/app/main.c"] {
            assert!(!is_library_file(f), "{f}");
        }
    }

    #[test]
    fn runtime_frames_are_recognised_by_name() {
        for n in [
            "__tsan_read8",
            "__wrap_memcpy",
            "kcsan_core::check::setup_watchpoint",
            "kcsan_rt::tsan::__tsan_write4",
            "_Unwind_Backtrace",
            "kcsan_disable_current",
            "kcsan::cell::UnsafeCell<u64>::with_mut",
            "<kcsan::sync::atomic::AtomicU64>::fetch_add",
        ] {
            assert!(is_runtime_function(n), "{n}");
        }
        for n in [
            "main",
            "test_kernel_read",
            "kcsan_test_basic",
            "worker",
            "std::thread::spawn",
            "mycrate::kcsan::shim",
        ] {
            assert!(!is_runtime_function(n), "{n}");
        }
    }

    #[test]
    fn rust_start_frames_are_recognised() {
        for n in [
            "std::sys::backtrace::__rust_begin_short_backtrace",
            "test::__rust_begin_short_backtrace",
            "std::sys::backtrace::__rust_begin_short_backtrace::<app::run::{closure#0}, ()>",
        ] {
            assert!(is_rust_start_frame(n), "{n}");
        }
        assert!(!is_rust_start_frame(
            "std::thread::lifecycle::spawn_unchecked::{{closure}}"
        ));
    }

    #[test]
    fn capture_sees_this_function() {
        let s = capture();
        assert!(s.len > 2, "a test thread has a few frames");
    }
}
