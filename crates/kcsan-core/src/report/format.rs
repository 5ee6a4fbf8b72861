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

use super::{AccessReport, Report};

/// The rule that opens and closes a report: 66 `=`.
pub const RULE: &str = "==================================================================";
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

fn stack_lines(out: &mut String, a: &AccessReport) {
    for frame in &a.stack.frames {
        let _ = writeln!(out, " {}", frame.text);
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
        .and_then(|f| Some(format!("{}:{} ", f.file.as_deref()?, f.line?)))
        .unwrap_or_default();
    let function = frame
        .and_then(|f| f.function.clone())
        .unwrap_or_else(|| first.stack.top_function());
    format!("SUMMARY: KCSAN: {} {location}in {function}", r.bug_type)
}

/// Renders a report as text, ending with a newline.
pub(crate) fn render(r: &Report, exe: &str) -> String {
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
