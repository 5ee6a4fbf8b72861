//! `kcsan-bench corpus`: how likely one run is to catch a real race, and
//! that correct programs are never reported.
//!
//! `bench/corpus/racy/` holds programs with one data race each, of the kinds
//! people actually write; `bench/corpus/clean/` holds their fixed twins
//! (same file name). Every program is built with kcsan and run `--runs` times
//! per configuration, several at once. A run *detects* when its stderr has a
//! `BUG: KCSAN:` title line; the time to the first report is measured from
//! the spawn to that line's arrival (as `kcsan hunt` does). Per racy program
//! the table gives the detection probability with a Wilson 95% interval and
//! the mean time to the first report. Any report from a clean program is a
//! false positive: it is printed in full and the benchmark fails.
//!
//! `--until-detected` is the cheap smoke mode the test suite uses: each racy
//! program is rerun until its first report or the deadline.

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
    /// Runs per program and configuration.
    #[arg(short = 'n', long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Programs run at once (default: the number of CPUs).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// A kcsan configuration `NAME=KCSAN_OPTIONS` (repeatable); a built-in's
    /// name (fastpath, kernel, defaults) replaces it.
    #[arg(long = "config", value_name = "NAME=OPTIONS")]
    config: Vec<String>,
    /// Comma-separated configurations to run (default: defaults, kernel and
    /// those given with --config).
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
    /// Smoke mode: rerun each racy program until its first report or
    /// --deadline (clean programs still run --runs times).
    #[arg(long)]
    until_detected: bool,
    /// With --until-detected: give up on a racy program after this many seconds.
    #[arg(long, default_value_t = 120.0, value_name = "SECS")]
    deadline: f64,
    /// Exit non-zero also when a racy program is caught in fewer than 90% of runs.
    #[arg(long)]
    strict: bool,
    /// Rewrite the corpus section of BENCHMARKS.md with the tables.
    #[arg(long)]
    write_benchmarks: bool,
    /// Do not run `cargo build --release` for the runtime first.
    #[arg(long)]
    no_build: bool,
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
    exe: PathBuf,
}

impl Program {
    fn lang_name(&self) -> &'static str {
        match (self.lang, self.flags.iter().any(|f| f == "-fopenmp")) {
            (Lang::C, true) => "C/OpenMP",
            (Lang::C, false) => "C",
            (Lang::Cxx, _) => "C++",
            (Lang::Rust, _) => "Rust",
        }
    }
}

/// Reads a program's header: `PATTERN:` (required), `FLAGS:` (optional), and
/// checks for the marker its corpus requires (`RACE` / `FIX:`).
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
        stem,
        src: src.to_path_buf(),
        lang,
        pattern,
        flags,
    })
}

