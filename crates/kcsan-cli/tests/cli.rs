//! Tests of the `kcsan` command line itself: `kcsan flags`, `kcsan run`'s
//! exit statuses and summary, option validation before anything runs, the
//! `cc` wrapper's refusals, and a real `make CC="kcsan cc"` build of
//! `tests/c/make_project/`.
//!
//! Programs are built with the wrappers, so the runtime must have been built
//! (`cargo build --release` before `cargo test --release -p kcsan-cli`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kcsan_core::config::Flags;
use support::Outcome;

const LIMIT: Duration = Duration::from_secs(120);

/// Runs `kcsan ARGS...` in `dir` with a clean environment plus `env`.
fn kcsan(dir: &Path, tag: &str, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = support::clean_command(support::kcsan());
    cmd.args(args).current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    support::run_captured(&mut cmd, dir, tag, LIMIT)
}

/// Writes `source` to `dir/name.c` and builds it with `kcsan cc` (gcc).
fn build(dir: &Path, name: &str, source: &str) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    build_file(dir, name, &src)
}

/// Builds `src` into `dir/name` with `kcsan cc` (gcc).
fn build_file(dir: &Path, name: &str, src: &Path) -> PathBuf {
    let exe = dir.join(name);
    let o = kcsan(
        dir,
        &format!("cc-{name}"),
        &[
            "cc",
            "-O2",
            "-g",
            src.to_str().unwrap(),
            "-o",
            exe.to_str().unwrap(),
            "-pthread",
        ],
        &[],
    );
    assert_eq!(
        o.code(),
        Some(0),
        "building {name} failed:\n{}",
        o.describe()
    );
    exe
}

/// Builds the write/read race scenario (tests/c/write_read_race.c).
fn build_racy(dir: &Path) -> PathBuf {
    build_file(
        dir,
        "racy",
        &support::scenario_dir().join("write_read_race.c"),
    )
}

/// A program without races: two threads, each with its own counter.
const RACE_FREE: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static long counters[2][8];
static void *work(void *arg)
{
	long *c = arg;
	for (long i = 0; i < 200000; i++)
		c[i & 7] += i;
	return NULL;
}
int main(int argc, char **argv)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, work, counters[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("race_free: done %ld\n", counters[0][1] + counters[1][1]);
	if (argc > 1 && argv[1][0] == 'a')
		abort();
	return argc > 1 ? atoi(argv[1]) : 0;
}
"#;

// ===== kcsan flags =====

#[test]
fn flags_lists_every_option_with_its_default() {
    let dir = support::scratch("flags");
    let o = kcsan(dir.path(), "flags", &["flags"], &[]);
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    let lines: Vec<&str> = o.stdout.lines().collect();
    // Every option of the table, as `name=default` at the start of a line.
    let table = Flags::describe();
    assert!(
        table.len() >= 12,
        "the option table has the kernel's options"
    );
    for f in &table {
        // `name=default`, and where a preset sets another value, which.
        let want = format!("{}={}", f.name, f.default);
        assert!(
            lines
                .iter()
                .any(|l| *l == want || l.starts_with(&format!("{want}    (preset "))),
            "`kcsan flags` does not list `{want}`:\n{}",
            o.stdout
        );
    }
    // The defaults (the user preset), spelled out; where the kernel preset
    // differs, its value is shown beside them.
    for want in [
        "skip_watch=20    (preset kernel 4000)",
        "udelay_task=10    (preset kernel 80)",
        "udelay_interrupt=20",
        "num_watchpoints=64",
        "report_once_in_ms=3000",
        "report_value_change_only=0    (preset kernel 1)",
        "report_race_unknown_origin=1",
        "assume_plain_writes_atomic=0    (preset kernel 1)",
        "first_watches=4    (preset kernel 0)",
        "ignore_atomics=0",
        "interrupt_watcher=0",
        "permissive=0",
        "strict=0",
    ] {
        assert!(
            lines.contains(&want),
            "`kcsan flags` lacks `{want}`:\n{}",
            o.stdout
        );
    }
    assert!(
        o.stdout.contains("CONFIG_KCSAN_SKIP_WATCH"),
        "the kernel names are shown:\n{}",
        o.stdout
    );
}

