//! Where an explicit check was written: the Rust API's `#[track_caller]`
//! locations.
//!
//! The `kcsan` crate's checking functions (`read_once`, the atomics'
//! methods, `UnsafeCell::with_mut`, the `assert_exclusive_*!` macros) are
//! `#[track_caller]` and pass `Location::caller()` with the access
//! ([`check_access_at`]). The thread keeps it for the length of the check, and
//! a report of that access shows it: the frame of the caller's file gets the
//! exact `line:column`, and JSON has it as `location`. Line tables alone can
//! be a line off in optimised code (the return address after the check is
//! attributed to the next statement), and cannot tell two checks on one line
//! apart.
//!
//! The location belongs to one access (address and size) at one signal
//! depth, so neither a scoped access checked on the way nor a signal
//! handler's own accesses take it.

use super::stack::{Frame, Stack};
use crate::access::AccessType;

/// A caller's location as the thread holds it during the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CallerLocation {
    addr: usize,
    size: usize,
    /// `Location::file()`: UTF-8, `'static` in the program.
    file: *const u8,
    file_len: usize,
    line: u32,
    column: u32,
    signal_depth: u32,
}

// SAFETY: the pointer is to a `&'static str` (immutable for the life of the
// program), which any thread may read: the racer's location is read by the
// watcher that prints the report.
unsafe impl Send for CallerLocation {}

impl CallerLocation {
    /// No location.
    pub(crate) const NONE: CallerLocation = CallerLocation {
        addr: 0,
        size: 0,
        file: core::ptr::null(),
        file_len: 0,
        line: 0,
        column: 0,
        signal_depth: 0,
    };

    /// This location if it was given for the access `addr`, `size` at signal
    /// depth `depth`, else none.
    pub(crate) fn of_access(self, addr: usize, size: usize, depth: u32) -> CallerLocation {
        if !self.file.is_null()
            && self.addr == addr
            && self.size == size
            && self.signal_depth == depth
        {
            self
        } else {
            CallerLocation::NONE
        }
    }

    /// The location as a report shows it (`None`: none given).
    pub(crate) fn to_source(self) -> Option<SourceLocation> {
        if self.file.is_null() {
            return None;
        }
        // SAFETY: `file..file + file_len` is a `&'static str` of the program
        // (`Location::file()`), as `check_access_at`'s contract requires.
        let bytes = unsafe { core::slice::from_raw_parts(self.file, self.file_len) };
        Some(SourceLocation {
            file: String::from_utf8_lossy(bytes).into_owned(),
            line: self.line,
            column: self.column,
        })
    }
}

/// Where in the source an explicitly checked access was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLocation {
    /// The file as the compiler named it (`src/lib.rs`, or an absolute path
    /// for a dependency).
    pub file: String,
    /// Its line (1-based).
    pub line: u32,
    /// Its column (1-based).
    pub column: u32,
}

/// Checks an access as [`crate::check_access`] does, with the caller's
/// source location for a report of it.
///
/// # Safety
/// As for [`crate::check_access`]; and `file..file + file_len` is UTF-8 that
/// lives as long as the program (a `Location::file()`).
pub unsafe fn check_access_at(
    ptr: *const u8,
    size: usize,
    ty: AccessType,
    file: *const u8,
    file_len: usize,
    line: u32,
    column: u32,
) {
    // A signal handler that interrupts a located check puts back what it
    // found; its own accesses are at another depth, so never match it.
    let found = crate::ctx::with(|ctx| {
        ctx.caller_location.replace(CallerLocation {
            addr: ptr as usize,
            size,
            file,
            file_len,
            line,
            column,
            signal_depth: ctx.signal_depth.get(),
        })
    });
    // SAFETY: forwarded from the caller.
    unsafe { crate::check_access(ptr, size, ty) };
    crate::ctx::with(|ctx| ctx.caller_location.set(found));
    // The atomic or volatile operation that follows the check is
    // instrumented too: it is this access, checked already, and a second
    // check would report it again without the location (and, where the
    // operation is a tail call, without its function's frame).
    if ty.is_atomic() {
        crate::fast::set_checked(ptr as usize);
    }
}

