//! The text of a report, in the shape of kcsan.rst "Error reports":
//!
//! ```text
//! ==================================================================
//! BUG: KCSAN: data-race in test_kernel_read / test_kernel_write
//!
//! write to 0x00005581b7ef4010 of 8 bytes by task 487 on cpu 0:
//!  test_kernel_write+0x1d/0x30 kcsan_test.c:42
//!  ...
//!
//! read to 0x00005581b7ef4010 of 8 bytes by task 488 on cpu 1:
//!  test_kernel_read+0x10/0x20 kcsan_test.c:37
//!  ...
//!
//! value changed: 0x00000000000009a6 -> 0x00000000000009b2
//!
//! Reported by Kernel Concurrency Sanitizer on:
//! CPU: 1 PID: 486 TID: 488 Comm: worker Exe: /path/to/prog
//! SUMMARY: KCSAN: data-race kcsan_test.c:42 in test_kernel_write
//! ==================================================================
//! ```
//!
//! The racer's block comes first, then the watcher's; the footer names the
//! watcher. Title names are sorted (by their `func+0xoff/0xsize` text, as the
//! kernel does) so a race has the same title whichever side watched.

use core::fmt::Write;

use super::{AccessReport, Report, WatchedAgain};
use crate::config::ReportFormat;
use crate::stats::Counter;

/// The rule that opens and closes a report: 66 `=`.
const RULE: &str = "==================================================================";
const _: () = assert!(RULE.len() == 66);

fn access_line(out: &mut String, a: &AccessReport) {
    let who = if a.task.in_interrupt {
        format!("interrupt in task {}", a.task.tid)
    } else {
        format!("task {}", a.task.tid)
    };
    let _ = writeln!(
        out,
        "{} to 0x{:016x} of {} bytes by {} on cpu {}:",
        a.ty.describe(),
        a.addr,
        a.size,
        who,
        a.cpu
    );
}

/// A run of more library frames than this (`Frame::is_library`: std, cargo
/// registry crates, C++ headers) is folded in KCSAN-format reports: a
/// rayon or iterator-adapter stack can hold sixty frames of the library's
/// plumbing between the program's own. The run's first and last two frames
/// stay; JSON reports keep every frame.
const FOLD_LIBRARY_FRAMES: usize = 8;

fn stack_lines(out: &mut String, a: &AccessReport) {
    let frames = &a.stack.frames;
    let mut i = 0;
    while i < frames.len() {
        let run = frames[i..].iter().take_while(|f| f.is_library()).count();
        if run > FOLD_LIBRARY_FRAMES {
            for f in &frames[i..i + 2] {
                let _ = writeln!(out, " {}", f.text);
            }
            let mut crates: Vec<&str> = Vec::new();
            for f in &frames[i + 2..i + run - 2] {
                let name = f.function.as_deref().unwrap_or("");
                // `std::iter::...`, `<rayon::... as ...>::...`: the crate.
                let krate = name
                    .trim_start_matches('<')
                    .split("::")
                    .next()
                    .unwrap_or("");
                if !krate.is_empty() && !crates.contains(&krate) && crates.len() < 4 {
                    crates.push(krate);
                }
            }
            let _ = writeln!(
                out,
                " ... {} library frames ({}) ...",
                run - 4,
                crates.join(", ")
            );
            for f in &frames[i + run - 2..i + run] {
                let _ = writeln!(out, " {}", f.text);
            }
            i += run;
        } else {
            for f in &frames[i..i + run.max(1)] {
                let _ = writeln!(out, " {}", f.text);
            }
            i += run.max(1);
        }
    }
    // A scoped or reordered access: its top frame is where the scope began
    // (or the reordered access was made); this is where it was checked.
    if let Some(to) = &a.reordered_to {
        let _ = writeln!(out, "  |\n  +-> reordered to: {}", to.text);
    }
}

