//! The test runner under `cargo kcsan test`: which tests raced.
//!
//! A race report names threads by their `Comm:`, which the kernel cuts to 15
//! bytes (`tests::racy_poi`), and the harness prints "ok" for a test whose
//! race was reported. So cargo kcsan sets itself as cargo's runner for test
//! binaries (`CARGO_TARGET_<HOST>_RUNNER`, unless one is set already): it
//! runs the binary, passing its output through as it comes, and afterwards,
//! if races were reported, names the tests whose functions (or closures) are
//! in the reports' stacks:
//!
//! ```text
//! cargo kcsan: 2 races reported by racy-1a2b3c (tests: tests::racy_unsafe_cell: 1, tests::unsynchronized_counter: 1)
//! ```
//!
//! Before it runs a test harness binary, the runner writes the binary's test
//! names beside it (`<binary>.kcsan-tests`, rewritten only when the binary
//! is newer) and names that file in `KCSAN_OPTIONS` (`thread_names=`), so
//! that the reports' `Comm:` shows the whole test name.
//!
//! The binary's exit status is passed on unchanged.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};

/// The first argument that makes cargo-kcsan a runner.
pub(crate) const RUNNER_ARG: &str = "__kcsan-test-runner";

/// Output kept for the summary (the rest is still passed through).
const KEEP_BYTES: usize = 64 << 20;

/// `cargo-kcsan __kcsan-test-runner BINARY ARGS...`.
pub(crate) fn main(args: Vec<OsString>) -> ExitCode {
    let Some((binary, rest)) = args.split_first() else {
        eprintln!("cargo kcsan: error: the test runner needs a binary to run");
        return ExitCode::from(2);
    };
    let mut command = Command::new(binary);
    command.args(rest).stderr(Stdio::piped());
    let names_file = test_names_file(binary);
    if let Some(names) = &names_file {
        let options = std::env::var("KCSAN_OPTIONS").unwrap_or_default();
        if let Some(options) = with_thread_names(&options, names) {
            command.env("KCSAN_OPTIONS", options);
        }
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "cargo kcsan: error: cannot run {}: {e}",
                binary.to_string_lossy()
            );
            return ExitCode::from(2);
        }
    };
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    let mut stderr = std::io::stderr();
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let _ = stderr.write_all(&buf[..n]);
                if kept.len() < KEEP_BYTES {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let status = match child.wait() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cargo kcsan: error: waiting for the test binary: {e}");
            return ExitCode::from(2);
        }
    };
    let text = String::from_utf8_lossy(&kept);
    let reports = reports_seen(&text);
    if !reports.is_empty() {
        // The names written before the run; none for a binary without
        // Rust's test harness.
        let tests: Vec<String> = names_file
            .and_then(|f| std::fs::read_to_string(f).ok())
            .map(|t| {
                t.lines()
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let name = std::path::Path::new(binary)
            .file_name()
            .map_or_else(|| binary.to_string_lossy(), |n| n.to_string_lossy());
        eprintln!("{}", summary(&name, &reports, &tests));
    }
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// What the summary needs of one text report.
#[derive(Debug, Default)]
struct Seen<'a> {
    /// Its frame lines, both threads'.
    frames: Vec<&'a str>,
    /// The reporting thread's name (`Comm:`), whole when the runtime could
    /// complete it from the test list.
    comm: Option<&'a str>,
}

/// The reports in the output (`BUG: KCSAN:` to the closing rule).
fn reports_seen(text: &str) -> Vec<Seen<'_>> {
    let mut reports = Vec::new();
    let mut current: Option<Seen<'_>> = None;
    for line in text.lines() {
        if line.starts_with("BUG: KCSAN:") {
            current = Some(Seen::default());
        } else if line.starts_with("=====") {
            if let Some(r) = current.take() {
                reports.push(r);
            }
        } else if let Some(r) = current.as_mut() {
            if line.starts_with(' ') {
                r.frames.push(line.trim_start());
            } else if let Some((_, after)) = line.split_once(" Comm: ") {
                r.comm = Some(after.split(" Exe: ").next().unwrap_or(after));
            }
        }
    }
    reports
}

/// Text every binary built with Rust's test harness (libtest) holds: its
/// `--help` line for `--list`. A `harness = false` binary may run its tests
/// when asked to `--list`, so it is never asked.
const LIBTEST_MARK: &[u8] = b"List all tests and benchmarks";

/// The file naming `binary`'s tests, one per line, written beside it when
/// it is missing or older than the binary. `None` for a binary without
/// Rust's test harness, or when the file cannot be written (the reports then
/// complete names from their stacks only).
fn test_names_file(binary: &OsString) -> Option<std::path::PathBuf> {
    let mut file = std::path::PathBuf::from(binary).into_os_string();
    file.push(".kcsan-tests");
    let file = std::path::PathBuf::from(file);
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let built = modified(binary.as_ref())?;
    if modified(&file).is_some_and(|listed| listed >= built) {
        return Some(file);
    }
    let bytes = std::fs::read(binary).ok()?;
    if !bytes.windows(LIBTEST_MARK.len()).any(|w| w == LIBTEST_MARK) {
        return None;
    }
    let mut text = String::from("# the tests of this binary, for kcsan's thread_names option\n");
    for name in test_names(binary) {
        text += &name;
        text.push('\n');
    }
    let partial = file.with_extension(format!("kcsan-tests.{}", std::process::id()));
    std::fs::write(&partial, text).ok()?;
    std::fs::rename(&partial, &file).ok()?;
    Some(file)
}

