//! `kcsan-bench corpus`: how likely one run is to catch a real race, and
//! that correct programs are never reported; side by side with
//! ThreadSanitizer.
//!
//! `bench/corpus/racy/` holds programs with one data race each, of the kinds
//! people actually write; `bench/corpus/clean/` holds their fixed twins
//! (same file name). Every program is built with kcsan and run `--runs` times
//! per configuration, several at once, with `OMP_NUM_THREADS` set. A kcsan
//! run *detects* when its stderr has a `BUG: KCSAN:` title line; the time to
//! the first report is measured from the spawn to that line's arrival (as
//! `kcsan hunt` does). Any kcsan report from a clean program is a false
//! positive: it is printed in full and the benchmark fails.
//!
//! The pseudo-configuration `libtsan` (on by default) runs the same programs
//! built with gcc's `-fsanitize=thread` (nightly rustc for Rust), in the same
//! interleaved rounds. It detects on `WARNING: ThreadSanitizer: data race`;
//! its reports on clean programs are ThreadSanitizer's false positives, shown
//! (its precision) but never a failure: the benchmark judges kcsan.
//!
//! The output is a study ([`study`]): one summary row per configuration
//! (one-run and 5-run recall, 5-run precision, ...) and a program ×
//! configuration matrix; `--detail` adds the per-configuration tables.
//!
//! `--until-detected` is the cheap smoke mode the test suite uses: each racy
//! program is rerun until its first report or the deadline, kcsan only.

mod repro;
mod study;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::configs::{self, Config};
use crate::stats::wilson;
use crate::toolchain::{self, Build, Lang, Repo};

/// The arguments of `kcsan-bench corpus`.
#[derive(clap::Args, Debug)]
pub(crate) struct CorpusArgs {
    /// Runs per program and configuration (5 or more for the 5-run columns).
    #[arg(short = 'n', long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Programs run at once (default: the number of CPUs).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// A kcsan configuration `NAME=KCSAN_OPTIONS` (repeatable); a built-in's
    /// name (fastpath, kernel, defaults, hunt) replaces it.
    #[arg(long = "config", value_name = "NAME=OPTIONS")]
    config: Vec<String>,
    /// Comma-separated configurations to run (default: defaults, kernel,
    /// those given with --config, and libtsan). `libtsan` is ThreadSanitizer
    /// (gcc -fsanitize=thread), measured only without --until-detected.
    #[arg(long, value_name = "NAMES")]
    configs: Option<String>,
    /// Comma-separated program names (file stems) to run (default: all).
    #[arg(long, value_name = "NAMES")]
    programs: Option<String>,
    /// Only the racy or only the clean corpus.
    #[arg(long, value_parser = ["racy", "clean"])]
    only: Option<String>,
    /// Kill a run after this many seconds; a timed-out run fails the benchmark.
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    timeout: f64,
    /// OpenMP threads per run (`OMP_NUM_THREADS`).
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    omp_threads: u32,
    /// Smoke mode: rerun each racy program until its first report or
    /// --deadline (clean programs still run --runs times); kcsan only.
    #[arg(long)]
    until_detected: bool,
    /// With --until-detected: give up on a racy program after this many seconds.
    #[arg(long, default_value_t = 120.0, value_name = "SECS")]
    deadline: f64,
    /// Exit non-zero also when a racy program is caught by a kcsan
    /// configuration in fewer than 90% of runs.
    #[arg(long)]
    strict: bool,
    /// Also print the per-configuration tables (every program's detection
    /// probability with its interval, times to the first report).
    #[arg(long)]
    detail: bool,
    /// Rewrite the corpus section of BENCHMARKS.md with the summary and the
    /// matrices.
    #[arg(long)]
    write_benchmarks: bool,
    /// Write every run's result and the summary to FILE as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Do not run `cargo build --release` for the runtime first.
    #[arg(long)]
    no_build: bool,
    /// How kcsan builds the C and C++ programs: `gcc` (`kcsan cc`, a call
    /// per access), `clang` (clang-22, a call per access) or `lto` (clang-22
    /// on the LTO route, the fast paths inlined). clang's OpenMP programs
    /// need libomp-22-dev. Rust programs are built as usual on all three.
    #[arg(long, default_value = "gcc", value_parser = ["gcc", "clang", "lto"])]
    route: String,
    /// Measure `kcsan repro` instead (racy programs and their twins): find a
    /// report at the defaults, then `--runs` runs at the defaults against
    /// `--runs` focused runs, and `--confirm-fix` on the fixed twin.
    #[arg(long, conflicts_with_all = ["until_detected", "configs", "config", "strict", "detail", "json"])]
    repro: bool,
    /// With --repro: runs at the defaults to find a report to reproduce.
    #[arg(long, default_value_t = 40, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    find: u32,
    /// With --repro: focused runs of each fixed twin under --confirm-fix.
    #[arg(long, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    fix_runs: u32,
}

/// Which corpus a program belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Set {
    Racy,
    Clean,
}

impl Set {
    fn name(self) -> &'static str {
        match self {
            Set::Racy => "racy",
            Set::Clean => "clean",
        }
    }
}

/// One corpus program.
#[derive(Debug)]
struct Program {
    set: Set,
    stem: String,
    src: PathBuf,
    lang: Lang,
    pattern: String,
    flags: Vec<String>,
    /// A racy program's `MISSED:` line: why kcsan is known not to catch it
    /// (its racing accesses never overlap in time, nor can a stall bring
    /// them together). It still counts in every rate; it is only exempt
    /// from the smoke mode's "caught within the deadline" and `--strict`.
    missed: Option<String>,
    /// The kcsan build.
    exe: PathBuf,
    /// The libtsan build, once made (`None` when libtsan is not run, or for
    /// Rust without a nightly toolchain).
    tsan_exe: Option<PathBuf>,
}

