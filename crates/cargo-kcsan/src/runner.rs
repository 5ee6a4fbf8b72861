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
    let mut child = match Command::new(binary)
        .args(rest)
        .stderr(Stdio::piped())
        .spawn()
    {
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
    let reports = report_stacks(&text);
    if !reports.is_empty() {
        let tests = test_names(binary);
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

/// The frame lines of each text report (`BUG: KCSAN:` to the closing rule).
fn report_stacks(text: &str) -> Vec<Vec<&str>> {
    let mut reports = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        if line.starts_with("BUG: KCSAN:") {
            current = Some(Vec::new());
        } else if line.starts_with("=====") {
            if let Some(r) = current.take() {
                reports.push(r);
            }
        } else if let Some(r) = current.as_mut()
            && line.starts_with(' ')
        {
            r.push(line.trim_start());
        }
    }
    reports
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
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

/// The summary line: how many reports, and which tests' code is in them.
fn summary(binary: &str, reports: &[Vec<&str>], tests: &[String]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut unattributed = 0;
    for frames in reports {
        // A frame `crate::tests::name` or `crate::tests::name::{closure}`.
        let hit: Vec<&str> = tests
            .iter()
            .filter(|t| {
                frames.iter().any(|f| {
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
        let reports = report_stacks(log);
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
}