/// The report's title, after `BUG: KCSAN: `: the bug type and the top
/// functions, sorted (or the watcher's frame with offsets for unknown origin).
pub(crate) fn title(r: &Report) -> String {
    match &r.other {
        Some(other) => {
            let mut names = [
                (
                    r.this.stack.top_symbol_offset(),
                    r.this.stack.top_function(),
                ),
                (other.stack.top_symbol_offset(), other.stack.top_function()),
            ];
            names.sort();
            format!("{} in {} / {}", r.bug_type, names[0].1, names[1].1)
        }
        None => format!("{} in {}", r.bug_type, r.this.stack.top_symbol_offset()),
    }
}

/// The `SUMMARY:` line: the bug type and the first stack's top frame, in the
/// sanitizers' shape, for tools that grep for it.
fn summary(r: &Report) -> String {
    let first = r.other.as_ref().unwrap_or(&r.this);
    let frame = first.stack.frames.first();
    let location = frame
        .and_then(|f| Some(format!("{}:{} ", f.shown_file()?, f.line?)))
        .unwrap_or_default();
    let function = frame
        .and_then(|f| f.function.clone())
        .unwrap_or_else(|| first.stack.top_function());
    format!("SUMMARY: KCSAN: {} {location}in {function}", r.bug_type)
}

/// Renders a report in the chosen format, ending with a newline.
pub(crate) fn render(r: &Report, exe: &str, format: ReportFormat) -> String {
    match format {
        ReportFormat::Kcsan => render_kcsan(r, exe),
        ReportFormat::Tsan => render_tsan(r, exe),
        ReportFormat::Json => render_json(r, exe),
    }
}

/// KCSAN's report.
fn render_kcsan(r: &Report, exe: &str) -> String {
    let mut out = String::with_capacity(2048);
    let _ = writeln!(out, "{RULE}");
    let _ = writeln!(out, "BUG: KCSAN: {}\n", title(r));
    match &r.other {
        Some(other) => {
            access_line(&mut out, other);
            stack_lines(&mut out, other);
            out.push('\n');
            access_line(&mut out, &r.this);
            stack_lines(&mut out, &r.this);
        }
        None => {
            out.push_str("race at unknown origin, with ");
            access_line(&mut out, &r.this);
            stack_lines(&mut out, &r.this);
        }
    }
    out.push('\n');
    if let Some((old, new)) = r.value_change {
        let width = r.this.size * 2;
        let _ = writeln!(out, "value changed: 0x{old:0width$x} -> 0x{new:0width$x}");
        if r.access_mask != 0 {
            let diff = (old ^ new) & r.access_mask;
            let _ = writeln!(
                out,
                " bits changed: 0x{diff:0width$x} with mask 0x{:0width$x}",
                r.access_mask
            );
        }
        out.push('\n');
    }
    if let Some(a) = &r.watched_again {
        let _ = writeln!(out, "{}\n", watched_again_line(a));
    }
    let t = &r.this.task;
    let _ = writeln!(out, "Reported by Kernel Concurrency Sanitizer on:");
    let _ = writeln!(
        out,
        "CPU: {} PID: {} TID: {} Comm: {} Exe: {}",
        r.this.cpu,
        std::process::id(),
        t.tid,
        t.comm,
        exe
    );
    let _ = writeln!(out, "{}", summary(r));
    let _ = writeln!(out, "{RULE}");
    out
}

/// What the second watch of a race of unknown origin saw, and what that
/// says of the writer (`udelay_rewatch`). A writer that changes the
/// value again unseen is almost surely not instrumented; a write that did
/// not come again may be uninstrumented code's, or instrumented code's whose
/// check ran just before the first watch began.
pub(crate) fn watched_again_line(a: &WatchedAgain) -> String {
    let us = a.stall_us;
    if a.changed {
        format!(
            "watched again for {us} us: changed again, unseen: the writer is most likely not instrumented"
        )
    } else {
        format!(
            "watched again for {us} us: no further write: uninstrumented code, or code whose check ran just before the watch"
        )
    }
}

// ===== report_format=tsan =====

/// ThreadSanitizer's access wording: `Read`, `Atomic write`, ...
fn tsan_access(a: &AccessReport) -> String {
    let what = if a.ty.is_assert() {
        "Assertion"
    } else if a.ty.is_write() {
        "Write"
    } else {
        "Read"
    };
    let what = if a.ty.is_atomic() {
        format!("Atomic {}", what.to_lowercase())
    } else {
        what.to_owned()
    };
    let who = if a.task.in_interrupt {
        format!("thread T{} (in a signal handler)", a.task.tid)
    } else {
        format!("thread T{}", a.task.tid)
    };
    format!("{what} of size {} at 0x{:012x} by {who}", a.size, a.addr)
}

