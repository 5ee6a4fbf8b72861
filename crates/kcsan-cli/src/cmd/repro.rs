//! `kcsan repro --report LOG [-n N] -- PROG ARGS`: make a reported race
//! happen again, and `--confirm-fix`: show that it does not any more.
//!
//! A sampling detector reports a race in some runs and not in others. Given
//! a report, `repro` reads which functions raced (the title names the top
//! frame of each side), reruns the program with those functions focused
//! (`focus_functions`: every access in them is watched, cold code with long
//! stalls; GUIDE "Focus") and counts the runs in which the same race (same
//! kind, same functions) comes back, with a Wilson 95% interval.
//!
//! `--confirm-fix` turns the question around for a fixed program: it runs N
//! focused runs and, if none reports anything, prints the upper bound on the
//! per-run probability of the race that the clean runs allow (95%) and
//! exits 0; the first report stops it: the report is printed and it exits 66.
//!
//! Reports are read from our text format (also inside other output), our
//! JSON Lines, ThreadSanitizer's format (ours with `report_format=tsan`, or
//! libtsan's), and kernel logs (prefixes as `triage` strips them); the first
//! report is used unless `--title` picks another.
//!
//! Exit status: repro 0 when the race came back at least once, 1 when it did
//! not; `--confirm-fix` 0 clean, 66 a report; 2 an error (no report in the
//! log, none of its functions in the program, a run that crashed).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use kcsan_core::config::Flags;
use serde::Serialize;

use super::hunt::{RunResult, check_program, check_writable, run_once, wilson};

/// The arguments of `kcsan repro`.
#[derive(clap::Args, Debug)]
pub(crate) struct ReproArgs {
    /// The log holding the report: our text or JSON output, a
    /// ThreadSanitizer report, or a kernel log (`-`: standard input).
    #[arg(long, value_name = "LOG")]
    report: PathBuf,
    /// Use the first report whose title contains this text (default: the
    /// log's first report).
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// Focused runs.
    #[arg(short = 'n', long = "runs", value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Runs at once (default: the number of CPUs).
    #[arg(short = 'j', long = "jobs", value_name = "JOBS",
          value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// A runtime option for every run, `name=value` (repeatable), e.g.
    /// `-o focus_only=1` or `-o udelay_focus=20000`.
    #[arg(short = 'o', long = "option", value_name = "NAME=VALUE")]
    option: Vec<String>,
    /// The fix is in: succeed after N clean focused runs (printing how
    /// unlikely the race still is); stop at the first report and exit 66.
    #[arg(long)]
    confirm_fix: bool,
    /// Kill a run after this many seconds (it counts as not reproducing
    /// unless it had reported already).
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// The program and its arguments (after `--`).
    #[arg(required = true, last = true)]
    program: Vec<OsString>,
}

/// The race to reproduce, as a report named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Race {
    /// Its title, as our report prints it (without `BUG: KCSAN: `).
    pub(crate) title: String,
    /// `data-race` or `assert: race`.
    pub(crate) kind: String,
    /// The racing functions (one for a race of unknown origin), sorted.
    pub(crate) functions: Vec<String>,
}

impl Race {
    /// Builds a race from a title without the `BUG: KCSAN: ` prefix, e.g.
    /// `data-race in reader / writer` or `data-race in f+0x38/0x67`.
    pub(crate) fn from_title(title: &str) -> Option<Race> {
        let title = title.trim();
        let (kind, funcs) = title.split_once(" in ")?;
        let mut functions: Vec<String> = funcs
            .split(" / ")
            .map(|f| strip_offset(f.trim()).to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        if functions.is_empty() || kind.is_empty() {
            return None;
        }
        functions.sort();
        functions.dedup();
        Some(Race {
            title: title.to_owned(),
            kind: kind.to_owned(),
            functions,
        })
    }

    /// Whether a title printed by a run is this race: the same kind between
    /// the same functions.
    pub(crate) fn matches(&self, title: &str) -> bool {
        Race::from_title(title)
            .is_some_and(|r| r.kind == self.kind && r.functions == self.functions)
    }

    /// The `focus_functions` value for these functions, quoted for
    /// KCSAN_OPTIONS.
    fn focus_option(&self) -> String {
        let list = self.functions.join(";");
        let q = if list.contains('\'') { '"' } else { '\'' };
        format!("focus_functions={q}{list}{q}")
    }
}

/// `f+0x38/0x67` -> `f` (a `%pS` symbol with offset and size).
fn strip_offset(f: &str) -> &str {
    match f.rfind("+0x") {
        Some(i) if f[i + 1..].contains('/') => &f[..i],
        _ => f,
    }
}

/// Finds the reports in a log: ours (text or JSON Lines), ThreadSanitizer's,
/// or a kernel log's. Returns them in order.
pub(crate) fn find_races(log: &str) -> Vec<Race> {
    let mut races = Vec::new();
    let lines: Vec<&str> = log.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(at) = line.find("BUG: KCSAN: ") {
            if let Some(r) = Race::from_title(&line[at + "BUG: KCSAN: ".len()..]) {
                races.push(r);
            }
        } else if line.trim_start().starts_with('{') {
            if let Some(r) = json_race(line) {
                races.push(r);
            }
        } else if line.contains("WARNING: ThreadSanitizer: data race") {
            let (race, next) = tsan_race(&lines, i + 1);
            races.extend(race);
            i = next;
            continue;
        }
        i += 1;
    }
    races
}