#[test]
fn flags_markdown_is_a_table() {
    let dir = support::scratch("flags-md");
    let o = kcsan(dir.path(), "flags", &["flags", "--markdown"], &[]);
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    let lines: Vec<&str> = o.stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "a header, a rule and rows:\n{}", o.stdout);
    let cells = |l: &str| l.matches('|').count();
    let columns = cells(lines[0]);
    assert!(
        lines[0].starts_with("| option | default |") && columns >= 3,
        "header row: {}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("|---|") && cells(lines[1]) == columns,
        "separator row: {}",
        lines[1]
    );
    for l in &lines[2..] {
        assert!(
            l.starts_with("| `") && l.ends_with(" |") && cells(l) == columns,
            "every row has {} `|` like the header (a `|` in a doc string breaks the table): {l}",
            columns
        );
    }
    for f in Flags::describe() {
        let default = if f.default.is_empty() {
            "(empty)".to_owned()
        } else {
            f.default.clone()
        };
        let want = format!("| `{}` | `{}`", f.name, default);
        assert!(
            lines.iter().any(|l| l.starts_with(&want)),
            "no row for {}: wanted a line starting with `{want}`:\n{}",
            f.name,
            o.stdout
        );
    }
}

// ===== kcsan run =====

/// Runs `kcsan run -- prog` until it exits with 1 (a race was reported) or
/// the deadline passes; returns the last outcome.
fn run_until_race(dir: &Path, args: &[&str]) -> (Outcome, usize) {
    let start = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        let o = kcsan(dir, &format!("run{n}"), args, &[]);
        if o.code() == Some(1) || start.elapsed() > Duration::from_secs(30) {
            return (o, n);
        }
        assert_eq!(
            o.code(),
            Some(0),
            "kcsan run: 0 or 1 expected:\n{}",
            o.describe()
        );
    }
}

#[test]
fn run_exits_1_and_summarises_when_the_program_raced() {
    let dir = support::scratch("run-race");
    let exe = build_racy(dir.path());
    let (o, n) = run_until_race(dir.path(), &["run", "--", exe.to_str().unwrap()]);
    assert_eq!(
        o.code(),
        Some(1),
        "kcsan run exits 1 when a race was reported (after {n} runs):\n{}",
        o.describe()
    );
    let reports = support::split_reports(&o.stderr);
    assert!(
        reports
            .iter()
            .any(|r| r.title() == "BUG: KCSAN: data-race in reader / writer"),
        "the program's report is echoed to stderr:\n{}",
        o.describe()
    );
    let summary = o
        .stderr
        .lines()
        .find(|l| l.starts_with("kcsan run: "))
        .unwrap_or_else(|| panic!("no `kcsan run:` summary line:\n{}", o.describe()));
    // The race itself, and sometimes its other half as a race of unknown
    // origin (the writer's store landed in the reader's stall just after
    // it checked the table): distinct titles.
    let mut titles: Vec<&str> = reports.iter().map(|r| r.title()).collect();
    titles.sort_unstable();
    titles.dedup();
    let p = support::Pattern::new(&format!(
        "{{{{^}}}}kcsan run: {} report{{{{s?}}}} ({} unique) in 1 process; {} exited with status 0{{{{$}}}}",
        reports.len(),
        titles.len(),
        exe.display()
    ));
    assert!(
        p.is_match(summary),
        "summary `{summary}` does not match `{}`",
        p.source()
    );
    assert!(
        o.stderr
            .lines()
            .any(|l| l == "kcsan run:   data-race in reader / writer"),
        "the unique titles are listed:\n{}",
        o.describe()
    );
    assert!(
        o.stderr.contains("kcsan: statistics for pid"),
        "kcsan run prints the statistics:\n{}",
        o.describe()
    );
    assert!(
        o.stdout.contains("write_read_race: done"),
        "{}",
        o.describe()
    );
}

#[test]
fn run_exits_0_when_no_race_was_reported() {
    let dir = support::scratch("run-clean");
    let exe = build(dir.path(), "race_free", RACE_FREE);
    for i in 0..2 {
        let o = kcsan(
            dir.path(),
            &format!("run{i}"),
            &["run", "-o", "skip_watch=50", "--", exe.to_str().unwrap()],
            &[],
        );
        assert_eq!(o.code(), Some(0), "no race: exit 0:\n{}", o.describe());
        assert!(
            o.stderr.lines().any(|l| l
                .starts_with("kcsan run: 0 reports (0 unique) in 1 process;")
                && l.ends_with("exited with status 0")),
            "summary line:\n{}",
            o.describe()
        );
        assert!(o.stdout.contains("race_free: done"), "{}", o.describe());
    }
}