fn tsan_stack(out: &mut String, a: &AccessReport) {
    for (i, f) in a.stack.frames.iter().enumerate() {
        let _ = writeln!(out, "    #{i} {}", f.text);
    }
}

/// ThreadSanitizer's report shape (`WARNING: ThreadSanitizer: data race`), so
/// harnesses that count those warnings work unchanged. The KCSAN title and
/// value change are kept as notes.
fn render_tsan(r: &Report, exe: &str) -> String {
    let mut out = String::with_capacity(2048);
    let _ = writeln!(out, "==================");
    let _ = writeln!(
        out,
        "WARNING: ThreadSanitizer: data race (pid={})",
        std::process::id()
    );
    let _ = writeln!(out, "  {}:", tsan_access(&r.this));
    tsan_stack(&mut out, &r.this);
    out.push('\n');
    match &r.other {
        Some(other) => {
            let _ = writeln!(out, "  Concurrent {}:", tsan_access(other));
            tsan_stack(&mut out, other);
        }
        None => {
            let _ = writeln!(
                out,
                "  The other access was not instrumented (KCSAN: race at unknown origin)."
            );
        }
    }
    out.push('\n');
    let _ = writeln!(out, "  KCSAN: {}", title(r));
    if let Some((old, new)) = r.value_change {
        let width = r.this.size * 2;
        let _ = writeln!(
            out,
            "  KCSAN: value changed: 0x{old:0width$x} -> 0x{new:0width$x}"
        );
    }
    if let Some(a) = &r.watched_again {
        let _ = writeln!(out, "  KCSAN: {}", watched_again_line(a));
    }
    let _ = writeln!(out, "  Program: {exe}");
    let _ = writeln!(
        out,
        "{}",
        summary(r).replace(
            "SUMMARY: KCSAN: data-race",
            "SUMMARY: ThreadSanitizer: data race"
        )
    );
    let _ = writeln!(out, "==================");
    out
}

// ===== report_format=json =====
//
// JSON Lines: one object per line, `{"type": ..., "data": {...}}`.
//
// `race` (one per report):
//
// ```json
// {"type":"race","data":{"title":"data-race in reader / writer","bug_type":"data-race",
//  "summary":"SUMMARY: KCSAN: data-race race.c:12 in writer",
//  "accesses":[
//   {"role":"other","kind":"write","marked":false,"assert":false,"reordered":false,
//    "description":"write","addr":"0x00005581b7ef4010","size":8,
//    "tid":488,"interrupt":false,"comm":"worker","cpu":1,"location":null,
//    "stack":[{"function":"writer","file":"race.c","line":12,"inlined":false,
//              "text":"writer+0x1d/0x30 race.c:12"}]},
//   {"role":"this", ...}],
//  "value_change":{"old":"0x0000000000000000","new":"0x0000000000000001"},
//  "access_mask":null,"watched_again":null,"pid":486,"exe":"/path/to/prog"}}
// ```
//
// `role` is `other` (the racing thread) or `this` (the watcher); a race of
// unknown origin has only `this`. `location` is where an explicitly checked
// access was written (the Rust API's `#[track_caller]`:
// `{"file":"src/lib.rs","line":42,"column":9}`), else null. `kind` is `read`, `write` or `read-write`;
// `description` is the KCSAN wording. Addresses and values are hex strings
// (64-bit values do not fit JSON numbers exactly). At exit: `summary`
// (`{"reported":N,"unique":M}`) if the process reported, and `stats` (the
// counters by their kernel names) with `print_stats=1`.

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt_str(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_owned(), json_str)
}

