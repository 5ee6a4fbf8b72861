//! The C scenarios of `tests/c/`, in the style of compiler-rt's lit tests and
//! the kernel's kcsan_test: every `tests/c/*.c` / `*.cpp` is a small real
//! program whose header comment says how to build and run it and what its
//! output must (and must never) contain. Each scenario is three tests here,
//! `<scenario>::gcc`, `<scenario>::clang` (clang-22) and
//! `<scenario>::clang_lto` (clang-22 on the LTO route), listed in the
//! `scenarios!` table at the bottom; `scenario_table_lists_every_file` checks
//! that the table and the directory agree.
//!
//! Run them with `cargo test --release -p kcsan-cli` after `cargo build
//! --release` (the wrappers link the runtime `libkcsan_rt.a` from the
//! directory of the `kcsan` binary). One scenario: `cargo test --release -p
//! kcsan-cli --test c_scenarios write_read_race`.
//!
//! # Scenario syntax
//!
//! ```c
//! // RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
//! // OPTIONS: assume_plain_writes_atomic=0
//! // EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
//! // EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
//! // EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}race.c:[[write]]{{$}}
//! // EXPECT: {{^}}value changed: 0x
//! // NEVER: unknown origin
//! ...
//!         shared = i; // [[@write]]
//! ```
//!
//! Directives are `// KEY: value` lines in the file's leading comment block
//! (which ends at the first line that is neither a `//` comment nor blank).
//! `KEY` is one of the words below; an unknown upper-case `KEY:` is an error,
//! so a typo cannot silently drop a check.
//!
//! | directive | meaning |
//! |---|---|
//! | `RUN: cmd && cmd && %run prog args` | build steps, then the run step. Several `RUN:` lines are joined with `&&`. Build steps run once, with `sh -c` in the scratch directory, and must succeed. The run step (`%run ...`, last) is run directly (no shell), repeatedly, with `OPTIONS`, `ARGS` and `ENV` applied. |
//! | `COMPILERS: gcc clang` | the compilers the scenario is for (default: both). |
//! | `OPTIONS: a=1:b=2` | `KCSAN_OPTIONS` for the run step; several lines are joined with `:`. Default: unset (the runtime's defaults). |
//! | `ARGS: x y` | arguments appended to the run step. |
//! | `ENV: NAME=value` | an environment variable for the run step (repeatable). |
//! | `EXPECT: pattern` | all `EXPECT` lines must match, in order, lines of ONE report (the text between two 66-`=` rule lines, starting with `BUG: KCSAN:`). |
//! | `REPORT-FROM: parent` / `child` | the `EXPECT` report must come from the process the harness started (`parent`) or from another one, i.e. a forked child (`child`); told by the report's `PID:`. Default: any. |
//! | `STDERR: pattern` / `STDOUT: pattern` | must match, in order, lines of the run's stderr / stdout (anywhere, inside reports or not). |
//! | `NEVER: pattern` (alias `EXPECT-NOT:`) | must not match any line of any run's stdout, stderr or log files. |
//! | `EXIT: n` | the exit status every run must have (default: the runtime's convention, 66 if the started process printed a report, else 0). A signal, a hang or another status fails at once. |
//! | `DEADLINE: s` | seconds to keep rerunning until a run satisfies all `EXPECT`, `STDERR` and `STDOUT` lines (default 30). |
//! | `RUNS: n` | runs at least `n` times even when satisfied (default: 1 when there are `EXPECT`/`STDERR`/`STDOUT` lines, else 2). Every run is checked against `NEVER` and `EXIT`. |
//! | `TIMEOUT: s` | one run's time limit (default 60); past it the run is killed and the test fails. |
//!
//! Substitutions in `RUN`, `OPTIONS`, `ARGS` and `ENV`: `%kcsan_cc` (`kcsan cc`, with
//! `KCSAN_CC` set to gcc or clang-22), `%kcsan_cxx` (`kcsan c++`, g++ or clang++-22),
//! `%cc` / `%cxx` (the plain compiler of the variant, no kcsan), `%include`
//! (the directory of kcsan.h), `%s` (the scenario's source), `%S` (its directory),
//! `%t` (a path in the scratch directory: the program), `%T` (the scratch
//! directory), `%run` (marks the run step), `%%` (`%`). Paths contain no spaces.
//!
//! Patterns are literal text with `{{regex}}` placeholders and a small regex
//! subset (`[0-9a-f]+`, `[0-9]+`, `.*`, `\d`, `?`, `(a|b)`, `^`, `$`, ...): see
//! `support::Pattern`. A pattern matches a substring of a line; `{{^}}` and
//! `{{$}}` pin it. `[[name]]` in a pattern is the line number of the source
//! line that carries the marker `[[@name]]` (in a comment), so a pattern can
//! name the line of the racing access: `writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}race.c:[[write]]`.
//!
//! `tests/c/scenario.h` holds the helpers the programs share (time budgets,
//! a read-only table for "the runtime really watched" statistics);
//! `tests/c/make_project/` is not a scenario but the project `cli.rs` builds
//! with `make CC="kcsan cc"`.
//!
//! # Logs
//!
//! If the run's options set `log_path=P`, reports are read from the files
//! `P.<pid>` (removed before every run) instead of stderr, and every run must
//! have: no report on stderr, and in each file `P.<pid>` only reports whose
//! footer says `PID: <pid>`.
//!
//! # Deflaking
//!
//! Race detection is probabilistic. A scenario with expectations reruns its
//! program until one run meets them all or `DEADLINE` passes (compiler-rt's
//! `%deflake`, kcsan_test's loop until a time budget); the programs themselves
//! race for a time budget (~300 ms, `SCENARIO_MS` overrides it) rather than a
//! fixed iteration count. A scenario without expectations runs `RUNS` times and
//! must never show anything `NEVER` forbids.