#[test]
fn run_propagates_the_programs_own_failure() {
    let dir = support::scratch("run-status");
    let exe = build(dir.path(), "race_free", RACE_FREE);
    let o = kcsan(
        dir.path(),
        "status",
        &["run", "--", exe.to_str().unwrap(), "3"],
        &[],
    );
    assert_eq!(
        o.code(),
        Some(3),
        "the program's exit status 3 is kcsan run's:\n{}",
        o.describe()
    );
    assert!(
        o.stderr
            .lines()
            .any(|l| l.starts_with("kcsan run: ") && l.ends_with("exited with status 3")),
        "{}",
        o.describe()
    );
    let o = kcsan(
        dir.path(),
        "abort",
        &["run", "--", exe.to_str().unwrap(), "abort"],
        &[],
    );
    assert_eq!(
        o.code(),
        Some(128 + libc::SIGABRT),
        "a program killed by SIGABRT makes kcsan run exit 128+6:\n{}",
        o.describe()
    );
    assert!(
        o.stderr.lines().any(|l| l.starts_with("kcsan run: ")
            && l.ends_with(&format!("was killed by signal {}", libc::SIGABRT))),
        "{}",
        o.describe()
    );
}

#[test]
fn run_refuses_bad_options_before_running_anything() {
    let dir = support::scratch("run-bad");
    let marker = dir.path().join("it-ran");
    // A "program" that would leave a mark if it were started.
    let prog = dir.path().join("mark.sh");
    std::fs::write(&prog, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).unwrap();
    std::fs::set_permissions(&prog, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let prog = prog.to_str().unwrap();
    /// (kcsan arguments, environment, the error message wanted)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 4] = [
        (
            &["run", "-o", "bogus=1", "--", prog],
            &[],
            "unknown option 'bogus'",
        ),
        (
            &["run", "--options", "num_watchpoints=100", "--", prog],
            &[],
            "invalid value '100' for option 'num_watchpoints': expected a power of two",
        ),
        (
            &[
                "run",
                "-o",
                "strict=1",
                "-o",
                "assume_plain_writes_atomic=1",
                "--",
                prog,
            ],
            &[],
            "option 'assume_plain_writes_atomic': =1 contradicts strict=1",
        ),
        (
            &["run", "--", prog],
            &[("KCSAN_OPTIONS", "bogus=1")],
            "unknown option 'bogus' (in KCSAN_OPTIONS)",
        ),
    ];
    for (i, (args, env, message)) in cases.iter().enumerate() {
        let o = kcsan(dir.path(), &format!("bad{i}"), args, env);
        assert_eq!(
            o.code(),
            Some(2),
            "bad options: exit 2 for {args:?} {env:?}:\n{}",
            o.describe()
        );
        assert!(
            o.stderr.contains("kcsan: error:") && o.stderr.contains(message),
            "the error names the option: wanted `{message}`:\n{}",
            o.describe()
        );
        assert!(
            !marker.exists(),
            "the program must not run with bad options {args:?} {env:?}"
        );
    }
    // With good options the same program does run (the marker works).
    let o = kcsan(
        dir.path(),
        "good",
        &["run", "-o", "skip_watch=10", "--", prog],
        &[],
    );
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    assert!(marker.exists(), "the program ran with good options");
}

// ===== kcsan cc / c++ =====

#[test]
fn cc_without_arguments_errors_clearly() {
    let dir = support::scratch("cc-empty");
    for (tool, usage) in [("cc", "kcsan cc"), ("c++", "kcsan c++")] {
        let o = kcsan(dir.path(), tool, &[tool], &[]);
        assert_eq!(
            o.code(),
            Some(2),
            "`kcsan {tool}` alone is a usage error:\n{}",
            o.describe()
        );
        assert!(
            o.stderr.contains("kcsan: error: no input files") && o.stderr.contains(usage),
            "a clear message with the usage:\n{}",
            o.describe()
        );
    }
}