fn json_access(a: &AccessReport, role: &str) -> String {
    let kind = if a.ty.is_write() && a.ty.has(crate::AccessType::COMPOUND) {
        "read-write"
    } else if a.ty.is_write() {
        "write"
    } else {
        "read"
    };
    let frames: Vec<String> = a
        .stack
        .frames
        .iter()
        .map(|f| {
            format!(
                "{{\"function\":{},\"file\":{},\"line\":{},\"inlined\":{},\"text\":{}}}",
                json_opt_str(f.function.as_deref()),
                json_opt_str(f.file.as_deref()),
                f.line.map_or_else(|| "null".to_owned(), |l| l.to_string()),
                f.inlined,
                json_str(&f.text)
            )
        })
        .collect();
    format!(
        "{{\"role\":\"{role}\",\"kind\":\"{kind}\",\"marked\":{},\"assert\":{},\"reordered\":{},\"description\":{},\"addr\":\"0x{:016x}\",\"size\":{},\"tid\":{},\"interrupt\":{},\"comm\":{},\"cpu\":{},\"location\":{},\"stack\":[{}]}}",
        a.ty.is_atomic(),
        a.ty.is_assert(),
        a.ty.has(crate::AccessType::SCOPED),
        json_str(a.ty.describe()),
        a.addr,
        a.size,
        a.task.tid,
        a.task.in_interrupt,
        json_str(&a.task.comm),
        a.cpu,
        a.location.as_ref().map_or_else(
            || "null".to_owned(),
            |l| format!(
                "{{\"file\":{},\"line\":{},\"column\":{}}}",
                json_str(&l.file),
                l.line,
                l.column
            )
        ),
        frames.join(",")
    )
}

/// One report as a JSON line.
fn render_json(r: &Report, exe: &str) -> String {
    let mut accesses = Vec::new();
    if let Some(o) = &r.other {
        accesses.push(json_access(o, "other"));
    }
    accesses.push(json_access(&r.this, "this"));
    let width = r.this.size * 2;
    let value_change = r.value_change.map_or_else(
        || "null".to_owned(),
        |(old, new)| format!("{{\"old\":\"0x{old:0width$x}\",\"new\":\"0x{new:0width$x}\"}}"),
    );
    let mask = if r.access_mask == 0 {
        "null".to_owned()
    } else {
        format!("\"0x{:x}\"", r.access_mask)
    };
    let again = r.watched_again.map_or_else(
        || "null".to_owned(),
        |a| format!("{{\"us\":{},\"changed\":{}}}", a.stall_us, a.changed),
    );
    format!(
        "{{\"type\":\"race\",\"data\":{{\"title\":{},\"bug_type\":{},\"summary\":{},\"accesses\":[{}],\"value_change\":{},\"access_mask\":{},\"watched_again\":{},\"pid\":{},\"exe\":{}}}}}\n",
        json_str(&title(r)),
        json_str(r.bug_type),
        json_str(&summary(r)),
        accesses.join(","),
        value_change,
        mask,
        again,
        std::process::id(),
        json_str(exe)
    )
}

/// The closing line as JSON.
/// One note about the focus list at exit (`focus::exit_notes`).
pub(crate) fn json_focus_note(function: &str, status: &str) -> String {
    format!(
        "{{\"type\":\"focus\",\"data\":{{\"function\":{},\"status\":{}}}}}\n",
        json_str(function),
        json_str(status)
    )
}

/// A warning about the configuration, as a JSON line.
pub(crate) fn json_warning(message: &str) -> String {
    format!(
        "{{\"type\":\"warning\",\"data\":{{\"message\":{}}}}}\n",
        json_str(message)
    )
}

/// The line that says the process halts after its first report.
pub(crate) fn json_halt() -> String {
    "{\"type\":\"halt\",\"data\":{\"reason\":\"halt_on_error\"}}\n".to_owned()
}

pub(crate) fn json_summary(reported: usize, unique: usize) -> String {
    format!(
        "{{\"type\":\"summary\",\"data\":{{\"reported\":{reported},\"unique\":{unique},\"pid\":{}}}}}\n",
        std::process::id()
    )
}