mod support;

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::{Outcome, Pattern, Report};

/// The compilers a scenario is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cc {
    Gcc,
    Clang,
    /// clang-22 on kcsan's LTO route (`KCSAN_LTO=thin` in the build steps:
    /// every `kcsan cc` compiles and links with `-flto=thin`, the runtime's
    /// fast paths inlined into the program).
    ClangLto,
}

impl Cc {
    fn name(self) -> &'static str {
        match self {
            Cc::Gcc => "gcc",
            Cc::Clang => "clang",
            Cc::ClangLto => "clang_lto",
        }
    }

    fn c(self) -> &'static str {
        match self {
            Cc::Gcc => "gcc",
            Cc::Clang | Cc::ClangLto => "clang-22",
        }
    }

    fn cxx(self) -> &'static str {
        match self {
            Cc::Gcc => "g++",
            Cc::Clang | Cc::ClangLto => "clang++-22",
        }
    }
}

/// Whose report an `EXPECT` block must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum From {
    Any,
    Parent,
    Child,
}

/// A parsed scenario header.
#[derive(Debug)]
struct Scenario {
    name: String,
    run: Vec<String>,
    compilers: Vec<Cc>,
    options: Vec<String>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    expect: Vec<Pattern>,
    report_from: From,
    stderr: Vec<Pattern>,
    stdout: Vec<Pattern>,
    never: Vec<Pattern>,
    /// `None`: the runtime's convention, 66 if the started process reported, else 0.
    exit: Option<i32>,
    deadline: Duration,
    runs: Option<usize>,
    timeout: Duration,
}

const DIRECTIVES: &[&str] = &[
    "RUN",
    "COMPILERS",
    "OPTIONS",
    "ARGS",
    "ENV",
    "EXPECT",
    "REPORT-FROM",
    "STDERR",
    "STDOUT",
    "NEVER",
    "EXPECT-NOT",
    "EXIT",
    "DEADLINE",
    "RUNS",
    "TIMEOUT",
];

/// `// KEY: value` → (KEY, value) when KEY looks like a directive.
fn directive(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix("//")?.trim_start();
    let colon = rest.find(':')?;
    let key = &rest[..colon];
    let looks_like_key = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_uppercase() || c == '-')
        && key.chars().any(|c| c.is_ascii_uppercase());
    looks_like_key.then(|| (key, rest[colon + 1..].trim()))
}

impl Scenario {
    fn parse(file: &Path) -> Scenario {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read scenario {}: {e}", file.display()));
        let fail = |line: usize, msg: String| -> ! { panic!("{name}:{line}: {msg}") };

        // Line markers `[[@name]]`, anywhere in the file.
        let mut markers = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("[[@") {
                let after = &rest[at + 3..];
                let end = after
                    .find("]]")
                    .unwrap_or_else(|| fail(i + 1, "unclosed `[[@`".into()));
                if markers.insert(after[..end].to_owned(), i + 1).is_some() {
                    fail(
                        i + 1,
                        format!("marker [[@{}]] defined twice", &after[..end]),
                    );
                }
                rest = &after[end + 2..];
            }
        }
        let pattern = |line: usize, p: &str| -> Pattern {
            let mut out = String::new();
            let mut rest = p;
            while let Some(at) = rest.find("[[") {
                out.push_str(&rest[..at]);
                let after = &rest[at + 2..];
                let end = after
                    .find("]]")
                    .unwrap_or_else(|| fail(line, format!("unclosed `[[` in `{p}`")));
                let var = &after[..end];
                let n = markers.get(var).unwrap_or_else(|| {
                    fail(line, format!("no line carries the marker [[@{var}]]"))
                });
                out.push_str(&n.to_string());
                rest = &after[end + 2..];
            }
            out.push_str(rest);
            Pattern::new(&out)
        };