#[test]
fn cc_refuses_fsanitize_thread() {
    let dir = support::scratch("cc-tsan");
    let src = dir.path().join("x.c");
    std::fs::write(&src, "int main(void) { return 0; }\n").unwrap();
    for flag in ["-fsanitize=thread", "-fsanitize=address,thread"] {
        let o = kcsan(
            dir.path(),
            "tsan",
            &["cc", flag, src.to_str().unwrap(), "-o", "x"],
            &[],
        );
        assert_eq!(o.code(), Some(2), "{flag} is refused:\n{}", o.describe());
        assert!(
            o.stderr.contains(&format!("do not pass {flag}"))
                && o.stderr.contains("kcsan adds the instrumentation itself"),
            "the message says why:\n{}",
            o.describe()
        );
        assert!(
            !dir.path().join("x").exists(),
            "nothing was built with {flag}"
        );
    }
}

// ===== make CC="kcsan cc" =====

/// Copies tests/c/make_project to `dir`, runs `make CC="kcsan cc"` there
/// (with `KCSAN_CC` = `compiler`), and checks the build and the race.
fn make_project(name: &str, compiler: &str) {
    let mut scratch = support::scratch(name);
    let dir = scratch.path().join("make_project");
    std::fs::create_dir(&dir).unwrap();
    let sources = support::scenario_dir().join("make_project");
    for e in std::fs::read_dir(&sources).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let cc = format!("{} cc", support::kcsan().display());
    let mut cmd = support::clean_command("make");
    cmd.arg(format!("CC={cc}"))
        .arg("--no-print-directory")
        .current_dir(&dir)
        .env("KCSAN_CC", compiler);
    let o = support::run_captured(&mut cmd, scratch.path(), "make", LIMIT);
    if o.code() != Some(0) {
        let kept = support::keep(&mut scratch);
        panic!(
            "make CC=\"{cc}\" failed:\n{}\n(kept {})",
            o.describe(),
            kept.display()
        );
    }
    // Three separate compile steps, an archive, a link: all through the wrapper.
    let steps: Vec<&str> = o.stdout.lines().collect();
    for want in [
        "-c -o main.o main.c",
        "-c -o counter.o counter.c",
        "-c -o stats.o stats.c",
    ] {
        assert!(
            steps
                .iter()
                .any(|l| l.starts_with(&cc) && l.ends_with(want)),
            "make ran `{cc} ... {want}`:\n{}",
            o.stdout
        );
    }
    assert!(
        steps
            .iter()
            .any(|l| l.contains("ar rcs libwork.a counter.o stats.o")),
        "{}",
        o.stdout
    );
    assert!(
        steps
            .iter()
            .any(|l| l.starts_with(&cc) && l.contains("-o racy_counter main.o libwork.a")),
        "{}",
        o.stdout
    );
    // The archived objects are instrumented.
    let nm = Command::new("nm")
        .arg(dir.join("libwork.a"))
        .output()
        .expect("nm runs");
    let symbols = String::from_utf8_lossy(&nm.stdout);
    assert!(
        symbols.contains("U __tsan_write8") && symbols.contains("U __tsan_read8"),
        "the library's objects call the instrumentation:\n{symbols}"
    );

    // The program runs and its race is reported.
    let exe = dir.join("racy_counter");
    let start = Instant::now();
    let mut runs = 0;
    let last = loop {
        runs += 1;
        let mut cmd = support::clean_command(&exe);
        let o = support::run_captured(&mut cmd, scratch.path(), &format!("run{runs}"), LIMIT);
        let reports = support::split_reports(&o.stderr);
        // The runtime's exitcode (66) marks a process that reported.
        let want = if reports.is_empty() { 0 } else { 66 };
        assert_eq!(o.code(), Some(want), "{}", o.describe());
        assert!(o.stdout.contains("racy_counter: done"), "{}", o.describe());
        let found = reports.iter().any(|r| {
            r.title() == "BUG: KCSAN: data-race in counter_bump / stats_read"
                && r.lines
                    .iter()
                    .any(|l| l.starts_with(" counter_bump+0x") && l.contains("counter.c:"))
                && r.lines
                    .iter()
                    .any(|l| l.starts_with(" stats_read+0x") && l.contains("stats.c:"))
        });
        if found {
            break None;
        }
        if start.elapsed() > Duration::from_secs(30) {
            break Some(o);
        }
    };
    if let Some(o) = last {
        let kept = support::keep(&mut scratch);
        panic!(
            "no `data-race in counter_bump / stats_read` report with both frames in {runs} runs; last:\n{}\n(kept {})",
            o.describe(),
            kept.display()
        );
    }
}