/// The statistics counters as JSON.
pub(crate) fn json_stats(enabled: bool) -> String {
    let counters: Vec<String> = Counter::ALL
        .iter()
        .map(|c| format!("\"{}\":{}", c.name(), c.get()))
        .collect();
    format!(
        "{{\"type\":\"stats\",\"data\":{{\"pid\":{},\"enabled\":{enabled},{}}}}}\n",
        std::process::id(),
        counters.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::{AccessReport, json_access, json_str, render_json, render_kcsan, stack_lines};
    use crate::access::AccessType;
    use crate::report::stack::{Frame, Stack, test_frame};
    use crate::report::{Report, Task, WatchedAgain};

    fn frame(function: &str, file: &str) -> Frame {
        test_frame(1, function, file, false)
    }

    /// An 8-byte access at 0x10 by thread 1 `t` with these frames.
    fn access(ty: AccessType, frames: Vec<Frame>) -> AccessReport {
        AccessReport {
            addr: 0x10,
            size: 8,
            ty,
            task: Task {
                tid: 1,
                in_interrupt: false,
                comm: "t".into(),
            },
            cpu: 0,
            stack: Stack { frames },
            reordered_to: None,
            location: None,
        }
    }

    #[test]
    fn long_runs_of_library_frames_are_folded() {
        let reg = "/root/.cargo/registry/src/x/rayon-core/src/lib.rs";
        let mut frames = vec![frame("app::work::{closure}", "/src/app/main.rs")];
        for i in 0..12 {
            frames.push(frame(&format!("rayon_core::join::f{i}"), reg));
        }
        frames.push(frame(
            "std::thread::f",
            "/rustc/abc/library/std/src/thread.rs",
        ));
        frames.push(frame("app::main", "/src/app/main.rs"));
        let a = access(AccessType::READ, frames);
        let mut out = String::new();
        stack_lines(&mut out, &a);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 7, "{out}");
        assert!(lines[0].contains("app::work::{closure}"), "{out}");
        assert!(lines[1].contains("f0") && lines[2].contains("f1"), "{out}");
        assert_eq!(lines[3], " ... 9 library frames (rayon_core) ...", "{out}");
        assert!(
            lines[4].contains("f11") && lines[5].contains("std::thread::f"),
            "{out}"
        );
        assert!(lines[6].contains("app::main"), "{out}");
        // A short run is printed whole.
        let mut b = a.clone();
        b.stack.frames.drain(3..12);
        let mut out = String::new();
        stack_lines(&mut out, &b);
        assert_eq!(out.lines().count(), 6, "{out}");
        assert!(!out.contains("..."), "{out}");
    }

    #[test]
    fn json_accesses_carry_their_location() {
        let mut a = access(
            AccessType::WRITE,
            vec![frame("app::f", "/src/app/src/lib.rs")],
        );
        assert!(json_access(&a, "this").contains("\"location\":null,"));
        a.location = Some(crate::report::SourceLocation {
            file: "src/lib.rs".into(),
            line: 42,
            column: 9,
        });
        assert!(
            json_access(&a, "this")
                .contains("\"location\":{\"file\":\"src/lib.rs\",\"line\":42,\"column\":9},")
        );
    }

    #[test]
    fn unknown_origin_reports_say_what_the_second_watch_saw() {
        let this = access(AccessType::READ, vec![frame("reader", "/src/race.c")]);
        let mut r = Report {
            bug_type: "data-race",
            other: None,
            this,
            value_change: Some((0, 1)),
            access_mask: 0,
            watched_again: Some(WatchedAgain {
                stall_us: 1000,
                changed: true,
            }),
        };
        let text = render_kcsan(&r, "/x");
        assert!(text.contains(
            "value changed: 0x0000000000000000 -> 0x0000000000000001\n\nwatched again for 1000 us: changed again, unseen: the writer is most likely not instrumented\n\nReported by"
        ), "{text}");
        assert!(render_json(&r, "/x").contains("\"watched_again\":{\"us\":1000,\"changed\":true}"));
        r.watched_again = Some(WatchedAgain {
            stall_us: 1000,
            changed: false,
        });
        assert!(render_kcsan(&r, "/x").contains("watched again for 1000 us: no further write: "));
        r.watched_again = None;
        assert!(!render_kcsan(&r, "/x").contains("watched again"));
        assert!(render_json(&r, "/x").contains("\"watched_again\":null"));
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_str("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }
}