        let mut s = Scenario {
            name: name.clone(),
            run: Vec::new(),
            compilers: vec![Cc::Gcc, Cc::Clang],
            options: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
            expect: Vec::new(),
            report_from: From::Any,
            stderr: Vec::new(),
            stdout: Vec::new(),
            never: Vec::new(),
            exit: None,
            deadline: Duration::from_secs(30),
            runs: None,
            timeout: Duration::from_secs(60),
        };
        let number = |line: usize, key: &str, v: &str| -> u64 {
            v.parse()
                .unwrap_or_else(|_| fail(line, format!("{key}: expected a number, got `{v}`")))
        };
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let trimmed = line.trim();
            if !(trimmed.is_empty() || trimmed.starts_with("//")) {
                break; // the end of the header
            }
            let Some((key, value)) = directive(line) else {
                continue;
            };
            if !DIRECTIVES.contains(&key) {
                fail(
                    n,
                    format!(
                        "unknown directive `{key}:` (known: {})",
                        DIRECTIVES.join(", ")
                    ),
                );
            }
            match key {
                "RUN" => s.run.push(value.to_owned()),
                "COMPILERS" => {
                    s.compilers = value
                        .split_whitespace()
                        .map(|c| match c {
                            "gcc" => Cc::Gcc,
                            "clang" => Cc::Clang,
                            other => fail(n, format!("COMPILERS: unknown compiler `{other}`")),
                        })
                        .collect()
                }
                "OPTIONS" => s.options.push(value.to_owned()),
                "ARGS" => s.args.extend(value.split_whitespace().map(str::to_owned)),
                "ENV" => {
                    let (k, v) = value
                        .split_once('=')
                        .unwrap_or_else(|| fail(n, "ENV: expected NAME=value".into()));
                    s.env.push((k.to_owned(), v.to_owned()));
                }
                "EXPECT" => s.expect.push(pattern(n, value)),
                "REPORT-FROM" => {
                    s.report_from = match value {
                        "parent" => From::Parent,
                        "child" => From::Child,
                        "any" => From::Any,
                        v => fail(
                            n,
                            format!("REPORT-FROM: expected parent or child, got `{v}`"),
                        ),
                    }
                }
                "STDERR" => s.stderr.push(pattern(n, value)),
                "STDOUT" => s.stdout.push(pattern(n, value)),
                "NEVER" | "EXPECT-NOT" => s.never.push(pattern(n, value)),
                "EXIT" => s.exit = Some(number(n, key, value) as i32),
                "DEADLINE" => s.deadline = Duration::from_secs(number(n, key, value)),
                "RUNS" => s.runs = Some(number(n, key, value) as usize),
                "TIMEOUT" => s.timeout = Duration::from_secs(number(n, key, value)),
                _ => unreachable!(),
            }
        }
        if s.run.is_empty() {
            fail(1, "no `// RUN:` line".into());
        }
        s
    }

    fn has_expectations(&self) -> bool {
        !(self.expect.is_empty() && self.stderr.is_empty() && self.stdout.is_empty())
    }
}

/// The values of the `%` substitutions for one test.
struct Subst {
    kcsan: String,
    cc: Cc,
    source: String,
    source_dir: String,
    program: String,
    scratch: String,
}

impl Subst {
    fn apply(&self, s: &str) -> String {
        // Longest names first, so `%kcsan_cc` is not read as `%k...`.
        let table: [(&str, String); 11] = [
            ("%kcsan_cxx", format!("{} c++", self.kcsan)),
            ("%kcsan_cc", format!("{} cc", self.kcsan)),
            ("%include", support::include_dir().display().to_string()),
            ("%cxx", self.cc.cxx().to_owned()),
            ("%run", "%run".to_owned()),
            ("%cc", self.cc.c().to_owned()),
            ("%%", "%".to_owned()),
            ("%s", self.source.clone()),
            ("%S", self.source_dir.clone()),
            ("%t", self.program.clone()),
            ("%T", self.scratch.clone()),
        ];
        let mut out = String::new();
        let mut rest = s;
        'scan: while let Some(at) = rest.find('%') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            for (name, value) in &table {
                if let Some(after) = rest.strip_prefix(name) {
                    out.push_str(value);
                    rest = after;
                    continue 'scan;
                }
            }
            panic!("unknown substitution at `{rest}`");
        }
        out.push_str(rest);
        out
    }
}

/// One run of the program: its outcome and the reports it produced, with the
/// pid of the process each came from.
struct Run {
    number: usize,
    outcome: Outcome,
    reports: Vec<Report>,
    /// `log_path` files: (name, contents).
    logs: Vec<(String, String)>,
}

impl Run {
    fn describe(&self) -> String {
        let mut s = format!("--- run #{} ---\n{}", self.number, self.outcome.describe());
        for (name, text) in &self.logs {
            let _ = write!(s, "--- log file {name} ---\n{}", support::clip(text, 8000));
        }
        s
    }
}

/// `log_path=P` in the final options: (directory, file-name prefix `P.`).
fn log_location(options: &str) -> Option<(PathBuf, String)> {
    let value = options
        .split(':')
        .rev()
        .find_map(|item| item.trim().strip_prefix("log_path="))?
        .trim_matches(|c| c == '\'' || c == '"');
    if value.is_empty() {
        return None;
    }
    let p = Path::new(value);
    Some((
        p.parent().unwrap_or(Path::new(".")).to_path_buf(),
        format!("{}.", p.file_name()?.to_string_lossy()),
    ))
}

/// The `P.<pid>` log files in `dir`, sorted.
fn log_files(dir: &Path, prefix: &str) -> Vec<(PathBuf, u32)> {
    let mut files: Vec<(PathBuf, u32)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| {
                let e = e.ok()?;
                let name = e.file_name().to_string_lossy().into_owned();
                let pid = name.strip_prefix(prefix)?.parse().ok()?;
                Some((e.path(), pid))
            })
            .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Builds and runs one scenario with one compiler, and checks it.
fn run_scenario(file: &str, cc: Cc) {
    run_scenario_in(&support::scenario_dir(), file, cc);
}