impl Program {
    fn is_openmp(&self) -> bool {
        self.flags.iter().any(|f| f == "-fopenmp")
    }

    fn lang_name(&self) -> &'static str {
        match (self.lang, self.is_openmp()) {
            (Lang::C, true) => "C/OpenMP",
            (Lang::C, false) => "C",
            (Lang::Cxx, _) => "C++",
            (Lang::Rust, _) => "Rust",
        }
    }

    /// The executable `det` runs, if this program has that build.
    fn exe_for(&self, det: &Detector) -> Option<&Path> {
        match det {
            Detector::Kcsan(_) => Some(&self.exe),
            Detector::Libtsan => self.tsan_exe.as_deref(),
        }
    }
}

/// Reads a program's header: `PATTERN:` (required), `FLAGS:` and `MISSED:`
/// (optional), and checks for the marker its corpus requires (`RACE` /
/// `FIX:`).
fn parse_program(set: Set, src: &Path, out: &Path) -> Result<Program> {
    let text =
        std::fs::read_to_string(src).with_context(|| format!("cannot read {}", src.display()))?;
    let lang =
        Lang::of(src).with_context(|| format!("{}: not a .c, .cpp or .rs file", src.display()))?;
    let header = |key: &str| -> Option<String> {
        text.lines().take(40).find_map(|l| {
            l.trim_start()
                .strip_prefix("//")?
                .trim()
                .strip_prefix(key)
                .map(|v| v.trim().to_owned())
        })
    };
    let pattern = header("PATTERN:")
        .with_context(|| format!("{}: no `// PATTERN:` line in its header", src.display()))?;
    let flags = header("FLAGS:").map_or_else(Vec::new, |f| {
        f.split_whitespace().map(str::to_owned).collect()
    });
    let missed = header("MISSED:");
    if missed.is_some() && set == Set::Clean {
        bail!(
            "{}: `MISSED:` describes a race kcsan misses; a clean program has none",
            src.display()
        );
    }
    match set {
        Set::Racy if !text.contains("RACE") => {
            bail!(
                "{}: a racy program must mark its racy lines with RACE",
                src.display()
            )
        }
        Set::Clean if header("FIX:").is_none() => {
            bail!(
                "{}: a clean program must name its fix in a `// FIX:` line",
                src.display()
            )
        }
        _ => {}
    }
    let stem = src
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Program {
        set,
        exe: out.join(set.name()).join(&stem),
        tsan_exe: None,
        stem,
        src: src.to_path_buf(),
        lang,
        pattern,
        flags,
        missed,
    })
}