/// A JSON Lines report of ours: `{"type":"race","data":{"title":...}}`.
fn json_race(line: &str) -> Option<Race> {
    let v: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
    if v.get("type")?.as_str()? != "race" {
        return None;
    }
    Race::from_title(v.get("data")?.get("title")?.as_str()?)
}

/// A ThreadSanitizer report starting at `lines[from]` (after its `WARNING`
/// line): the first frame under each of its first two access lines. Returns
/// the race and the index after the report.
fn tsan_race(lines: &[&str], from: usize) -> (Option<Race>, usize) {
    let mut functions = Vec::new();
    let mut want_frame = false;
    let mut i = from;
    while i < lines.len() {
        let t = lines[i].trim();
        if t.starts_with("WARNING: ThreadSanitizer:") || t.starts_with("SUMMARY: ThreadSanitizer") {
            if t.starts_with("SUMMARY") {
                i += 1;
            }
            break;
        }
        let access = [
            "Read of size",
            "Write of size",
            "Previous read",
            "Previous write",
            "Atomic ",
        ]
        .iter()
        .any(|p| t.starts_with(p));
        if access && functions.len() < 2 {
            want_frame = true;
        } else if want_frame && let Some(frame) = t.strip_prefix("#0 ") {
            functions.push(tsan_function(frame));
            want_frame = false;
        }
        i += 1;
    }
    if functions.is_empty() {
        return (None, i);
    }
    functions.sort();
    let title = format!("data-race in {}", functions.join(" / "));
    (Race::from_title(&title), i)
}

/// The function of a ThreadSanitizer frame `func file:line (module+0x...)`.
fn tsan_function(frame: &str) -> String {
    let mut f = frame.trim();
    if f.ends_with(')')
        && let Some(i) = f.rfind(" (")
    {
        f = &f[..i];
    }
    // The location is the last word when it looks like `file:line[:col]`
    // (or `<null>`).
    if let Some(i) = f.rfind(' ') {
        let loc = &f[i + 1..];
        if loc == "<null>"
            || loc
                .rsplit(':')
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        {
            f = &f[..i];
        }
    }
    f.trim().to_owned()
}

/// Reads the log (`-`: standard input).
fn read_log(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read the report from standard input")?;
    } else {
        bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the report {}", path.display()))?;
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The names a run's runtime said it could not find
/// (`kcsan: focus: no function named 'f' in the program`).
fn missing_functions(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("kcsan: focus: no function named '"))
        .filter_map(|l| l.split_once("' in the program").map(|(f, _)| f.to_owned()))
        .collect()
}

/// The first report in a run's standard error, from its opening rule to
/// its closing one.
fn first_report_text(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(title) = lines.iter().position(|l| l.contains("BUG: KCSAN: ")) else {
        return String::new();
    };
    let start = if title > 0 && lines[title - 1].starts_with("====") {
        title - 1
    } else {
        title
    };
    let end = lines[title + 1..]
        .iter()
        .position(|l| l.starts_with("===="))
        .map_or(lines.len(), |i| title + 2 + i);
    lines[start..end].join("\n") + "\n"
}