/// The stack with `loc` applied: the topmost frame in `loc`'s file shows
/// `loc`'s line and column. A stack without such a frame is left alone.
pub(crate) fn apply(stack: &mut Stack, loc: &SourceLocation) {
    if let Some(f) = stack.frames.iter_mut().find(|f| {
        f.file
            .as_deref()
            .is_some_and(|file| same_file(file, &loc.file))
    }) {
        relocate(f, loc);
    }
}

/// Whether the DWARF path `dwarf` (absolute) is the compiler's `given`
/// (relative to the crate, or absolute).
fn same_file(dwarf: &str, given: &str) -> bool {
    dwarf == given
        || (dwarf.len() > given.len()
            && dwarf.ends_with(given)
            && dwarf.as_bytes()[dwarf.len() - given.len() - 1] == b'/')
}

/// `frame` at `loc`'s line and column: `file:line` in its text becomes
/// `file:line:column`.
fn relocate(frame: &mut Frame, loc: &SourceLocation) {
    let shown = frame.shown_file().unwrap_or_default();
    let old = match frame.line {
        Some(l) => format!(" {shown}:{l}"),
        None => format!(" {shown}"),
    };
    let new = format!(" {shown}:{}:{}", loc.line, loc.column);
    if let Some(i) = frame.text.rfind(&old)
        && frame.text[i + old.len()..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ')
    {
        frame.text.replace_range(i..i + old.len(), &new);
        frame.line = Some(loc.line);
    }
}

/// Whether a check of type `ty` may carry a location: a scoped access (or a
/// reordered one) is checked on behalf of another line of code.
pub(crate) fn may_locate(ty: AccessType) -> bool {
    !ty.has(AccessType::SCOPED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::stack::test_frame;

    fn loc(file: &str, line: u32, column: u32) -> SourceLocation {
        SourceLocation {
            file: file.to_owned(),
            line,
            column,
        }
    }

    #[test]
    fn the_callers_frame_gets_the_exact_line_and_column() {
        let mut s = Stack {
            frames: vec![
                test_frame(1, "app::publish", "/src/app/src/lib.rs", false),
                test_frame(2, "app::main", "/src/app/src/main.rs", false),
            ],
        };
        apply(&mut s, &loc("src/main.rs", 42, 9));
        assert_eq!(
            s.frames[0].text,
            "app::publish+0x1/0x2 /src/app/src/lib.rs:1"
        );
        assert_eq!(
            s.frames[1].text,
            "app::main+0x1/0x2 /src/app/src/main.rs:42:9"
        );
        assert_eq!(s.frames[1].line, Some(42));
    }

    #[test]
    fn a_file_must_match_whole_path_components() {
        let mut s = Stack {
            frames: vec![test_frame(1, "app::f", "/src/app/xsrc/main.rs", false)],
        };
        apply(&mut s, &loc("src/main.rs", 42, 9));
        assert_eq!(s.frames[0].text, "app::f+0x1/0x2 /src/app/xsrc/main.rs:1");
        assert!(same_file("/a/src/main.rs", "/a/src/main.rs"));
        assert!(same_file("/a/src/main.rs", "src/main.rs"));
        assert!(!same_file("/a/xsrc/main.rs", "src/main.rs"));
    }

    #[test]
    fn a_location_belongs_to_one_access_at_one_depth() {
        let l = CallerLocation {
            addr: 0x1000,
            size: 8,
            file: b"src/lib.rs".as_ptr(),
            file_len: 10,
            line: 3,
            column: 5,
            signal_depth: 0,
        };
        assert_eq!(l.of_access(0x1000, 8, 0), l);
        assert_eq!(l.of_access(0x1008, 8, 0), CallerLocation::NONE);
        assert_eq!(l.of_access(0x1000, 4, 0), CallerLocation::NONE);
        assert_eq!(l.of_access(0x1000, 8, 1), CallerLocation::NONE);
        assert_eq!(l.to_source(), Some(loc("src/lib.rs", 3, 5)));
        assert_eq!(CallerLocation::NONE.to_source(), None);
    }
}