fn discover(repo: &Repo, a: &CorpusArgs) -> Result<Vec<Program>> {
    let dir = repo.root.join("bench/corpus");
    let out = repo.out.join("corpus");
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

fn build(repo: &Repo, progs: &[Program], jobs: usize) -> Result<()> {
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

/// What one run did.
#[derive(Debug, Default)]
struct RunResult {
    reports: usize,
    first_report: Option<Duration>,
    wall: Duration,
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    /// The whole stderr (bounded), kept to print false positives and failures.
    stderr: String,
}

impl RunResult {
    /// Ran to the end: exit 0, or 66 (the runtime's exit code after a report).
    fn completed(&self) -> bool {
        !self.timed_out && matches!(self.code, Some(0 | 66))
    }
}

const STDERR_KEEP: usize = 64 * 1024;

/// Runs the program once, reading its stderr as it arrives.
fn run_once(exe: &Path, options: &str, timeout: Duration) -> Result<RunResult> {
    let start = Instant::now();
    let mut child = Command::new(exe)
        .env("KCSAN_OPTIONS", options)
        .env_remove("TSAN_OPTIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let stderr = child.stderr.take().context("no stderr pipe")?;
    let reader = std::thread::spawn(move || {
        let (mut reports, mut first, mut text) = (0, None, String::new());
        let mut r = BufReader::new(stderr);
        let mut line = Vec::new();
        while matches!(r.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let l = String::from_utf8_lossy(&line);
            if l.trim_start().starts_with("BUG: KCSAN: ") {
                first.get_or_insert_with(|| start.elapsed());
                reports += 1;
            }
            if text.len() < STDERR_KEEP {
                text.push_str(&l);
            }
            line.clear();
        }
        (reports, first, text)
    });
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
    let (reports, first, text) = reader.join().unwrap_or_default();
    (res.reports, res.first_report, res.stderr) = (reports, first, text);
    {
        use std::os::unix::process::ExitStatusExt;
        res.code = status.code();
        res.signal = status.signal();
    }
    Ok(res)
}

/// The runs of one program under one configuration.
type Runs = BTreeMap<(usize, usize), Vec<RunResult>>;

/// Runs every (configuration, program) pair: `runs` times, or for racy
/// programs in smoke mode until the first report or the deadline.
fn run_all(progs: &[Program], cfgs: &[Config], a: &CorpusArgs, jobs: usize) -> Result<Runs> {
    let timeout = Duration::from_secs_f64(a.timeout);
    let results: Mutex<Runs> = Mutex::new(BTreeMap::new());
    let done = std::sync::atomic::AtomicUsize::new(0);
    // Round by round, every configuration and program once per round, so
    // that the machine's drift over the minutes of a run hits every
    // configuration alike (as the workload suite interleaves its variants).
    let mut tasks = Vec::new();
    let rounds = if a.until_detected {
        a.runs.max(1)
    } else {
        a.runs
    };
    for i in 0..rounds {
        for ci in 0..cfgs.len() {
            for (pi, p) in progs.iter().enumerate() {
                match (a.until_detected && p.set == Set::Racy, i) {
                    (true, 0) => tasks.push((ci, pi, None)),
                    (true, _) => {}
                    (false, _) => tasks.push((ci, pi, Some(i))),
                }
            }
        }
    }
    let total = tasks.len();
    let step = (total / 10).max(1);
    toolchain::parallel(jobs, tasks, |(ci, pi, i)| {
        let p = &progs[pi];
        let opts = &cfgs[ci].options;
        let mut mine = Vec::new();
        if i.is_some() {
            mine.push(run_once(&p.exe, opts, timeout)?);
        } else {
            let deadline = Instant::now() + Duration::from_secs_f64(a.deadline);
            loop {
                let r = run_once(&p.exe, opts, timeout)?;
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
            .entry((ci, pi))
            .or_default()
            .extend(mine);
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if n % step == 0 || n == total {
            println!("   {n}/{total} run batches done");
        }
        Ok(())
    })?;
    Ok(results.into_inner().unwrap_or_else(|e| e.into_inner()))
}

fn fmt_ms(d: Option<f64>) -> String {
    d.map_or_else(|| "–".to_owned(), |s| format!("{:.0} ms", s * 1e3))
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// The outcome: the markdown, and the counts that decide the exit status.
struct Outcome {
    text: String,
    false_positives: usize,
    failures: usize,
    below_target: usize,
}

fn render(progs: &[Program], cfgs: &[Config], runs: &Runs, a: &CorpusArgs) -> Outcome {
    let mut s = String::new();
    let mut fp_text = String::new();
    let (mut false_positives, mut failures, mut below_target) = (0, 0, 0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let n_racy = progs.iter().filter(|p| p.set == Set::Racy).count();
    let n_clean = progs.len() - n_racy;
    let _ = writeln!(
        s,
        "Recorded by `kcsan-bench corpus` ({} racy and {} clean programs; {} per program and configuration, {} at \
         once on {} CPUs; load average {} at the end). A run detects when it prints `BUG: KCSAN:`; the time to \
         the first report is from the spawn. 95% Wilson intervals.\n",
        n_racy,
        n_clean,
        if a.until_detected {
            "until the first report".to_owned()
        } else {
            format!("{} runs", a.runs)
        },
        a.jobs.unwrap_or_else(toolchain::cpus),
        toolchain::cpus(),
        load.join(" ")
    );
    for (ci, c) in cfgs.iter().enumerate() {
        let opts = if c.options.is_empty() {
            "(none)".to_owned()
        } else {
            c.options.clone()
        };
        let _ = writeln!(s, "### `{}` (`KCSAN_OPTIONS={opts}`)\n", c.name);
        if n_racy > 0 {
            let _ = writeln!(
                s,
                "| racy program | lang | pattern | detected | P(detect) | 95% CI | mean time to 1st report | mean run |"
            );
            let _ = writeln!(s, "|---|---|---|---:|---:|---|---:|---:|");
        }
        let (mut pooled_k, mut pooled_n, mut at_target) = (0, 0, 0);
        let mut clean_rows = String::new();
        let mut clean_reports = 0;
        for (pi, p) in progs.iter().enumerate() {
            let rs = runs.get(&(ci, pi)).map_or(&[][..], Vec::as_slice);
            for r in rs.iter().filter(|r| !r.completed()) {
                failures += 1;
                let how = if r.timed_out {
                    format!("timed out after {:.1} s", r.wall.as_secs_f64())
                } else {
                    crate::measure::describe_exit(r.code, r.signal)
                };
                let _ = writeln!(
                    fp_text,
                    "FAILED RUN: {} {} ({}): {how}\n{}",
                    p.set.name(),
                    p.stem,
                    c.name,
                    r.stderr
                );
            }
            let n = rs.len();
            let k = rs.iter().filter(|r| r.reports > 0).count();
            let wall = mean(rs.iter().map(|r| r.wall.as_secs_f64()));
            match p.set {
                Set::Racy => {
                    let (lo, hi) = wilson(k, n);
                    let p_hat = if n > 0 { k as f64 / n as f64 } else { 0.0 };
                    pooled_k += k;
                    pooled_n += n;
                    if p_hat >= 0.9 {
                        at_target += 1;
                    } else if !a.until_detected {
                        below_target += 1;
                    }
                    if a.until_detected && k == 0 {
                        below_target += 1;
                    }
                    let first = mean(
                        rs.iter()
                            .filter_map(|r| r.first_report.map(|d| d.as_secs_f64())),
                    );
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
                Set::Clean => {
                    let reports: usize = rs.iter().map(|r| r.reports).sum();
                    clean_reports += reports;
                    false_positives += reports;
                    for r in rs.iter().filter(|r| r.reports > 0) {
                        let _ = writeln!(
                            fp_text,
                            "FALSE POSITIVE: clean/{} ({}) reported:\n{}",
                            p.stem, c.name, r.stderr
                        );
                    }
                    let _ = writeln!(
                        clean_rows,
                        "| {} | {} | {} | {n} | {} | {} |",
                        p.stem,
                        p.lang_name(),
                        p.pattern,
                        if reports == 0 {
                            "0".to_owned()
                        } else {
                            format!("**{reports}**")
                        },
                        fmt_ms(wall)
                    );
                }
            }
        }
        if n_racy > 0 {
            let (lo, hi) = wilson(pooled_k, pooled_n);
            let _ = writeln!(
                s,
                "\nPooled: {pooled_k}/{pooled_n} runs detected ({:.0}%, [{:.0}%, {:.0}%]); {at_target} of {n_racy} racy \
                 programs caught in at least 90% of runs (target: all).\n",
                100.0 * pooled_k as f64 / pooled_n.max(1) as f64,
                100.0 * lo,
                100.0 * hi
            );
        }
        if n_clean > 0 {
            let _ = writeln!(
                s,
                "| clean program | lang | pattern | runs | reports | mean run |"
            );
            let _ = writeln!(s, "|---|---|---|---:|---:|---:|");
            s.push_str(&clean_rows);
            let _ = writeln!(
                s,
                "\nClean corpus: {} (target: none).\n",
                if clean_reports == 0 {
                    "no report".to_owned()
                } else {
                    format!("**{clean_reports} false positives**")
                }
            );
        }
    }
    if !fp_text.is_empty() {
        eprintln!("{fp_text}");
    }
    Outcome {
        text: s,
        false_positives,
        failures,
        below_target,
    }
}

/// `kcsan-bench corpus ...`
pub(crate) fn main(a: CorpusArgs) -> Result<ExitCode> {
    let cfgs = configs::select(&a.config, a.configs.as_deref(), &["defaults", "kernel"])?;
    let positive = |x: f64| x > 0.0 && x.is_finite();
    if !(positive(a.timeout) && positive(a.deadline)) {
        bail!("--timeout and --deadline must be positive numbers of seconds");
    }
    let repo = Repo::locate()?;
    let progs = discover(&repo, &a)?;
    repo.ensure_runtime(a.no_build)?;
    let jobs = a.jobs.unwrap_or_else(toolchain::cpus).max(1);
    println!("== building {} corpus programs with kcsan", progs.len());
    build(&repo, &progs, jobs)?;
    println!(
        "== running ({} configurations: {})",
        cfgs.len(),
        cfgs.iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let runs = run_all(&progs, &cfgs, &a, jobs)?;
    let out = render(&progs, &cfgs, &runs, &a);
    println!("\n{}", out.text);
    if a.write_benchmarks {
        let path = repo.root.join("BENCHMARKS.md");
        crate::markdown::write_section(
            &path,
            "corpus",
            "## Racy and clean corpora (`kcsan-bench corpus`)",
            &out.text,
        )?;
        println!("wrote the corpus section of {}", path.display());
    }
    let mut bad = false;
    if out.false_positives > 0 {
        println!(
            "FAIL: {} false positive report(s) on the clean corpus (printed above)",
            out.false_positives
        );
        bad = true;
    }
    if out.failures > 0 {
        println!(
            "FAIL: {} run(s) crashed or timed out (printed above)",
            out.failures
        );
        bad = true;
    }
    if out.below_target > 0 {
        if a.until_detected {
            println!(
                "FAIL: {} racy program(s) not detected before the deadline",
                out.below_target
            );
            bad = true;
        } else {
            println!(
                "{}: {} racy program(s) caught in fewer than 90% of runs",
                if a.strict { "FAIL" } else { "note" },
                out.below_target
            );
            bad |= a.strict;
        }
    }
    Ok(if bad {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        std::fs::write(&f, "int x;\n").unwrap();
        let e = parse_program(Set::Racy, &f, &dir).unwrap_err();
        assert!(format!("{e:#}").contains("x.c: no `// PATTERN:`"), "{e:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