/// Runs the scenario `file` of directory `dir` (`tests/c` or `tests/torture`).
fn run_scenario_in(dir: &Path, file: &str, cc: Cc) {
    let path = dir.join(file);
    let sc = Scenario::parse(&path);
    let what = format!("{} [{}]", sc.name, cc.name());
    // The LTO route is a clang build: `COMPILERS: clang` covers it.
    let family = if cc == Cc::ClangLto { Cc::Clang } else { cc };
    if !sc.compilers.contains(&family) {
        eprintln!("skipped: {what} is not for {} (COMPILERS)", cc.name());
        return;
    }
    if family == Cc::Clang && !support::have_clang() {
        eprintln!("skipped: clang-22 not installed ({what})");
        return;
    }
    let kcsan = support::kcsan();
    let stem = Path::new(file)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut scratch = support::scratch(&format!("{stem}-{}", cc.name()));
    let subst = Subst {
        kcsan: kcsan.display().to_string(),
        cc,
        source: path.display().to_string(),
        source_dir: dir.display().to_string(),
        program: scratch.path().join(&stem).display().to_string(),
        scratch: scratch.path().display().to_string(),
    };

    // Steps: build steps (shell), then exactly one run step.
    let steps: Vec<String> = sc
        .run
        .join(" && ")
        .split("&&")
        .map(|s| subst.apply(s.trim()))
        .collect();
    let run_steps = steps.iter().filter(|s| s.starts_with("%run")).count();
    assert!(
        run_steps == 1 && steps.last().is_some_and(|s| s.starts_with("%run")),
        "{what}: RUN must end with exactly one `%run` step: {steps:?}"
    );
    let (run_step, build_steps) = steps.split_last().unwrap();
    for (i, step) in build_steps.iter().enumerate() {
        let mut cmd = support::clean_command("sh");
        cmd.arg("-c")
            .arg(step)
            .current_dir(scratch.path())
            .env("KCSAN_CC", cc.c())
            .env("KCSAN_CXX", cc.cxx())
            .env("KCSAN_LTO", if cc == Cc::ClangLto { "thin" } else { "0" });
        let o = support::run_captured(
            &mut cmd,
            scratch.path(),
            &format!("build{i}"),
            Duration::from_secs(180),
        );
        if o.code() != Some(0) {
            let dir = support::keep(&mut scratch);
            panic!(
                "{what}: build step failed: {step}\n{}\n(scratch directory kept: {})",
                o.describe(),
                dir.display()
            );
        }
    }

    let mut argv: Vec<String> = run_step
        .split_whitespace()
        .skip(1)
        .map(str::to_owned)
        .collect();
    assert!(!argv.is_empty(), "{what}: `%run` without a program");
    argv.extend(sc.args.iter().map(|a| subst.apply(a)));
    let options = sc
        .options
        .iter()
        .map(|o| subst.apply(o))
        .collect::<Vec<_>>()
        .join(":");
    let logs_at = log_location(&options);
    let min_runs = sc.runs.unwrap_or(if sc.has_expectations() { 1 } else { 2 });

    let start = Instant::now();
    let mut history: VecDeque<Run> = VecDeque::new();
    let mut satisfied_by = None;
    let mut best: (usize, Option<Report>) = (0, None); // the closest report to EXPECT
    let mut number = 0;
    let failure = loop {
        number += 1;
        if let Some((dir, prefix)) = &logs_at {
            for (f, _) in log_files(dir, prefix) {
                let _ = std::fs::remove_file(f);
            }
        }
        let mut cmd = support::clean_command(&argv[0]);
        cmd.args(&argv[1..]).current_dir(scratch.path());
        if !options.is_empty() {
            cmd.env("KCSAN_OPTIONS", &options);
        }
        for (k, v) in &sc.env {
            cmd.env(k, subst.apply(v));
        }
        let outcome = support::run_captured(
            &mut cmd,
            scratch.path(),
            &format!("run{number}"),
            sc.timeout,
        );

        // Reports, and where they came from.
        let mut problems = Vec::new();
        let mut logs = Vec::new();
        let reports = match &logs_at {
            None => support::split_reports(&outcome.stderr),
            Some((dir, prefix)) => {
                if outcome.stderr.lines().any(|l| l == support::RULE) {
                    problems
                        .push("a report was written to stderr although log_path is set".to_owned());
                }
                let mut all = Vec::new();
                for (file, pid) in log_files(dir, prefix) {
                    let text = std::fs::read_to_string(&file).unwrap_or_default();
                    for r in support::split_reports(&text) {
                        if r.pid != Some(pid) {
                            problems.push(format!(
                                "{} holds a report of PID {:?}:\n{}",
                                file.display(),
                                r.pid,
                                r.text()
                            ));
                        }
                        all.push(r);
                    }
                    logs.push((
                        file.file_name().unwrap().to_string_lossy().into_owned(),
                        text,
                    ));
                }
                all
            }
        };

        // Things that must hold in every run.
        // The runtime's `exitcode` (66) replaces the status of a process that
        // reported a race.
        let expected_exit = sc.exit.unwrap_or_else(|| {
            if reports.iter().any(|r| r.pid == Some(outcome.pid)) {
                66
            } else {
                0
            }
        });
        if outcome.timed_out || outcome.code() != Some(expected_exit) {
            problems.push(format!(
                "the program {} (expected exit status {})",
                outcome.how(),
                expected_exit
            ));
        }
        let streams = [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)]
            .into_iter()
            .map(|(n, t)| (n.to_owned(), t.as_str()))
            .chain(
                logs.iter()
                    .map(|(n, t)| (format!("log file {n}"), t.as_str())),
            );
        for (stream, text) in streams {
            for p in &sc.never {
                if let Some(line) = text.lines().find(|l| p.is_match(l)) {
                    problems.push(format!(
                        "NEVER: `{}` matched in {stream}: `{line}`",
                        p.source()
                    ));
                }
            }
        }

        problems.extend(integrity_problems(
            &options,
            &outcome,
            &reports,
            logs_at.is_some(),
        ));

        // Things one run must show.
        let eligible = |r: &&Report| match sc.report_from {
            From::Any => true,
            From::Parent => r.pid == Some(outcome.pid),
            From::Child => r.pid.is_some_and(|p| p != outcome.pid),
        };
        let mut expect_ok = sc.expect.is_empty();
        for r in reports.iter().filter(eligible) {
            let n = support::match_in_order(&sc.expect, &r.lines);
            if n == sc.expect.len() {
                expect_ok = true;
            }
            if best.1.is_none() || n > best.0 {
                best = (n, Some(r.clone()));
            }
        }
        let stderr_lines: Vec<String> = outcome.stderr.lines().map(str::to_owned).collect();
        let stdout_lines: Vec<String> = outcome.stdout.lines().map(str::to_owned).collect();
        let stderr_ok = support::match_in_order(&sc.stderr, &stderr_lines) == sc.stderr.len();
        let stdout_ok = support::match_in_order(&sc.stdout, &stdout_lines) == sc.stdout.len();

        history.push_back(Run {
            number,
            outcome,
            reports,
            logs,
        });
        if history.len() > 3 {
            history.pop_front();
        }
        if !problems.is_empty() {
            break Some(format!("run #{number}:\n  {}", problems.join("\n  ")));
        }
        if satisfied_by.is_none() && expect_ok && stderr_ok && stdout_ok {
            satisfied_by = Some(number);
        }
        if satisfied_by.is_some() && number >= min_runs {
            break None;
        }
        if satisfied_by.is_none() && start.elapsed() > sc.deadline {
            let mut msg = format!(
                "no run satisfied the expectations within the deadline ({} runs in {:.1} s)\n",
                number,
                start.elapsed().as_secs_f64()
            );
            if !sc.expect.is_empty() {
                let from = match sc.report_from {
                    From::Any => "",
                    From::Parent => " from the started process",
                    From::Child => " from a child process",
                };
                let _ = writeln!(msg, "wanted one report{from} with, in order:");
                for (i, p) in sc.expect.iter().enumerate() {
                    let mark = if i < best.0 {
                        "ok "
                    } else if i == best.0 {
                        ">> "
                    } else {
                        "   "
                    };
                    let _ = writeln!(msg, "  {mark}EXPECT: {}", p.source());
                }
                match &best.1 {
                    Some(r) => {
                        let _ = write!(
                            msg,
                            "the closest report seen matched the first {} (>> marks the first miss):\n{}",
                            best.0,
                            r.text()
                        );
                    }
                    None => msg.push_str("no eligible report was seen in any run\n"),
                }
            }
            for (kind, pats, ok) in [
                ("STDERR", &sc.stderr, stderr_ok),
                ("STDOUT", &sc.stdout, stdout_ok),
            ] {
                if !pats.is_empty() {
                    let _ = writeln!(
                        msg,
                        "{kind} lines (in order; last run {}): {:?}",
                        if ok { "matched" } else { "did NOT match" },
                        pats.iter().map(Pattern::source).collect::<Vec<_>>()
                    );
                }
            }
            break Some(msg);
        }
    };
    let elapsed = start.elapsed();
    if let Some(msg) = failure {
        let dir = support::keep(&mut scratch);
        let last: Vec<String> = history.iter().map(Run::describe).collect();
        panic!(
            "\n{what} FAILED: {msg}\n\nThe last runs (oldest first; {n} report(s) in the last):\n{}\n\
             (scratch directory kept: {}; KCSAN_OPTIONS={options:?})",
            last.join("\n"),
            dir.display(),
            n = history.back().map_or(0, |r| r.reports.len()),
        );
    }
    eprintln!(
        "{what}: ok in {number} run(s), {:.2} s{}",
        elapsed.as_secs_f64(),
        satisfied_by.map_or(String::new(), |n| format!(
            " (expectations met by run #{n})"
        ))
    );
}