#[test]
fn make_builds_a_multi_file_project_gcc() {
    make_project("make-gcc", "gcc");
}

#[test]
fn make_builds_a_multi_file_project_clang() {
    if !support::have_clang() {
        eprintln!("skipped: clang-22 not installed");
        return;
    }
    make_project("make-clang", "clang-22");
}

// ===== Secure execution =====

/// A setuid-root program run by another user (`AT_SECURE`): the caller's
/// `KCSAN_OPTIONS` may not make it write a file (`log_path`), read one
/// (`suppressions`) or serve a socket (`control`); the rest still works.
/// Needs root (to make the program setuid-root and run it as `nobody`), as
/// CI runs; elsewhere it says so and passes.
#[test]
fn setuid_programs_refuse_file_and_socket_options_from_the_caller() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root to make a setuid-root program and run it as nobody");
        return;
    }
    let mut dir = support::scratch("secure");
    let dir = support::keep(&mut dir);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let src = dir.join("suid.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void) { printf(\"ran\\n\"); return 0; }\n",
    )
    .unwrap();
    let exe = dir.join("suid");
    let mut cmd = support::clean_command(support::kcsan());
    cmd.args(["cc", "-O2", "-g"]).arg(&src).arg("-o").arg(&exe);
    let o = support::run_captured(&mut cmd, &dir, "cc", Duration::from_secs(120));
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let secret = dir.join("secret");
    std::fs::write(&secret, "TOPSECRET-TOKEN other words\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let log = dir.join("rootlog");

    let mut cmd = support::clean_command(&exe);
    cmd.env(
        "KCSAN_OPTIONS",
        format!(
            "log_path={}:suppressions={}:control=1:print_stats=1",
            log.display(),
            secret.display()
        ),
    )
    .uid(65534)
    .gid(65534);
    let o = support::run_captured(&mut cmd, &dir, "suid", Duration::from_secs(60));
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    assert!(o.stdout.contains("ran"), "{}", o.describe());
    assert!(
        o.stderr.contains(
            "kcsan: warning: secure execution (setuid/setgid): ignoring log_path, suppressions, control from KCSAN_OPTIONS"
        ),
        "{}",
        o.describe()
    );
    assert!(!o.stderr.contains("TOPSECRET"), "{}", o.describe());
    // The other options still work: the statistics went to stderr.
    assert!(o.stderr.contains("setup_watchpoints: "), "{}", o.describe());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("rootlog"))
        .collect();
    assert!(leftovers.is_empty(), "log_path created {leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kcsan flags | head -1` and `kcsan triage LOG | head -1`: the reader goes
/// away early; kcsan ends quietly (status 0, no backtrace).
#[test]
fn a_closed_pipe_ends_commands_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = support::scratch("pipe");
    let log = dir.path().join("many.log");
    let report = "==================================================================\nBUG: KCSAN: data-race in a / b\n\n";
    std::fs::write(&log, report.repeat(20_000)).unwrap();
    for args in [vec!["flags"], vec!["triage", log.to_str().unwrap()]] {
        let mut child = support::clean_command(support::kcsan())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close our end of the pipe.
        let mut out = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        out.read_exact(&mut byte).unwrap();
        drop(out);
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {:?} {err}",
            o.status
        );
    }
}

// ===== Wrappers never build uninstrumented programs silently =====