fn discover(repo: &Repo, a: &CorpusArgs) -> Result<Vec<Program>> {
    let dir = repo.root.join("bench/corpus");
    let out = repo.out.join(match a.route.as_str() {
        "gcc" => "corpus".to_owned(),
        other => format!("corpus-{other}"),
    });
    let wanted: Option<Vec<String>> = a.programs.as_ref().map(|p| {
        p.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let mut progs = Vec::new();
    for set in [Set::Racy, Set::Clean] {
        if a.only.as_deref().is_some_and(|o| o != set.name()) {
            continue;
        }
        let d = dir.join(set.name());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .with_context(|| format!("cannot list {}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| Lang::of(p).is_some())
            .collect();
        files.sort();
        for f in files {
            let p = parse_program(set, &f, &out)?;
            if wanted.as_ref().is_none_or(|w| w.contains(&p.stem)) {
                progs.push(p);
            }
        }
    }
    if let Some(w) = &wanted {
        for n in w {
            if !progs.iter().any(|p| &p.stem == n) {
                bail!(
                    "--programs: no corpus program named '{n}' in {}",
                    dir.display()
                );
            }
        }
    }
    if progs.is_empty() {
        bail!("no corpus programs selected");
    }
    Ok(progs)
}

/// The name that selects ThreadSanitizer in `--configs`.
const LIBTSAN: &str = "libtsan";

/// libtsan's options: its defaults, with the two this benchmark relies on
/// made explicit (they are the defaults today): keep running after a report
/// so a run's reports are all counted, and exit 66 after one, the exit code
/// kcsan's runtime uses, so "completed" means the same for both.
const TSAN_OPTIONS: &str = "halt_on_error=0:exitcode=66";

/// What checks a run: a kcsan configuration (the kcsan build under its
/// `KCSAN_OPTIONS`), or ThreadSanitizer (the libtsan build).
#[derive(Clone, Debug)]
enum Detector {
    Kcsan(Config),
    Libtsan,
}

/// What one stderr line is, for a detector.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    /// A data-race report's title: a detection.
    Report,
    /// Another warning of the detector (ThreadSanitizer's "thread leak",
    /// ...), by kind: counted, not a detection.
    OtherWarning(&'a str),
    Other,
}

/// kcsan's report title (`BUG: KCSAN: data-race in ...`).
fn kcsan_line(l: &str) -> Line<'_> {
    if l.trim_start().starts_with("BUG: KCSAN: ") {
        Line::Report
    } else {
        Line::Other
    }
}

/// ThreadSanitizer's warning titles: `WARNING: ThreadSanitizer: data race
/// (pid=N)` (also `data race on vptr ...`) is a detection; any other kind
/// (`thread leak`, `lock-order-inversion`, ...) is not, since the corpus is
/// about data races and kcsan reports nothing else.
fn tsan_line(l: &str) -> Line<'_> {
    let Some(rest) = l.trim_start().strip_prefix("WARNING: ThreadSanitizer: ") else {
        return Line::Other;
    };
    if rest.starts_with("data race") {
        return Line::Report;
    }
    let kind = rest.split(" (pid=").next().unwrap_or(rest).trim();
    Line::OtherWarning(kind)
}

impl Detector {
    fn name(&self) -> &str {
        match self {
            Detector::Kcsan(c) => &c.name,
            Detector::Libtsan => LIBTSAN,
        }
    }

    fn is_kcsan(&self) -> bool {
        matches!(self, Detector::Kcsan(_))
    }

    /// The environment variable and value the runs get.
    fn env(&self) -> (&'static str, &str) {
        match self {
            Detector::Kcsan(c) => ("KCSAN_OPTIONS", &c.options),
            Detector::Libtsan => ("TSAN_OPTIONS", TSAN_OPTIONS),
        }
    }

    /// `KCSAN_OPTIONS=...` as the tables show it.
    fn options_label(&self) -> String {
        match self.env() {
            (var, "") => format!("{var}=(none)"),
            (var, v) => format!("{var}={v}"),
        }
    }

    fn classifier(&self) -> fn(&str) -> Line<'_> {
        match self {
            Detector::Kcsan(_) => kcsan_line,
            Detector::Libtsan => tsan_line,
        }
    }
}

/// The `--configs` list as names, or `None` for the default selection.
fn named_configs(a: &CorpusArgs) -> Option<Vec<&str>> {
    a.configs.as_deref().map(|l| {
        l.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// The detectors to run, in table order: the kcsan configurations
/// `configs::select` picks, and libtsan where `--configs` names it or, by
/// default, last.
fn select_detectors(a: &CorpusArgs) -> Result<Vec<Detector>> {
    let named = named_configs(a);
    let asked = named.as_ref().is_some_and(|n| n.contains(&LIBTSAN));
    // libtsan belongs to the study only. The smoke mode is the test suite's:
    // it must stay fast and must not depend on gcc's libtsan or on a nightly
    // toolchain, so it never builds or runs the libtsan builds.
    if a.until_detected && asked {
        bail!("--configs: libtsan is measured only in the study mode, not with --until-detected");
    }
    let libtsan = !a.until_detected && (named.is_none() || asked);
    let kcsan = match &named {
        None => configs::select(&a.config, None, &["defaults", "kernel"])?,
        Some(n) => {
            let rest: Vec<&str> = n.iter().copied().filter(|x| *x != LIBTSAN).collect();
            if rest.is_empty() {
                // Still check every --config, so a typo is not silently
                // ignored because only libtsan was asked for.
                configs::select(&a.config, None, &[])?;
                Vec::new()
            } else {
                configs::select(&a.config, Some(&rest.join(",")), &[])?
            }
        }
    };
    let mut dets: Vec<Detector> = kcsan.into_iter().map(Detector::Kcsan).collect();
    if libtsan {
        // Where --configs puts it among the kcsan configurations; by default last.
        let at = named.as_ref().map_or(dets.len(), |n| {
            n.iter().take_while(|x| **x != LIBTSAN).count()
        });
        dets.insert(at.min(dets.len()), Detector::Libtsan);
    }
    if dets.is_empty() {
        bail!("--configs: no configuration named");
    }
    Ok(dets)
}

/// Builds every program with kcsan (`kcsan cc` / `kcsan c++ -O2 -g` and its
/// FLAGS; the Rust recipe for Rust).
fn build_kcsan(repo: &Repo, progs: &[Program], jobs: usize, route: &str) -> Result<()> {
    let include = repo.root.join("bench/corpus");
    let header = include.join("corpus.h");
    let tasks: Vec<&Program> = progs.iter().collect();
    toolchain::parallel(jobs, tasks, |p| {
        let (mut cmd, mut inputs) = if p.lang == Lang::Rust {
            let cmd = toolchain::rust_command(repo, Build::Kcsan, &p.src, &p.exe)
                .context("no Rust build")?;
            (cmd, vec![repo.rust_runtime()])
        } else {
            let mut cmd = Command::new(repo.kcsan());
            match route {
                "gcc" => cmd.env_remove("KCSAN_CC").env_remove("KCSAN_CXX"),
                _ => cmd
                    .env("KCSAN_CC", "clang-22")
                    .env("KCSAN_CXX", "clang++-22"),
            };
            cmd.env("KCSAN_LTO", if route == "lto" { "thin" } else { "0" });
            cmd.arg(if p.lang == Lang::Cxx { "c++" } else { "cc" })
                .args(["-O2", "-g"])
                .arg(format!("-I{}", include.display()))
                .args(&p.flags)
                .arg(&p.src)
                .arg("-o")
                .arg(&p.exe)
                .arg("-pthread");
            (
                cmd,
                vec![
                    header.clone(),
                    repo.kcsan(),
                    repo.release.join("libkcsan_rt.a"),
                ],
            )
        };
        inputs.push(p.src.clone());
        toolchain::step(&mut cmd, &p.exe, &inputs)
            .with_context(|| format!("while building {}", p.src.display()))
    })
}

/// One build step: the command, its output and its inputs.
type Step = (Command, PathBuf, Vec<PathBuf>);

/// The steps that build `p` with libtsan into `exe`: compile and link with
/// gcc/g++ `-fsanitize=thread -O2 -g` and the program's FLAGS (at both steps:
/// `-fopenmp` must reach the link), or nightly rustc. `None` when this
/// machine cannot (Rust without nightly).
fn libtsan_steps(repo: &Repo, p: &Program, exe: &Path) -> Option<Vec<Step>> {
    let src = p.src.clone();
    if p.lang == Lang::Rust {
        let cmd = toolchain::rust_command(repo, Build::Libtsan, &p.src, exe)?;
        return Some(vec![(cmd, exe.to_path_buf(), vec![src])]);
    }
    let include = repo.root.join("bench/corpus");
    let mut obj = exe.as_os_str().to_owned();
    obj.push(".o");
    let obj = PathBuf::from(obj);
    let mut cflags = vec![
        "-O2".to_owned(),
        "-g".to_owned(),
        format!("-I{}", include.display()),
    ];
    cflags.extend(p.flags.iter().cloned());
    let compile = toolchain::compile(repo, Build::Libtsan, p.lang, &p.src, &obj, &cflags);
    let link = toolchain::link(
        repo,
        Build::Libtsan,
        p.lang,
        std::slice::from_ref(&obj),
        exe,
        &p.flags,
    );
    Some(vec![
        (compile, obj.clone(), vec![src, include.join("corpus.h")]),
        (link, exe.to_path_buf(), vec![obj]),
    ])
}

/// Builds every program with libtsan and records the executables. Rust
/// programs without a nightly toolchain get none (said once): they are left
/// out of libtsan's column rather than failing the study.
fn build_libtsan(repo: &Repo, progs: &mut [Program], jobs: usize) -> Result<()> {
    let out = repo.out.join("corpus").join(LIBTSAN);
    let mut tasks = Vec::new();
    let mut without = 0;
    for (i, p) in progs.iter().enumerate() {
        let exe = out.join(p.set.name()).join(&p.stem);
        match libtsan_steps(repo, p, &exe) {
            Some(steps) => tasks.push((i, exe, steps)),
            None => without += 1,
        }
    }
    if without > 0 {
        println!(
            "   note: no nightly Rust toolchain (`rustc +nightly`, needed for -Zsanitizer=thread): \
             {without} Rust program(s) left out of libtsan's column"
        );
    }
    let built: Vec<(usize, PathBuf)> = tasks.iter().map(|(i, e, _)| (*i, e.clone())).collect();
    toolchain::parallel(jobs, tasks, |(i, _, steps)| {
        for (mut cmd, output, inputs) in steps {
            toolchain::step(&mut cmd, &output, &inputs).with_context(|| {
                format!("while building {} with libtsan", progs[i].src.display())
            })?;
        }
        Ok(())
    })?;
    for (i, exe) in built {
        progs[i].tsan_exe = Some(exe);
    }
    Ok(())
}

/// What one run did.
#[derive(Debug, Default)]
struct RunResult {
    /// The round (study mode) or the attempt (smoke mode) it belongs to.
    round: u32,
    reports: usize,
    /// The detector's other warnings by kind (ThreadSanitizer's "thread
    /// leak", ...): shown, never counted as detections.
    other_warnings: BTreeMap<String, usize>,
    first_report: Option<Duration>,
    wall: Duration,
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    /// The whole stderr (bounded), kept to print false positives and failures.
    stderr: String,
}

impl RunResult {
    /// Ran to the end: exit 0, or 66 (kcsan's exit code after a report, and
    /// libtsan's under [`TSAN_OPTIONS`]).
    fn completed(&self) -> bool {
        !self.timed_out && matches!(self.code, Some(0 | 66))
    }
}

const STDERR_KEEP: usize = 64 * 1024;

/// What the stderr reader found.
#[derive(Default)]
struct Scanned {
    reports: usize,
    other: BTreeMap<String, usize>,
    first: Option<Duration>,
    text: String,
}

/// Reads `stderr` to its end, classifying each line as it arrives (so that
/// the time to the first report is the line's arrival, not the exit).
fn scan_stderr(
    stderr: impl std::io::Read,
    classify: fn(&str) -> Line<'_>,
    start: Instant,
) -> Scanned {
    let mut s = Scanned::default();
    let mut r = BufReader::new(stderr);
    let mut line = Vec::new();
    while matches!(r.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        let l = String::from_utf8_lossy(&line);
        match classify(&l) {
            Line::Report => {
                s.first.get_or_insert_with(|| start.elapsed());
                s.reports += 1;
            }
            Line::OtherWarning(kind) => *s.other.entry(kind.to_owned()).or_default() += 1,
            Line::Other => {}
        }
        if s.text.len() < STDERR_KEEP {
            s.text.push_str(&l);
        }
        line.clear();
    }
    s
}

/// Runs the program once under `det`, reading its stderr as it arrives.
fn run_once(exe: &Path, det: &Detector, omp_threads: u32, timeout: Duration) -> Result<RunResult> {
    let (var, value) = det.env();
    let start = Instant::now();
    let mut child = Command::new(exe)
        // Neither runtime sees the other's options; only this detector's.
        .env_remove("KCSAN_OPTIONS")
        .env_remove("TSAN_OPTIONS")
        .env(var, value)
        .env("OMP_NUM_THREADS", omp_threads.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let stderr = child.stderr.take().context("no stderr pipe")?;
    let classify = det.classifier();
    let reader = std::thread::spawn(move || scan_stderr(stderr, classify, start));
    let mut res = RunResult::default();
    let mut nap = Duration::from_micros(200);
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if start.elapsed() >= timeout {
            res.timed_out = true;
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(5));
    };
    res.wall = start.elapsed();
    let seen = reader.join().unwrap_or_default();
    res.reports = seen.reports;
    res.other_warnings = seen.other;
    res.first_report = seen.first;
    res.stderr = seen.text;
    {
        use std::os::unix::process::ExitStatusExt;
        res.code = status.code();
        res.signal = status.signal();
    }
    Ok(res)
}

/// The runs of every (detector, program) pair, by their indices, in round
/// order. A pair without a build (libtsan, Rust, no nightly) has no entry.
type Runs = BTreeMap<(usize, usize), Vec<RunResult>>;

/// Runs every (detector, program) pair: `runs` times, or for racy programs
/// in smoke mode until the first report or the deadline.
fn run_all(progs: &[Program], dets: &[Detector], a: &CorpusArgs, jobs: usize) -> Result<Runs> {
    let timeout = Duration::from_secs_f64(a.timeout);
    let results: Mutex<Runs> = Mutex::new(BTreeMap::new());
    let done = std::sync::atomic::AtomicUsize::new(0);
    // Round by round, every detector and program once per round, so that the
    // machine's drift over the minutes of a run hits every configuration
    // (libtsan included) alike, as the workload suite interleaves its
    // variants.
    let mut tasks = Vec::new();
    for i in 0..a.runs {
        for (di, d) in dets.iter().enumerate() {
            for (pi, p) in progs.iter().enumerate() {
                if p.exe_for(d).is_none() {
                    continue;
                }
                // A known miss is run like the others (`--runs` times), not
                // until a report that never comes.
                let until_found = a.until_detected && p.set == Set::Racy && p.missed.is_none();
                match (until_found, i) {
                    (true, 0) => tasks.push((di, pi, None)),
                    (true, _) => {}
                    (false, _) => tasks.push((di, pi, Some(i))),
                }
            }
        }
    }
    let total = tasks.len();
    let step = (total / 10).max(1);
    toolchain::parallel(jobs, tasks, |(di, pi, round)| {
        let (p, d) = (&progs[pi], &dets[di]);
        let exe = p.exe_for(d).context("no build to run")?;
        let mut mine = Vec::new();
        if let Some(round) = round {
            let mut r = run_once(exe, d, a.omp_threads, timeout)?;
            r.round = round;
            mine.push(r);
        } else {
            let deadline = Instant::now() + Duration::from_secs_f64(a.deadline);
            for attempt in 0.. {
                let mut r = run_once(exe, d, a.omp_threads, timeout)?;
                r.round = attempt;
                let stop = r.reports > 0 || !r.completed() || Instant::now() >= deadline;
                mine.push(r);
                if stop {
                    break;
                }
            }
        }
        results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((di, pi))
            .or_default()
            .extend(mine);
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if n.is_multiple_of(step) || n == total {
            println!("   {n}/{total} run batches done");
        }
        Ok(())
    })?;
    let mut runs = results.into_inner().unwrap_or_else(|e| e.into_inner());
    // Jobs finish out of order; the JSON and any later look at drift want
    // the rounds in order.
    for rs in runs.values_mut() {
        rs.sort_by_key(|r| r.round);
    }
    Ok(runs)
}

fn fmt_ms(d: Option<f64>) -> String {
    d.map_or_else(|| "–".to_owned(), |s| format!("{:.0} ms", s * 1e3))
}

/// The target for a racy program: caught in at least 90% of runs.
fn caught_90(k: usize, n: usize) -> bool {
    n > 0 && k as f64 / n as f64 >= 0.9
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// What the run as a whole is judged on, and the evidence to print.
#[derive(Default)]
struct Verdict {
    /// kcsan reports on clean programs (libtsan's do not count).
    false_positives: usize,
    /// Runs of any detector that crashed or timed out.
    failures: usize,
    /// Racy programs a kcsan configuration caught in fewer than 90% of runs
    /// (smoke mode: never).
    below_target: usize,
    /// The failed runs and kcsan false positives in full, libtsan's false
    /// positives in brief; printed to stderr.
    evidence: String,
}

/// The distinct `SUMMARY:` lines of a ThreadSanitizer stderr: the gist of its
/// reports, without the stacks.
fn tsan_summaries(stderr: &str) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    for l in stderr.lines() {
        if l.starts_with("SUMMARY: ThreadSanitizer:") && !v.contains(&l) {
            v.push(l);
        }
    }
    v
}

/// Records one (detector, program) pair's runs in the verdict.
fn judge_pair(v: &mut Verdict, p: &Program, d: &Detector, rs: &[RunResult], a: &CorpusArgs) {
    for r in rs.iter().filter(|r| !r.completed()) {
        v.failures += 1;
        let how = if r.timed_out {
            format!("timed out after {:.1} s", r.wall.as_secs_f64())
        } else {
            crate::measure::describe_exit(r.code, r.signal)
        };
        let _ = writeln!(
            v.evidence,
            "FAILED RUN: {} {} ({}): {how}\n{}",
            p.set.name(),
            p.stem,
            d.name(),
            r.stderr
        );
    }
    let k = rs.iter().filter(|r| r.reports > 0).count();
    match (p.set, d) {
        (Set::Racy, Detector::Kcsan(_)) => {
            let missed = if a.until_detected {
                k == 0
            } else {
                !caught_90(k, rs.len())
            };
            v.below_target += usize::from(missed && p.missed.is_none());
        }
        (Set::Racy, Detector::Libtsan) => {}
        (Set::Clean, Detector::Kcsan(_)) => {
            for r in rs.iter().filter(|r| r.reports > 0) {
                v.false_positives += r.reports;
                let _ = writeln!(
                    v.evidence,
                    "FALSE POSITIVE: clean/{} ({}) reported:\n{}",
                    p.stem,
                    d.name(),
                    r.stderr
                );
            }
        }
        (Set::Clean, Detector::Libtsan) => {
            // ThreadSanitizer's false positive: what it flagged, not a failure.
            if let Some(r) = rs.iter().find(|r| r.reports > 0) {
                let _ = writeln!(
                    v.evidence,
                    "libtsan on clean/{} reported in {k}/{} runs (ThreadSanitizer's false positive, \
                     not a failure); the first:\n  {}\n",
                    p.stem,
                    rs.len(),
                    tsan_summaries(&r.stderr).join("\n  ")
                );
            }
        }
    }
}

fn judge(progs: &[Program], dets: &[Detector], runs: &Runs, a: &CorpusArgs) -> Verdict {
    let mut v = Verdict::default();
    for ((di, pi), rs) in runs {
        judge_pair(&mut v, &progs[*pi], &dets[*di], rs, a);
    }
    v
}

/// The line that says how the numbers were made.
fn header(progs: &[Program], dets: &[Detector], a: &CorpusArgs) -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let n_racy = progs.iter().filter(|p| p.set == Set::Racy).count();
    let n_clean = progs.len() - n_racy;
    let libtsan = if dets.iter().any(|d| !d.is_kcsan()) {
        format!(
            ", a libtsan run when it prints `WARNING: ThreadSanitizer: data race` (gcc/g++ \
             `-fsanitize=thread -O2 -g`, nightly `rustc -Zsanitizer=thread` for Rust; \
             `TSAN_OPTIONS={TSAN_OPTIONS}`)"
        )
    } else {
        String::new()
    };
    let missed: Vec<&str> = progs
        .iter()
        .filter(|p| p.missed.is_some())
        .map(|p| p.stem.as_str())
        .collect();
    let missed = if missed.is_empty() {
        String::new()
    } else {
        format!(
            " Known misses (a `MISSED:` line in their header says why; they count in every rate, \
             and the smoke mode runs them without waiting for a report): {}.",
            missed.join(", ")
        )
    };
    format!(
        "Recorded by `kcsan-bench corpus` ({n_racy} racy and {n_clean} clean programs; {} per program and \
         configuration, {} at once on {} CPUs, `OMP_NUM_THREADS={}`; load average {} at the end). A kcsan run \
         detects when it prints `BUG: KCSAN:`{libtsan}; the time to the first report is from the spawn. 95% \
         Wilson intervals.{missed}\n",
        if a.until_detected {
            "until the first report".to_owned()
        } else {
            format!("{} runs", a.runs)
        },
        a.jobs.unwrap_or_else(toolchain::cpus),
        toolchain::cpus(),
        a.omp_threads,
        load.join(" ")
    )
}

/// One detector's table: per racy program the detection probability, its
/// interval and the times; per clean program its reports.
fn detail_table(progs: &[Program], di: usize, d: &Detector, runs: &Runs) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### `{}` (`{}`)\n", d.name(), d.options_label());
    let has = |set| progs.iter().any(|p| p.set == set);
    if has(Set::Racy) {
        s.push_str(&detail_racy(progs, di, runs));
    }
    if has(Set::Clean) {
        s.push_str(&detail_clean(progs, di, d, runs));
    }
    s
}

/// The runs of (detector, program), or `None` when that pair has no build.
fn runs_of(runs: &Runs, di: usize, pi: usize) -> Option<&[RunResult]> {
    runs.get(&(di, pi)).map(Vec::as_slice)
}

fn detail_racy(progs: &[Program], di: usize, runs: &Runs) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| racy program | lang | pattern | detected | P(detect) | 95% CI | mean time to 1st report | mean run |"
    );
    let _ = writeln!(s, "|---|---|---|---:|---:|---|---:|---:|");
    let (mut pooled_k, mut pooled_n, mut at_target, mut n_racy) = (0, 0, 0, 0);
    for (pi, p) in progs.iter().enumerate() {
        if p.set != Set::Racy {
            continue;
        }
        let Some(rs) = runs_of(runs, di, pi) else {
            let _ = writeln!(
                s,
                "| {} | {} | {} | n/a | | | | |",
                p.stem,
                p.lang_name(),
                p.pattern
            );
            continue;
        };
        n_racy += 1;
        let n = rs.len();
        let k = rs.iter().filter(|r| r.reports > 0).count();
        let (lo, hi) = wilson(k, n);
        let p_hat = if n > 0 { k as f64 / n as f64 } else { 0.0 };
        pooled_k += k;
        pooled_n += n;
        at_target += usize::from(caught_90(k, n));
        let first = mean(
            rs.iter()
                .filter_map(|r| r.first_report.map(|d| d.as_secs_f64())),
        );
        let wall = mean(rs.iter().map(|r| r.wall.as_secs_f64()));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {k}/{n} | {:.2} | [{:.2}, {:.2}] | {} | {} |",
            p.stem,
            p.lang_name(),
            p.pattern,
            p_hat,
            lo,
            hi,
            fmt_ms(first),
            fmt_ms(wall)
        );
    }
    let (lo, hi) = wilson(pooled_k, pooled_n);
    let _ = writeln!(
        s,
        "\nPooled: {pooled_k}/{pooled_n} runs detected ({:.0}%, [{:.0}%, {:.0}%]); {at_target} of {n_racy} racy \
         programs caught in at least 90% of runs (target: all).\n",
        100.0 * pooled_k as f64 / pooled_n.max(1) as f64,
        100.0 * lo,
        100.0 * hi
    );
    s
}