/// What must hold of a run's output whatever the scenario (a report storm,
/// forks, handlers): every report whole (its title, its accesses, its
/// footer, in one block), the closing line's count equal to the reports the
/// process printed, and in `report_format=json` every stderr line a JSON
/// object, with the summary's count equal to the process's race objects.
fn integrity_problems(
    options: &str,
    outcome: &Outcome,
    reports: &[Report],
    to_logs: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    if options.contains("report_format=json") {
        let mut races_by_pid: HashMap<u64, usize> = HashMap::new();
        let mut summaries = Vec::new();
        for line in outcome.stderr.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(v) if v.get("type").is_some() => {
                    let data = &v["data"];
                    match v["type"].as_str() {
                        Some("race") => {
                            let pid = data["pid"].as_u64().unwrap_or(0);
                            *races_by_pid.entry(pid).or_default() += 1;
                        }
                        Some("summary") => summaries.push((
                            data["pid"].as_u64().unwrap_or(0),
                            data["reported"].as_u64().unwrap_or(0) as usize,
                        )),
                        _ => {}
                    }
                }
                _ => problems.push(format!(
                    "report_format=json, but stderr has a line that is not a JSON object: `{}`",
                    &line[..line.len().min(200)]
                )),
            }
        }
        for (pid, reported) in summaries {
            let seen = races_by_pid.get(&pid).copied().unwrap_or(0);
            if seen != reported {
                problems.push(format!(
                    "the summary of pid {pid} says {reported} reports, its race lines are {seen}"
                ));
            }
        }
        return problems;
    }
    for r in reports {
        let whole = r.title().starts_with("BUG: KCSAN: ")
            && r.lines.iter().any(|l| l.contains(" bytes by "))
            && r.lines
                .iter()
                .any(|l| l.starts_with("Reported by Kernel Concurrency Sanitizer"))
            && r.pid.is_some();
        if !whole {
            problems.push(format!("a report is not whole:\n{}", r.text()));
        }
    }
    // The closing line counts the started process's reports; forked
    // children print their own, so the check is for a process alone.
    let closing: Vec<usize> = outcome
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("kcsan: reported "))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    let alone = reports.iter().all(|r| r.pid == Some(outcome.pid));
    if !to_logs && alone && closing.len() == 1 {
        let printed = if options.contains("report_format=tsan") {
            let prefix = "WARNING: ThreadSanitizer: ";
            outcome
                .stderr
                .lines()
                .filter(|l| l.starts_with(prefix))
                .count()
        } else {
            reports.len()
        };
        if closing[0] != printed {
            problems.push(format!(
                "`kcsan: reported {} races`, but {printed} reports were printed",
                closing[0]
            ));
        }
    }
    problems
}