/// The demo's read/write race (examples/c/datarace.c), built through a
/// response file and with gcc's `-flto`: both programs must be
/// instrumented, i.e. report the race.
#[test]
fn response_files_and_gcc_lto_still_instrument() {
    let dir = support::scratch("rsp-lto");
    let d = dir.path();
    let src = support::repo_root().join("examples/c/datarace.c");
    let run_until_report = |exe: &Path| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut cmd = support::clean_command(exe);
            cmd.args(["--race=plain_rw", "--iter1", "200000", "--iter2", "200000"]);
            let o = support::run_captured(&mut cmd, d, "run", LIMIT);
            if o.stderr
                .contains("BUG: KCSAN: data-race in do_the_work1 / do_the_work2")
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no report from {}: {}",
                exe.display(),
                o.describe()
            );
        }
    };

    // A response file holding the source, a define with a space, -o.
    let rsp = d.join("args.rsp");
    let exe = d.join("from-rsp");
    std::fs::write(
        &rsp,
        format!(
            "-O2 -g '-DUNUSED=a b'\n{}\n-o {} -pthread\n",
            src.display(),
            exe.display()
        ),
    )
    .unwrap();
    let o = kcsan(d, "cc-rsp", &["cc", &format!("@{}", rsp.display())], &[]);
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    run_until_report(&exe);

    // gcc -flto: dropped with a warning, the program is instrumented.
    let exe = d.join("from-lto");
    let o = kcsan(
        d,
        "cc-lto",
        &[
            "cc",
            "-O2",
            "-g",
            "-flto",
            src.to_str().unwrap(),
            "-o",
            exe.to_str().unwrap(),
            "-pthread",
        ],
        &[],
    );
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    assert!(
        o.stderr.contains("kcsan: warning: -flto dropped"),
        "{}",
        o.describe()
    );
    run_until_report(&exe);
}

// ===== The LTO route (clang) =====

/// A hot loop of plain 8-byte reads and writes, in a function of its own.
const HOT_LOOP: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static long iters = 100000;
__attribute__((noinline)) static long work(long *buf)
{
	for (long i = 0; i < iters; i++) {
		long v = buf[i & 63];
		buf[(i + 7) & 63] = v + i;
	}
	return buf[3];
}
static void *thread(void *arg)
{
	long *buf = calloc(64, sizeof(long));
	long r = work(buf);
	free(buf);
	return (void *)r;
}
int main(void)
{
	pthread_t t[2];
	void *r[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], &r[i]);
	printf("hot_loop: %ld\n", (long)r[0] + (long)r[1]);
	return 0;
}
"#;

/// The instructions of function `name` in `exe` (objdump).
fn disassembly(exe: &Path, name: &str) -> String {
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn"])
        .arg(exe)
        .output()
        .expect("objdump (binutils) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let head = format!("<{name}>:");
    let body: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.ends_with(&head))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(!body.is_empty(), "no function {name} in {}", exe.display());
    body.join("\n")
}

/// `kcsan cc -flto=thin` and `-flto` with clang inline the runtime's fast
/// path into the program: the hot loop calls no `__tsan_read8` or
/// `__tsan_write8`, only the rare paths (which every inlined check has).
/// The call route of the same source does call them, so the test can tell.
/// The program runs race-free and quietly; `c_scenarios`' `clang_lto` tests
/// check reports on this route.
#[test]
fn lto_route_inlines_the_fast_path() {
    if !support::have_clang() {
        eprintln!("skipped: clang-22 not installed");
        return;
    }
    let dir = support::scratch("lto-inline");
    let d = dir.path();
    let src = d.join("hot.c");
    std::fs::write(&src, HOT_LOOP).unwrap();
    for (tag, lto) in [
        ("call", None),
        ("thin", Some("-flto=thin")),
        ("full", Some("-flto")),
    ] {
        let exe = d.join(format!("hot-{tag}"));
        let mut args = vec!["cc", "-O2", "-g"];
        args.extend(lto);
        args.extend([
            src.to_str().unwrap(),
            "-o",
            exe.to_str().unwrap(),
            "-pthread",
        ]);
        let o = kcsan(d, &format!("cc-{tag}"), &args, &[("KCSAN_CC", "clang-22")]);
        assert_eq!(o.code(), Some(0), "{tag}: {}", o.describe());
        assert!(
            !o.stderr.contains("warning"),
            "{tag}: the build warned: {}",
            o.describe()
        );
        let code = disassembly(&exe, "work");
        let calls_hooks = code.contains("<__tsan_read8>") || code.contains("<__tsan_write8>");
        let calls_rare_paths = code.contains("skip_expired") && code.contains("check_window");
        if lto.is_some() {
            assert!(
                !calls_hooks && calls_rare_paths,
                "{tag}: the fast path is not inlined into the hot loop:\n{code}"
            );
        } else {
            assert!(
                calls_hooks,
                "call route: no hook calls in the hot loop:\n{code}"
            );
        }
        let mut run = support::clean_command(&exe);
        let o = support::run_captured(&mut run, d, &format!("run-{tag}"), LIMIT);
        assert_eq!(o.code(), Some(0), "{tag}: {}", o.describe());
        assert!(!o.stderr.contains("KCSAN"), "{tag}: {}", o.describe());
    }
}