fn detail_clean(progs: &[Program], di: usize, d: &Detector, runs: &Runs) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| clean program | lang | pattern | runs | reports | mean run |"
    );
    let _ = writeln!(s, "|---|---|---|---:|---:|---:|");
    let mut total = 0;
    for (pi, p) in progs.iter().enumerate() {
        if p.set != Set::Clean {
            continue;
        }
        let Some(rs) = runs_of(runs, di, pi) else {
            let _ = writeln!(
                s,
                "| {} | {} | {} | n/a | | |",
                p.stem,
                p.lang_name(),
                p.pattern
            );
            continue;
        };
        let reports: usize = rs.iter().map(|r| r.reports).sum();
        total += reports;
        let wall = mean(rs.iter().map(|r| r.wall.as_secs_f64()));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            p.stem,
            p.lang_name(),
            p.pattern,
            rs.len(),
            if reports == 0 {
                "0".to_owned()
            } else {
                format!("**{reports}**")
            },
            fmt_ms(wall)
        );
    }
    let verdict = match (total, d.is_kcsan()) {
        (0, _) => "no report (target: none)".to_owned(),
        (n, true) => format!("**{n} false positives** (target: none)"),
        (n, false) => format!(
            "{n} reports, ThreadSanitizer's false positives (shown for its precision; they do not fail \
             the benchmark)"
        ),
    };
    let _ = writeln!(s, "\nClean corpus: {verdict}.\n");
    s
}