/// `<scenario>::gcc`, `<scenario>::clang` and `<scenario>::clang_lto` per file.
macro_rules! scenarios {
    ($($name:ident => $file:literal,)*) => {
        /// Every scenario file, as listed below.
        const SCENARIOS: &[&str] = &[$($file),*];
        $(
            mod $name {
                #[test]
                fn gcc() {
                    super::run_scenario($file, super::Cc::Gcc);
                }
                #[test]
                fn clang() {
                    super::run_scenario($file, super::Cc::Clang);
                }
                #[test]
                fn clang_lto() {
                    super::run_scenario($file, super::Cc::ClangLto);
                }
            }
        )*
    };
}

scenarios! {
    assert_exclusive_access => "assert_exclusive_access.c",
    assert_exclusive_bits_change => "assert_exclusive_bits_change.c",
    assert_exclusive_bits_nochange => "assert_exclusive_bits_nochange.c",
    assert_exclusive_writer => "assert_exclusive_writer.c",
    assert_exclusive_writer_readers_ok => "assert_exclusive_writer_readers_ok.c",
    assert_exclusive_writer_scoped => "assert_exclusive_writer_scoped.c",
    bad_option_not_power_of_two => "bad_option_not_power_of_two.c",
    bad_option_strict_conflict => "bad_option_strict_conflict.c",
    bad_option_unknown => "bad_option_unknown.c",
    cxx_lambda_title => "cxx_lambda_title.cpp",
    cxx_sync_silent => "cxx_sync_silent.cpp",
    cxx_virtual_race => "cxx_virtual_race.cpp",
    data_race_annotated => "data_race_annotated.c",
    first_watches_chunk_boundary => "first_watches_chunk_boundary.c",
    focus_inlined => "focus_inlined.c",
    focus_only_silent => "focus_only_silent.c",
    focus_store_once => "focus_store_once.c",
    focus_unknown_name => "focus_unknown_name.c",
    default_options => "default_options.c",
    default_options_overridden => "default_options_overridden.c",
    disable_current_silent => "disable_current_silent.c",
    exitcode_summary => "exitcode_summary.c",
    filter_blacklist => "filter_blacklist.c",
    filter_whitelist => "filter_whitelist.c",
    filter_whitelist_partial => "filter_whitelist_partial.c",
    fork_child_race => "fork_child_race.c",
    halt_on_error => "halt_on_error.c",
    header_all_annotations => "header_all_annotations.c",
    help_option => "help_option.c",
    hooks_before_init => "hooks_before_init.c",
    ignore_atomics_unknown_origin => "ignore_atomics_unknown_origin.c",
    log_path => "log_path.c",
    marked_never_reported => "marked_never_reported.c",
    memcpy_race => "memcpy_race.c",
    memcpy_runtime_size_race => "memcpy_runtime_size_race.c",
    mutex_busy_silent => "mutex_busy_silent.c",
    nestable_atomic_silent => "nestable_atomic_silent.c",
    novalue_change_rcu => "novalue_change_rcu.c",
    novalue_change_reported => "novalue_change_reported.c",
    novalue_change_silent => "novalue_change_silent.c",
    permissive_single_bit => "permissive_single_bit.c",
    plain_read_vs_atomic_rmw => "plain_read_vs_atomic_rmw.c",
    plain_read_vs_atomic_store => "plain_read_vs_atomic_store.c",
    plain_read_vs_write_once => "plain_read_vs_write_once.c",
    report_format_json => "report_format_json.c",
    report_format_tsan => "report_format_tsan.c",
    report_hook => "report_hook.c",
    report_hook_print => "report_hook_print.c",
    rewatch_late_store => "rewatch_late_store.c",
    signal_handler_race => "signal_handler_race.c",
    signal_same_thread_interrupt_watcher => "signal_same_thread_interrupt_watcher.c",
    short_thread_race => "short_thread_race.c",
    signal_same_thread_silent => "signal_same_thread_silent.c",
    stall_budget => "stall_budget.c",
    static_link_race => "static_link_race.c",
    struct_copy_race => "struct_copy_race.c",
    suppressions => "suppressions.c",
    suppressions_malformed => "suppressions_malformed.c",
    suppressions_off => "suppressions_off.c",
    unknown_origin => "unknown_origin.c",
    unknown_origin_disabled => "unknown_origin_disabled.c",
    vectorized_store_race => "vectorized_store_race.c",
    weak_memory_locks_silent => "weak_memory_locks_silent.c",
    weak_memory_missing_release => "weak_memory_missing_release.c",
    weak_memory_release_silent => "weak_memory_release_silent.c",
    weak_memory_without_hooks => "weak_memory_without_hooks.c",
    wide_access_race => "wide_access_race.c",
    write_read_race => "write_read_race.c",
    write_write_reported => "write_write_reported.c",
    write_write_silent_kernel_preset => "write_write_silent_kernel_preset.c",
}