/// `options` with `thread_names=<file>` added; `None` if the user gave
/// `thread_names` already (theirs stays) or the path cannot be quoted.
fn with_thread_names(options: &str, file: &std::path::Path) -> Option<String> {
    if options.contains("thread_names=") {
        return None;
    }
    let path = file.to_str()?;
    let quote = if !path.contains('\'') {
        '\''
    } else if !path.contains('"') {
        '"'
    } else {
        return None;
    };
    let item = format!("thread_names={quote}{path}{quote}");
    Some(if options.trim().is_empty() {
        item
    } else {
        format!("{options}:{item}")
    })
}

/// The binary's test names (`--list --format terse`: `name: test`).
fn test_names(binary: &OsString) -> Vec<String> {
    let Ok(o) = Command::new(binary)
        .args(["--list", "--format", "terse"])
        .env("KCSAN_OPTIONS", "early_enable=0")
        .stderr(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            l.strip_suffix(": test")
                .or_else(|| l.strip_suffix(": bench"))
        })
        .map(str::to_owned)
        .collect()
}

/// The summary line: how many reports, and which tests' code is in them.
fn summary(binary: &str, reports: &[Seen<'_>], tests: &[String]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut unattributed = 0;
    for seen in reports {
        // The thread named after the test, or a frame `crate::tests::name`
        // or `crate::tests::name::{closure}`.
        let hit: Vec<&str> = tests
            .iter()
            .filter(|t| {
                seen.comm == Some(t.as_str())
                    || seen.frames.iter().any(|f| {
                        let func = f.split_whitespace().next().unwrap_or("");
                        let func = func.split("+0x").next().unwrap_or(func);
                        func == t.as_str()
                            || func.ends_with(&format!("::{t}"))
                            || func.contains(&format!("::{t}::"))
                            || func.starts_with(&format!("{t}::"))
                    })
            })
            .map(String::as_str)
            .collect();
        if hit.is_empty() {
            unattributed += 1;
        }
        for t in hit {
            match counts.iter_mut().find(|(n, _)| *n == t) {
                Some((_, c)) => *c += 1,
                None => counts.push((t, 1)),
            }
        }
    }
    counts.sort();
    let n = reports.len();
    let mut line = format!(
        "cargo kcsan: {n} race{} reported by {binary}",
        if n == 1 { "" } else { "s" }
    );
    if !counts.is_empty() {
        let list: Vec<String> = counts.iter().map(|(t, c)| format!("{t}: {c}")).collect();
        line += &format!(" (tests: {})", list.join(", "));
    }
    if unattributed > 0 {
        line += &format!("; {unattributed} not in any test's code");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_attributed_to_the_tests_in_their_stacks() {
        let log = "\
==================================================================
BUG: KCSAN: data-race in racy::cell_write / racy::cell_read

write to 0x1 of 8 bytes by task 3 on cpu 0:
 racy::cell_write+0x1/0x2 src/lib.rs:30
 racy::tests::racy_unsafe_cell::{closure} src/lib.rs:88 [inline]
 racy::race::{closure} src/lib.rs:64

Reported by Kernel Concurrency Sanitizer on:
==================================================================
==================================================================
BUG: KCSAN: data-race in racy::helper / racy::helper

read to 0x2 of 8 bytes by task 4 on cpu 1:
 racy::helper+0x1/0x2 src/lib.rs:10
==================================================================
";
        let reports = reports_seen(log);
        assert_eq!(reports.len(), 2);
        let tests = [
            "tests::racy_unsafe_cell".to_owned(),
            "tests::racy".to_owned(),
        ];
        assert_eq!(
            summary("racy-1234", &reports, &tests),
            "cargo kcsan: 2 races reported by racy-1234 (tests: tests::racy_unsafe_cell: 1); \
             1 not in any test's code"
        );
    }

    #[test]
    fn a_whole_comm_attributes_a_report_to_its_test() {
        let log = "\
==================================================================
BUG: KCSAN: data-race in racy::flag_toggle / racy::flag_toggle

write to 0x1 of 8 bytes by task 3 on cpu 0:
 racy::flag_toggle+0x1/0x2 src/lib.rs:30
 racy::helper src/lib.rs:64

Reported by Kernel Concurrency Sanitizer on:
CPU: 0 PID: 1 TID: 3 Comm: tests::a_rather_long_test_name Exe: /x/racy-1234
==================================================================
";
        let reports = reports_seen(log);
        assert_eq!(reports[0].comm, Some("tests::a_rather_long_test_name"));
        let tests = ["tests::a_rather_long_test_name".to_owned()];
        assert_eq!(
            summary("racy-1234", &reports, &tests),
            "cargo kcsan: 1 race reported by racy-1234 (tests: tests::a_rather_long_test_name: 1)"
        );
    }

    #[test]
    fn the_names_file_is_added_to_the_users_options() {
        let f = std::path::Path::new("/t/racy-1.kcsan-tests");
        assert_eq!(
            with_thread_names("", f).as_deref(),
            Some("thread_names='/t/racy-1.kcsan-tests'")
        );
        assert_eq!(
            with_thread_names("skip_watch=5", f).as_deref(),
            Some("skip_watch=5:thread_names='/t/racy-1.kcsan-tests'")
        );
        let quoted = std::path::Path::new("/t/it's/racy-1.kcsan-tests");
        assert_eq!(
            with_thread_names("", quoted).as_deref(),
            Some("thread_names=\"/t/it's/racy-1.kcsan-tests\"")
        );
        // The user's own file stays.
        assert_eq!(with_thread_names("thread_names=/mine", f), None);
    }
}