/// A signal's name, for the crash message.
fn signal_name(sig: i32) -> String {
    // SAFETY: strsignal returns a pointer to a static or thread-local string
    // (or null), read at once.
    let name = unsafe {
        let p = libc::strsignal(sig);
        (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
    };
    match name {
        Some(n) => format!("signal {sig}, {n}"),
        None => format!("signal {sig}"),
    }
}

/// The JSON document (`--json`), in `hunt`'s style.
#[derive(Debug, Serialize)]
struct ReproJson {
    program: Vec<String>,
    report: String,
    race: Race,
    mode: &'static str,
    options: Vec<String>,
    runs: usize,
    jobs: usize,
    timeout_secs: Option<f64>,
    reproduced: usize,
    probability: f64,
    ci95: (f64, f64),
    /// `--confirm-fix` with no report: the 95% upper bound on the per-run
    /// probability of any report under focus.
    upper_bound_95: Option<f64>,
    mean_secs_to_report: Option<f64>,
    mean_run_secs: f64,
    other_titles: BTreeMap<String, usize>,
    timeouts: usize,
}

/// `kcsan repro ...`
pub(crate) fn main(a: ReproArgs) -> Result<ExitCode> {
    let log = read_log(&a.report)?;
    let races = find_races(&log);
    let race = match &a.title {
        Some(t) => races
            .iter()
            .find(|r| r.title.contains(t.as_str()))
            .with_context(|| {
                format!(
                    "no report in {} has a title containing '{t}' ({} report{} found)",
                    a.report.display(),
                    races.len(),
                    if races.len() == 1 { "" } else { "s" }
                )
            })?,
        None => races.first().with_context(|| {
            format!(
                "no KCSAN or ThreadSanitizer report in {} (expected a `BUG: KCSAN:` title, a JSON \
                 race object or a `WARNING: ThreadSanitizer: data race` block)",
                a.report.display()
            )
        })?,
    }
    .clone();
    let distinct: std::collections::BTreeSet<&str> =
        races.iter().map(|r| r.title.as_str()).collect();

    let Some((prog, prog_args)) = a.program.split_first() else {
        bail!("no program to run (usage: kcsan repro --report LOG -- PROGRAM [ARGS...])");
    };
    if let Some(t) = a.timeout
        && !(t.is_finite() && t > 0.0 && t <= 1e9)
    {
        bail!("--timeout must be a positive number of seconds (at most 1e9), not {t:?}");
    }
    // Everything is validated before the first run.
    let inherited = std::env::var("KCSAN_OPTIONS").unwrap_or_default();
    let mut check = Flags::DEFAULT;
    check.parse_options(&inherited, "KCSAN_OPTIONS")?;
    for o in &a.option {
        check.parse_options(o, "kcsan repro -o")?;
    }
    check.resolve()?;
    check_program(Path::new(prog))?;
    if let Some(p) = &a.json {
        check_writable(p, "--json")?;
    }

    // Our runs print our text reports to stderr, where they are read.
    let mut parts = vec![inherited.clone()];
    parts.extend(a.option.iter().cloned());
    parts.push(race.focus_option());
    parts.push("report_format=kcsan:log_path=".to_owned());
    let kcsan_options = parts
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(":");

    let jobs = a.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |j| j as usize,
    );
    let timeout = a.timeout.map(Duration::from_secs_f64);
    let verb = if a.confirm_fix {
        "confirming the fix of"
    } else {
        "reproducing"
    };
    eprintln!("kcsan repro: {verb} BUG: KCSAN: {}", race.title);
    eprintln!("kcsan repro: focus on {}", race.functions.join(", "));
    if distinct.len() > 1 && a.title.is_none() {
        eprintln!(
            "kcsan repro: the log has {} different races; this is the first (--title picks another)",
            distinct.len()
        );
    }

    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(u64::from(a.runs));
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} runs, {elapsed} {msg}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_prefix("kcsan repro");
        b
    } else {
        indicatif::ProgressBar::hidden()
    };

    let next = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Result<RunResult>>();
    let mut runs: Vec<RunResult> = Vec::new();
    let mut failure: Option<anyhow::Error> = None;
    let mut offending: Option<RunResult> = None;
    let runs_wanted = a.runs as usize;
    std::thread::scope(|s| {
        for _ in 0..jobs.min(runs_wanted) {
            let tx = tx.clone();
            let (next, cancel, kcsan_options) = (&next, &cancel, &kcsan_options);
            s.spawn(move || {
                while !cancel.load(Ordering::Relaxed)
                    && next.fetch_add(1, Ordering::Relaxed) < runs_wanted
                {
                    let r = run_once(prog, prog_args, kcsan_options, timeout, cancel);
                    let failed = r.is_err();
                    if tx.send(r).is_err() || failed {
                        cancel.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            });
        }
        drop(tx);
        for r in rx {
            let r = match r {
                Err(e) => {
                    cancel.store(true, Ordering::Relaxed);
                    failure.get_or_insert(e);
                    continue;
                }
                Ok(r) if r.cancelled => continue,
                Ok(r) => r,
            };
            if failure.is_some() || offending.is_some() {
                continue;
            }
            bar.inc(1);
            if let Some(sig) = r.signal.filter(|_| !r.timed_out) {
                cancel.store(true, Ordering::Relaxed);
                let tail: Vec<&str> = r.stderr.lines().rev().take(5).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                failure = Some(anyhow::anyhow!(
                    "run {} of {} crashed ({}){}",
                    runs.len() + 1,
                    Path::new(prog).display(),
                    signal_name(sig),
                    if tail.is_empty() {
                        String::new()
                    } else {
                        format!("; its stderr ends:\n{}", tail.join("\n"))
                    }
                ));
                continue;
            }
            let missing = missing_functions(&r.stderr);
            if race.functions.iter().all(|f| missing.contains(f)) {
                cancel.store(true, Ordering::Relaxed);
                failure = Some(anyhow::anyhow!(
                    "none of the report's functions ({}) is in {}: {}",
                    race.functions.join(", "),
                    Path::new(prog).display(),
                    if a.confirm_fix {
                        "did the fix remove or rename them? Then this race cannot come back as \
                         reported; focus on the new code with -o focus_functions=..."
                    } else {
                        "is the report from another program, or was it built without symbols?"
                    }
                ));
                continue;
            }
            if a.confirm_fix && !r.titles.is_empty() {
                cancel.store(true, Ordering::Relaxed);
                offending = Some(r);
                continue;
            }
            runs.push(r);
            let k = runs
                .iter()
                .filter(|r| r.titles.iter().any(|t| race.matches(t)))
                .count();
            bar.set_message(format!("{k} reproduced"));
        }
    });
    bar.finish_and_clear();
    if let Some(e) = failure {
        return Err(e);
    }
    if let Some(r) = offending {
        print!("{}", first_report_text(&r.stderr));
        let which = if r.titles.iter().any(|t| race.matches(t)) {
            "the same race came back"
        } else {
            "another race was reported"
        };
        eprintln!(
            "kcsan repro: not fixed: {which} in focused run {} (BUG: KCSAN: {})",
            runs.len() + 1,
            r.titles[0]
        );
        write_json(&a, &race, &runs, jobs, None, &kcsan_options)?;
        return Ok(ExitCode::from(66));
    }

    let n = runs.len();
    let reproducing: Vec<&RunResult> = runs
        .iter()
        .filter(|r| r.titles.iter().any(|t| race.matches(t)))
        .collect();
    let k = reproducing.len();
    let missing = runs
        .first()
        .map(|r| missing_functions(&r.stderr))
        .unwrap_or_default();
    for f in &missing {
        eprintln!(
            "kcsan repro: warning: '{f}' is not in the program; the other functions are focused"
        );
    }
    if a.confirm_fix {
        let upper = 1.0 - 0.05f64.powf(1.0 / n as f64);
        println!(
            "kcsan repro: fixed: no report in {n} focused runs; the race's probability per \
             focused run is below {:.1}% (95% confidence)",
            upper * 100.0
        );
        write_json(&a, &race, &runs, jobs, Some(upper), &kcsan_options)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (lo, hi) = wilson(k, n);
    let mean_first = (k > 0).then(|| {
        reproducing
            .iter()
            .filter_map(|r| r.first_report)
            .map(|d| d.as_secs_f64())
            .sum::<f64>()
            / k as f64
    });
    let mean_run = runs.iter().map(|r| r.wall.as_secs_f64()).sum::<f64>() / n.max(1) as f64;
    println!(
        "kcsan repro: reproduced in {k} of {n} focused runs ({:.0}%, 95% CI [{:.0}%, {:.0}%]); \
         mean time to report {}; mean run {}",
        k as f64 / n as f64 * 100.0,
        lo * 100.0,
        hi * 100.0,
        mean_first.map_or_else(|| "-".to_owned(), fmt_secs),
        fmt_secs(mean_run)
    );
    let others = other_titles(&race, &runs);
    for (title, count) in &others {
        println!("kcsan repro: also reported in {count} run(s): BUG: KCSAN: {title}");
    }
    let timeouts = runs.iter().filter(|r| r.timed_out).count();
    if timeouts > 0 {
        println!("kcsan repro: {timeouts} run(s) timed out");
    }
    write_json(&a, &race, &runs, jobs, None, &kcsan_options)?;
    Ok(if k > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Titles of other races, by the number of runs that printed them.
fn other_titles(race: &Race, runs: &[RunResult]) -> BTreeMap<String, usize> {
    let mut others = BTreeMap::new();
    for r in runs {
        let mut seen: Vec<&String> = r.titles.iter().filter(|t| !race.matches(t)).collect();
        seen.sort();
        seen.dedup();
        for t in seen {
            *others.entry(t.clone()).or_insert(0) += 1;
        }
    }
    others
}

fn fmt_secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// Writes `--json`, if asked.
fn write_json(
    a: &ReproArgs,
    race: &Race,
    runs: &[RunResult],
    jobs: usize,
    upper: Option<f64>,
    kcsan_options: &str,
) -> Result<()> {
    let Some(path) = &a.json else { return Ok(()) };
    let n = runs.len();
    let k = runs
        .iter()
        .filter(|r| r.titles.iter().any(|t| race.matches(t)))
        .count();
    let firsts: Vec<f64> = runs
        .iter()
        .filter(|r| r.titles.iter().any(|t| race.matches(t)))
        .filter_map(|r| r.first_report.map(|d| d.as_secs_f64()))
        .collect();
    let doc = ReproJson {
        program: a
            .program
            .iter()
            .map(|x| x.to_string_lossy().into_owned())
            .collect(),
        report: a.report.display().to_string(),
        race: race.clone(),
        mode: if a.confirm_fix {
            "confirm-fix"
        } else {
            "repro"
        },
        options: kcsan_options.split(':').map(str::to_owned).collect(),
        runs: n,
        jobs,
        timeout_secs: a.timeout,
        reproduced: k,
        probability: if n == 0 { 0.0 } else { k as f64 / n as f64 },
        ci95: wilson(k, n),
        upper_bound_95: upper,
        mean_secs_to_report: (!firsts.is_empty())
            .then(|| firsts.iter().sum::<f64>() / firsts.len() as f64),
        mean_run_secs: runs.iter().map(|r| r.wall.as_secs_f64()).sum::<f64>() / n.max(1) as f64,
        other_titles: other_titles(race, runs),
        timeouts: runs.iter().filter(|r| r.timed_out).count(),
    };
    let text = serde_json::to_string_pretty(&doc)?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_give_kind_and_sorted_functions() {
        let r = Race::from_title("data-race in writer / reader").unwrap();
        assert_eq!(r.kind, "data-race");
        assert_eq!(r.functions, ["reader", "writer"]);
        assert!(r.matches("data-race in reader / writer"));
        assert!(!r.matches("assert: race in reader / writer"));
        assert!(!r.matches("data-race in reader / other"));
        let u = Race::from_title("data-race in test_rmw+0x71/0xd0").unwrap();
        assert_eq!(u.functions, ["test_rmw"]);
        assert!(Race::from_title("nonsense").is_none());
    }

    #[test]
    fn logs_of_every_format() {
        let ours = "noise\n==================\nBUG: KCSAN: data-race in a / b\n\nread to ...\n";
        assert_eq!(find_races(ours)[0].functions, ["a", "b"]);
        let kernel =
            "[   12.345678] BUG: KCSAN: data-race in test_kernel_read / test_kernel_write\n";
        assert_eq!(
            find_races(kernel)[0].functions,
            ["test_kernel_read", "test_kernel_write"]
        );
        let json =
            r#"{"type":"race","data":{"title":"data-race in f / g","bug_type":"data-race"}}"#;
        assert_eq!(find_races(json)[0].title, "data-race in f / g");
        let tsan = "==================\nWARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 4 at 0x1 by thread T2:\n    #0 writer /src/race.c:12 (race+0x1234)\n    #1 start <null> (race+0x1)\n\n  Previous read of size 4 at 0x1 by thread T1:\n    #0 reader(int, char) race.cc:7:3 (race+0x99)\n\nSUMMARY: ThreadSanitizer: data race /src/race.c:12 in writer\n";
        let r = &find_races(tsan)[0];
        assert_eq!(r.functions, ["reader(int, char)", "writer"]);
        assert!(find_races("just output\n").is_empty());
    }

    #[test]
    fn focus_option_is_quoted() {
        let r = Race::from_title("data-race in a::b / c").unwrap();
        assert_eq!(r.focus_option(), "focus_functions='a::b;c'");
    }

    #[test]
    fn report_text_is_cut_at_its_rules() {
        let err =
            "x\n==================\nBUG: KCSAN: data-race in a / b\nline\n==================\ny\n";
        assert_eq!(
            first_report_text(err),
            "==================\nBUG: KCSAN: data-race in a / b\nline\n==================\n"
        );
        assert_eq!(
            missing_functions("kcsan: focus: no function named 'zz' in the program (names ...)\n"),
            ["zz"]
        );
    }
}