/// `KCSAN_LTO` is checked: gcc cannot take the LTO route, and an unknown
/// value is named.
#[test]
fn kcsan_lto_setting_errors_clearly() {
    let dir = support::scratch("lto-setting");
    let d = dir.path();
    let src = d.join("a.c");
    std::fs::write(&src, "int main(void) { return 0; }\n").unwrap();
    let args = ["cc", "-c", src.to_str().unwrap(), "-o", "a.o"];
    let o = kcsan(
        d,
        "gcc-lto",
        &args,
        &[("KCSAN_LTO", "thin"), ("KCSAN_CC", "gcc")],
    );
    assert_eq!(o.code(), Some(2), "{}", o.describe());
    assert!(
        o.stderr.contains("KCSAN_LTO=thin needs clang"),
        "{}",
        o.describe()
    );
    let o = kcsan(d, "bad-lto", &args, &[("KCSAN_LTO", "fat")]);
    assert_eq!(o.code(), Some(2), "{}", o.describe());
    assert!(
        o.stderr.contains("KCSAN_LTO=\"fat\" is not understood"),
        "{}",
        o.describe()
    );
    // 0 keeps gcc working whatever the build asks.
    let o = kcsan(
        d,
        "off-lto",
        &args,
        &[("KCSAN_LTO", "0"), ("KCSAN_CC", "gcc")],
    );
    assert_eq!(o.code(), Some(0), "{}", o.describe());
}

// ===== halt_on_error under a storm =====

/// Sixteen threads race pairwise on eight variables, each pair in its own
/// functions (eight different races): with `halt_on_error=1` exactly one
/// report is printed, then the halting object, and in JSON every line of
/// stderr is one JSON object.
#[test]
fn halt_on_error_prints_exactly_one_report_in_a_storm() {
    const STORM: &str = r#"
#include <pthread.h>
#include <time.h>
#define barrier() __asm__ __volatile__("" ::: "memory")
static long v[8][8];
static volatile long sink;
#define PAIR(n) \
	__attribute__((noinline)) void w##n(void) { for (long i = 0; i < 4000000; i++) { v[n][0] = i; barrier(); } } \
	__attribute__((noinline)) void r##n(void) { long s = 0; for (long i = 0; i < 4000000; i++) { s += v[n][0]; barrier(); } sink = s; }
PAIR(0) PAIR(1) PAIR(2) PAIR(3) PAIR(4) PAIR(5) PAIR(6) PAIR(7)
static void (*fns[16])(void) = { w0, r0, w1, r1, w2, r2, w3, r3, w4, r4, w5, r5, w6, r6, w7, r7 };
static void *run(void *arg) { fns[(long)arg](); return 0; }
int main(void)
{
	pthread_t t[16];
	for (long i = 0; i < 16; i++)
		pthread_create(&t[i], 0, run, (void *)i);
	for (int i = 0; i < 16; i++)
		pthread_join(t[i], 0);
	return 0;
}
"#;
    let dir = support::scratch("halt-storm");
    let exe = build(dir.path(), "storm", STORM);
    for round in 0..5 {
        let mut cmd = support::clean_command(&exe);
        cmd.env(
            "KCSAN_OPTIONS",
            "halt_on_error=1:report_once_in_ms=0:report_format=json:udelay_task=200",
        );
        let o = support::run_captured(&mut cmd, dir.path(), "storm", LIMIT);
        assert_eq!(o.code(), Some(66), "round {round}: {}", o.describe());
        let mut races = 0;
        let mut halts = 0;
        for line in o.stderr.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
                panic!("round {round}: not JSON ({e}): {line}\n{}", o.describe())
            });
            match v["type"].as_str() {
                Some("race") => races += 1,
                Some("halt") => halts += 1,
                _ => {}
            }
        }
        assert_eq!((races, halts), (1, 1), "round {round}: {}", o.describe());
    }
}