/// The output: what is printed, what `--write-benchmarks` records.
struct Report {
    printed: String,
    recorded: String,
}

fn render(progs: &[Program], dets: &[Detector], runs: &Runs, a: &CorpusArgs) -> Report {
    let head = header(progs, dets, a);
    let details: String = dets
        .iter()
        .enumerate()
        .map(|(di, d)| detail_table(progs, di, d, runs))
        .collect();
    if a.until_detected {
        // Runs stop at the first report, so rates and the 5-run estimates
        // would be meaningless: the per-configuration tables are the output.
        let text = format!("{head}\n{details}");
        return Report {
            printed: text.clone(),
            recorded: text,
        };
    }
    let study = study::render(progs, dets, runs, a.runs as usize);
    let recorded = format!("{head}\n{study}");
    let printed = if a.detail {
        format!("{recorded}\n## Per configuration\n\n{details}")
    } else {
        recorded.clone()
    };
    Report { printed, recorded }
}

fn check_args(a: &CorpusArgs) -> Result<()> {
    let positive = |x: f64| x > 0.0 && x.is_finite();
    if !(positive(a.timeout) && positive(a.deadline)) {
        bail!("--timeout and --deadline must be positive numbers of seconds");
    }
    if a.until_detected && a.write_benchmarks {
        bail!(
            "--write-benchmarks records the study; the smoke mode (--until-detected) has no rates to record"
        );
    }
    Ok(())
}