/// The torture suite (`tests/torture/`, issue "Never hang, never corrupt"):
/// the same scenario syntax, for programs that are hostile to the runtime
/// (small stacks, handlers that interrupt malloc or leave by siglongjmp,
/// cancellation, storms). `cargo test --release -p kcsan-cli --test
/// c_scenarios torture::` runs them alone.
macro_rules! torture {
    ($($name:ident => $file:literal,)*) => {
        /// Every torture file, as listed below.
        const TORTURE: &[&str] = &[$($file),*];
        mod torture {
            $(
                mod $name {
                    #[test]
                    fn gcc() {
                        super::super::run_scenario_in(&super::super::torture_dir(), $file, super::super::Cc::Gcc);
                    }
                    #[test]
                    fn clang() {
                        super::super::run_scenario_in(&super::super::torture_dir(), $file, super::super::Cc::Clang);
                    }
                }
            )*
        }
    };
}

fn torture_dir() -> PathBuf {
    support::repo_root().join("tests/torture")
}

torture! {
    async_cancel => "async_cancel.c",
    bad_suppressions_device => "bad_suppressions_device.c",
    bad_suppressions_fifo => "bad_suppressions_fifo.c",
    cancel_during_reports => "cancel_during_reports.c",
    dlopen_loop => "dlopen_loop.c",
    fast_exit_after_report => "fast_exit_after_report.c",
    fork_during_storm => "fork_during_storm.c",
    handler_interrupts_malloc => "handler_interrupts_malloc.c",
    handler_siglongjmp => "handler_siglongjmp.c",
    report_storm => "report_storm.c",
    report_storm_halt => "report_storm_halt.c",
    report_storm_json => "report_storm_json.c",
    segv_probe_siglongjmp => "segv_probe_siglongjmp.c",
    sigaltstack_report => "sigaltstack_report.c",
    small_stack_threads => "small_stack_threads.c",
    thread_churn => "thread_churn.c",
}

/// Every `tests/c/*.c` / `*.cpp` is in the `scenarios!` table, and every
/// entry of the table exists: no scenario is forgotten.
#[test]
fn scenario_table_lists_every_file() {
    table_lists_every_file(&support::scenario_dir(), SCENARIOS);
    table_lists_every_file(&torture_dir(), TORTURE);
}

fn table_lists_every_file(dir: &Path, table: &[&str]) {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("the scenario directory exists")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            (name.ends_with(".c") || name.ends_with(".cpp")).then_some(name)
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = table.iter().map(|s| s.to_string()).collect();
    listed.sort();
    let missing: Vec<&String> = on_disk.iter().filter(|f| !listed.contains(f)).collect();
    let stale: Vec<&String> = listed.iter().filter(|f| !on_disk.contains(f)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "a table in c_scenarios.rs and {} disagree:\n  \
         files not in the table: {missing:?}\n  table entries without a file: {stale:?}",
        dir.display()
    );
}

/// Every scenario's header parses (a typo fails here, by name, at once).
#[test]
fn every_scenario_header_parses() {
    let all = SCENARIOS
        .iter()
        .map(|f| support::scenario_dir().join(f))
        .chain(TORTURE.iter().map(|f| torture_dir().join(f)));
    for path in all {
        let f = path.display();
        let s = Scenario::parse(&path);
        assert!(
            s.has_expectations() || !s.never.is_empty(),
            "{f}: a scenario must check something (EXPECT, STDERR, STDOUT or NEVER)"
        );
    }
}