/// Prints the failures and returns whether the benchmark failed.
fn conclude(v: &Verdict, a: &CorpusArgs) -> bool {
    let mut bad = false;
    if v.false_positives > 0 {
        println!(
            "FAIL: {} kcsan false positive report(s) on the clean corpus (printed above)",
            v.false_positives
        );
        bad = true;
    }
    if v.failures > 0 {
        println!(
            "FAIL: {} run(s) crashed or timed out (printed above)",
            v.failures
        );
        bad = true;
    }
    if v.below_target > 0 {
        if a.until_detected {
            println!(
                "FAIL: {} racy program(s) not detected before the deadline",
                v.below_target
            );
            bad = true;
        } else {
            println!(
                "{}: {} (kcsan configuration, racy program) pair(s) caught in fewer than 90% of runs",
                if a.strict { "FAIL" } else { "note" },
                v.below_target
            );
            bad |= a.strict;
        }
    }
    bad
}

/// `kcsan-bench corpus ...`
pub(crate) fn main(a: CorpusArgs) -> Result<ExitCode> {
    check_args(&a)?;
    let dets = select_detectors(&a)?;
    let repo = Repo::locate()?;
    let mut progs = discover(&repo, &a)?;
    repo.ensure_runtime(a.no_build)?;
    let jobs = a.jobs.unwrap_or_else(toolchain::cpus).max(1);
    println!(
        "== building {} corpus programs with kcsan ({})",
        progs.len(),
        match a.route.as_str() {
            "gcc" => "gcc",
            "clang" => "clang-22",
            _ => "clang-22, the LTO route",
        }
    );
    build_kcsan(&repo, &progs, jobs, &a.route)?;
    if a.repro {
        println!(
            "== kcsan repro: a report at the defaults (up to {} runs), then {} runs at the defaults and {} focused; {} focused runs of each fixed twin",
            a.find, a.runs, a.runs, a.fix_runs
        );
        let text = repro::main(&repo, &progs, &a, jobs)?;
        println!("\n{text}");
        if a.write_benchmarks {
            let path = repo.root.join("BENCHMARKS.md");
            let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
            let head = format!(
                "Recorded by `kcsan-bench corpus --repro` ({} runs at the defaults and {} focused per racy program, {} per fixed twin; {} at once on {} CPUs, `OMP_NUM_THREADS={}`; load average {} at the end). Bold: at least 90%.\n\n",
                a.runs,
                a.runs,
                a.fix_runs,
                jobs,
                toolchain::cpus(),
                a.omp_threads,
                load.split_whitespace()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            crate::markdown::write_section(
                &path,
                "repro",
                "### Focus: `kcsan repro` on the corpus",
                &(head + &text),
            )?;
            println!("wrote the repro section of {}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Only when libtsan is selected, which select_detectors never does in
    // the smoke mode.
    if dets.iter().any(|d| !d.is_kcsan()) {
        println!("== building {} corpus programs with libtsan", progs.len());
        build_libtsan(&repo, &mut progs, jobs)?;
    }
    println!(
        "== running ({} configurations: {}; OMP_NUM_THREADS={})",
        dets.len(),
        dets.iter()
            .map(Detector::name)
            .collect::<Vec<_>>()
            .join(", "),
        a.omp_threads
    );
    let runs = run_all(&progs, &dets, &a, jobs)?;
    let verdict = judge(&progs, &dets, &runs, &a);
    if !verdict.evidence.is_empty() {
        eprintln!("{}", verdict.evidence);
    }
    let out = render(&progs, &dets, &runs, &a);
    println!("\n{}", out.printed);
    if let Some(path) = &a.json {
        study::write_json(path, &progs, &dets, &runs, &a)?;
        println!("wrote every run and the summary to {}", path.display());
    }
    if a.write_benchmarks {
        let path = repo.root.join("BENCHMARKS.md");
        crate::markdown::write_section(
            &path,
            "corpus",
            "## Racy and clean corpora (`kcsan-bench corpus`)",
            &out.recorded,
        )?;
        println!("wrote the corpus section of {}", path.display());
    }
    Ok(if conclude(&verdict, &a) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn headers_are_required() {
        let dir = std::env::temp_dir().join(format!("kcsan-bench-corpus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("x.c");
        std::fs::write(&f, "// PATTERN: p\n// FLAGS: -fopenmp\nint x; /* RACE */\n").unwrap();
        let p = parse_program(Set::Racy, &f, &dir).unwrap();
        assert_eq!(
            (p.pattern.as_str(), p.flags.as_slice()),
            ("p", &["-fopenmp".to_owned()][..])
        );
        assert_eq!(p.lang_name(), "C/OpenMP");
        let e = parse_program(Set::Clean, &f, &dir).unwrap_err();
        assert!(format!("{e:#}").contains("FIX:"), "{e:#}");
        assert_eq!(p.missed, None);
        std::fs::write(
            &f,
            "// PATTERN: p\n// MISSED: never overlaps\nint x; /* RACE */\n// FIX: f\n",
        )
        .unwrap();
        let p = parse_program(Set::Racy, &f, &dir).unwrap();
        assert_eq!(p.missed.as_deref(), Some("never overlaps"));
        let e = parse_program(Set::Clean, &f, &dir).unwrap_err();
        assert!(format!("{e:#}").contains("MISSED:"), "{e:#}");
        std::fs::write(&f, "int x;\n").unwrap();
        let e = parse_program(Set::Racy, &f, &dir).unwrap_err();
        assert!(format!("{e:#}").contains("x.c: no `// PATTERN:`"), "{e:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tsan_lines_data_races_only() {
        assert_eq!(
            tsan_line("WARNING: ThreadSanitizer: data race (pid=5422)\n"),
            Line::Report
        );
        assert_eq!(
            tsan_line(
                "WARNING: ThreadSanitizer: data race on vptr (ctor/dtor vs virtual call) (pid=7)"
            ),
            Line::Report
        );
        assert_eq!(
            tsan_line("WARNING: ThreadSanitizer: thread leak (pid=12)\n"),
            Line::OtherWarning("thread leak")
        );
        assert_eq!(
            tsan_line(
                "WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=3)"
            ),
            Line::OtherWarning("lock-order-inversion (potential deadlock)")
        );
        // The summary and the closing count are not reports of their own.
        for l in [
            "SUMMARY: ThreadSanitizer: data race x.c:24 in main._omp_fn.0",
            "ThreadSanitizer: reported 3 warnings",
            "  Write of size 8 at 0x562d14968738 by main thread:",
            "BUG: KCSAN: data-race in f / g",
        ] {
            assert_eq!(tsan_line(l), Line::Other, "{l}");
        }
        assert_eq!(kcsan_line("BUG: KCSAN: data-race in f / g\n"), Line::Report);
        assert_eq!(
            kcsan_line("WARNING: ThreadSanitizer: data race (pid=1)"),
            Line::Other
        );
    }

    #[test]
    fn scanning_counts_reports_and_other_warnings() {
        let err = "==================\nWARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 4\n\
                   SUMMARY: ThreadSanitizer: data race a.c:3 in f\n\
                   WARNING: ThreadSanitizer: thread leak (pid=1)\n\
                   WARNING: ThreadSanitizer: data race (pid=1)\n";
        let s = scan_stderr(err.as_bytes(), tsan_line, Instant::now());
        assert_eq!(s.reports, 2);
        assert_eq!(s.other.get("thread leak"), Some(&1));
        assert!(s.first.is_some());
        assert_eq!(
            tsan_summaries(err),
            ["SUMMARY: ThreadSanitizer: data race a.c:3 in f"]
        );
    }

    /// `kcsan-bench corpus ARGS` parsed as the binary would.
    fn args(v: &[&str]) -> CorpusArgs {
        #[derive(clap::Parser)]
        struct T {
            #[command(flatten)]
            a: CorpusArgs,
        }
        T::try_parse_from(std::iter::once("corpus").chain(v.iter().copied()))
            .unwrap()
            .a
    }

    fn names(v: &[&str]) -> Result<Vec<String>> {
        let d = select_detectors(&args(v))?;
        Ok(d.iter().map(|d| d.name().to_owned()).collect())
    }

    #[test]
    fn libtsan_is_in_the_study_only() {
        assert_eq!(names(&[]).unwrap(), ["defaults", "kernel", "libtsan"]);
        assert_eq!(
            names(&["--config", "b=skip_watch=10"]).unwrap(),
            ["defaults", "kernel", "b", "libtsan"]
        );
        assert_eq!(
            names(&["--configs", "libtsan,kernel"]).unwrap(),
            ["libtsan", "kernel"]
        );
        assert_eq!(names(&["--configs", "libtsan"]).unwrap(), ["libtsan"]);
        assert_eq!(names(&["--configs", "kernel"]).unwrap(), ["kernel"]);
        // The smoke mode never runs libtsan, and says so when asked to.
        assert_eq!(
            names(&["--until-detected"]).unwrap(),
            ["defaults", "kernel"]
        );
        let e = names(&["--until-detected", "--configs", "defaults,libtsan"]).unwrap_err();
        assert!(format!("{e:#}").contains("only in the study mode"), "{e:#}");
        // A bad --config is caught even when only libtsan runs.
        assert!(names(&["--configs", "libtsan", "--config", "x=nope=1"]).is_err());
        assert!(names(&["--configs", ","]).is_err());
    }
}