#[test]
fn substitutions_and_directives() {
    let s = Subst {
        kcsan: "/k".into(),
        cc: Cc::Clang,
        source: "/src/a.c".into(),
        source_dir: "/src".into(),
        program: "/tmp/x/a".into(),
        scratch: "/tmp/x".into(),
    };
    assert_eq!(
        s.apply(
            "%kcsan_cc -O2 %s -o %t && %cc -I%include %S/b.c -o %T/b && %kcsan_cxx 100%% %run %t"
        ),
        format!(
            "/k cc -O2 /src/a.c -o /tmp/x/a && clang-22 -I{} /src/b.c -o /tmp/x/b && /k c++ 100% %run /tmp/x/a",
            support::include_dir().display()
        )
    );
    assert_eq!(
        directive("// EXPECT: BUG: KCSAN: x"),
        Some(("EXPECT", "BUG: KCSAN: x"))
    );
    assert_eq!(
        directive("// REPORT-FROM: child"),
        Some(("REPORT-FROM", "child"))
    );
    assert_eq!(directive("// SPDX-License-Identifier: MIT"), None);
    assert_eq!(directive("// a plain comment: fine"), None);
    assert_eq!(
        log_location("a=1:log_path='/tmp/d/kcsan':b=2"),
        Some((PathBuf::from("/tmp/d"), "kcsan.".to_owned()))
    );
    assert_eq!(log_location("a=1"), None);
}

// ===== The harness's own pieces =====

#[test]
fn patterns_match_literals_and_placeholders() {
    let p = Pattern::new("write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{\\d+}}:");
    assert!(p.is_match("write to 0x00005581b7ef4010 of 8 bytes by task 487 on cpu 0:"));
    assert!(!p.is_match("write to 0x of 8 bytes by task 487 on cpu 0:"));
    assert!(!p.is_match("read to 0x00005581b7ef4010 of 8 bytes by task 487 on cpu 0:"));
    // Substring search; anchors pin it.
    assert!(Pattern::new("reader+0x").is_match(" reader+0x98/0x113 wr.c:24"));
    assert!(!Pattern::new("{{^}}reader+0x").is_match(" reader+0x98/0x113 wr.c:24"));
    assert!(
        Pattern::new("in reader / writer{{$}}")
            .is_match("BUG: KCSAN: data-race in reader / writer")
    );
    assert!(!Pattern::new("in reader / writer{{$}}").is_match("BUG: in reader / writer2"));
    // Literal text outside {{ }} is literal, regex characters included.
    assert!(Pattern::new("a.b[1]*").is_match("xa.b[1]*y"));
    assert!(!Pattern::new("a.b").is_match("axb"));
    // Backtracking: `.*` then a literal tail.
    assert!(Pattern::new("{{.*}}c:{{[0-9]+}}").is_match("at foo.c:42"));
    assert!(Pattern::new("x{{[^ ]*}}y").is_match("x--y"));
    assert!(!Pattern::new("x{{[^ ]*}}y").is_match("x- y"));
    assert!(Pattern::new("v{{[1-9][0-9]*}}").is_match("v10"));
    assert!(!Pattern::new("v{{[1-9][0-9]*}}{{$}}").is_match("v0"));
    assert!(Pattern::new("{{[a-]+}}!").is_match("a-a!"));
    assert!(Pattern::new("0x{{[0-9a-f]?}}1").is_match("0x1"));
    // Groups and alternatives.
    let rw = Pattern::new("{{^(read|write)}} to 0x");
    assert!(rw.is_match("read to 0x1") && rw.is_match("write to 0x1"));
    assert!(!rw.is_match("read-write to 0x1"));
    assert!(Pattern::new("{{^(ab)+$}}").is_match("ababab"));
    assert!(!Pattern::new("{{^(ab)+$}}").is_match("ababa"));
    assert!(Pattern::new("x{{(a?)*}}y").is_match("xaay"));
    assert!(Pattern::new("{{^a(b|c(d|e))?f$}}").is_match("acef"));
    assert!(Pattern::new("{{^a(b|c(d|e))?f$}}").is_match("af"));
    assert!(!Pattern::new("{{^a(b|c(d|e))?f$}}").is_match("acf"));
    assert!(Pattern::new("{{\\(\\)}}").is_match("()"));
    assert!(Pattern::new("{{[]x]}}").is_match("]"));
}

#[test]
fn reports_are_split_at_rules_and_in_order_matching_works() {
    let rule = support::RULE;
    let text = format!(
        "noise\n{rule}\nBUG: KCSAN: data-race in a / b\n\nwrite to 0x1 of 8 bytes\n\
         CPU: 1 PID: 42 TID: 43 Comm: x Exe: y\n{rule}\nmore noise\n{rule}\nnot a report\n"
    );
    let reports = support::split_reports(&text);
    assert_eq!(reports.len(), 1, "one report in {text}");
    assert_eq!(reports[0].title(), "BUG: KCSAN: data-race in a / b");
    assert_eq!(reports[0].pid, Some(42));
    let pats = |v: &[&str]| v.iter().map(|s| Pattern::new(s)).collect::<Vec<_>>();
    assert_eq!(
        support::match_in_order(&pats(&["BUG", "write", "PID"]), &reports[0].lines),
        3
    );
    assert_eq!(
        support::match_in_order(&pats(&["write", "BUG"]), &reports[0].lines),
        1
    );
    assert_eq!(
        support::match_in_order(&pats(&["BUG", "BUG"]), &reports[0].lines),
        1
    );
}
