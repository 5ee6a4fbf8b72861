//! `kcsan hunt`: the chapter's "runtime statistics game" as a tool.
//!
//! KCSAN samples: whether one run of a racy program reports depends on luck,
//! on the loop counts and on the options. `hunt` runs a program many times per
//! setting (a value substituted for `{}` in its arguments, and/or a value of
//! one runtime option), in parallel, and prints per setting the detection
//! probability with a Wilson 95% interval, the mean time to the first report,
//! the mean wall time of a run and the race titles found. `--json` saves the
//! results; `--svg` and `--png` a plot of probability against the swept
//! value (the PNG is the SVG rendered by resvg); `--replot` redraws the plot
//! from a saved `--json` file without running anything.
//!
//! A run "detects" when its stderr has a `BUG: KCSAN:` title line; its exit
//! status is recorded but not relied on (a program may set `exitcode`).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use kcsan_core::config::Flags;
use serde::{Deserialize, Serialize};

/// The arguments of `kcsan hunt`.
#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("plot_output").args(["svg", "png"]).multiple(true))]
pub(crate) struct HuntArgs {
    /// Runs per setting.
    #[arg(short = 'n', long = "runs", value_name = "RUNS", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Runs at once (default: the number of CPUs).
    #[arg(short = 'j', long = "jobs", value_name = "JOBS",
          value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Comma-separated values substituted for `{}` in the program's arguments.
    #[arg(long, value_name = "VALUES")]
    sweep_arg: Option<String>,
    /// One runtime option and the values to try: `NAME=V1,V2,...`.
    #[arg(long, value_name = "NAME=V1,V2,...")]
    sweep_option: Option<String>,
    /// A runtime option for every run, `name=value` (repeatable).
    #[arg(short = 'o', long = "option", value_name = "NAME=VALUE")]
    option: Vec<String>,
    /// The runtime preset every run starts from (`user`, `kernel` or
    /// `hunt`); KCSAN_OPTIONS and `-o` come after it and override it. The
    /// `hunt` preset samples densely with a large stall budget: slower runs,
    /// more chances per run.
    #[arg(long, value_name = "NAME", default_value = "hunt")]
    preset: String,
    /// Stop a setting at its first detecting run.
    #[arg(long)]
    until_found: bool,
    /// Kill a run after this many seconds (it counts as not detecting unless it
    /// had reported already).
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write an SVG plot of detection probability against the swept value.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Write the plot as a PNG image too (640x400 pixels).
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    /// Redraw the plot (--svg, --png) from a file saved with --json, instead
    /// of running anything.
    #[arg(long, value_name = "JSON", requires = "plot_output",
          conflicts_with_all = ["runs", "jobs", "sweep_arg", "sweep_option", "option",
                                "until_found", "timeout", "json", "program"])]
    replot: Option<PathBuf>,
    /// The program and its arguments (after `--`); `{}` marks the swept argument.
    #[arg(required_unless_present = "replot", last = true)]
    program: Vec<OsString>,
}

/// One combination of swept values.
#[derive(Debug, Clone)]
struct Setting {
    arg: Option<String>,
    option: Option<String>,
}

impl Setting {
    fn label(&self) -> String {
        match (&self.arg, &self.option) {
            (Some(a), Some(o)) => format!("{{}}={a} {o}"),
            (Some(a), None) => format!("{{}}={a}"),
            (None, Some(o)) => o.clone(),
            (None, None) => "(as given)".to_owned(),
        }
    }
}

/// What one run did.
#[derive(Debug, Default)]
pub(crate) struct RunResult {
    /// The report titles, without `BUG: KCSAN: `, in order.
    pub(crate) titles: Vec<String>,
    pub(crate) first_report: Option<Duration>,
    pub(crate) wall: Duration,
    pub(crate) exit_code: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) timed_out: bool,
    /// Killed because `--until-found` was satisfied by another run: not counted.
    pub(crate) cancelled: bool,
    /// The run's standard error, its first `STDERR_KEPT` bytes.
    pub(crate) stderr: String,
}

/// How much of a run's standard error is kept (for `kcsan repro`, which
/// shows a report and reads the runtime's notes).
const STDERR_KEPT: usize = 1 << 20;

/// The JSON object of one race title within a setting.
#[derive(Debug, Serialize, Deserialize)]
struct TitleCount {
    title: String,
    /// Runs whose stderr had this title.
    runs: usize,
    /// Title lines in all runs.
    reports: usize,
}

/// The JSON object (and table row) of one setting.
#[derive(Debug, Serialize, Deserialize)]
struct SettingResult {
    label: String,
    arg: Option<String>,
    option: Option<String>,
    runs: usize,
    detections: usize,
    probability: f64,
    ci_low: f64,
    ci_high: f64,
    mean_first_report_secs: Option<f64>,
    mean_wall_secs: f64,
    /// With `--until-found`: the completed runs up to and including the first
    /// detecting one.
    runs_to_first_detection: Option<usize>,
    timeouts: usize,
    exit_codes: BTreeMap<String, usize>,
    signals: BTreeMap<String, usize>,
    titles: Vec<TitleCount>,
}

/// The whole JSON document.
#[derive(Debug, Serialize, Deserialize)]
struct Report {
    program: Vec<String>,
    runs_per_setting: u32,
    jobs: usize,
    /// The preset the runs started from (files from before presets: none).
    #[serde(default)]
    preset: String,
    options: Vec<String>,
    inherited_options: String,
    sweep_arg: Option<Vec<String>>,
    sweep_option: Option<SweepOption>,
    until_found: bool,
    timeout_secs: Option<f64>,
    settings: Vec<SettingResult>,
}

#[derive(Debug, Serialize, Deserialize, Clone)]
struct SweepOption {
    name: String,
    values: Vec<String>,
}

/// The Wilson score interval (95%) for `k` successes in `n` trials.
pub(crate) fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_985_f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

fn split_values(s: &str, what: &str) -> Result<Vec<String>> {
    let v: Vec<String> = s
        .split(',')
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect();
    if v.is_empty() {
        bail!("{what}: no values given");
    }
    Ok(v)
}

/// Fails now, not after all the runs, if `path` cannot be written: opens it
/// for appending (creating it, and removing it again if it did not exist).
pub(crate) fn check_writable(path: &Path, what: &str) -> Result<()> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("{what}: cannot write {}", path.display()))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Finds `prog` the way `Command` will (a path, or a name on PATH).
pub(crate) fn check_program(prog: &Path) -> Result<()> {
    let found = if prog.components().count() > 1 {
        prog.is_file()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(prog).is_file()))
    };
    if !found {
        bail!("program not found: {}", prog.display());
    }
    Ok(())
}

/// Runs the program once, reading its stderr as it arrives.
pub(crate) fn run_once(
    prog: &OsString,
    args: &[OsString],
    kcsan_options: &str,
    timeout: Option<Duration>,
    cancel: &AtomicBool,
) -> Result<RunResult> {
    let start = Instant::now();
    let mut child = Command::new(prog)
        .args(args)
        .env("KCSAN_OPTIONS", kcsan_options)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", Path::new(prog).display()))?;
    let stderr = child.stderr.take().context("no stderr pipe")?;
    let reader = std::thread::spawn(move || {
        let mut titles = Vec::new();
        let mut first = None;
        let mut kept = String::new();
        let mut r = BufReader::new(stderr);
        let mut line = Vec::new();
        while matches!(r.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let text = String::from_utf8_lossy(&line);
            if kept.len() < STDERR_KEPT {
                kept.push_str(&text);
            }
            if let Some(t) = text.trim_start().strip_prefix("BUG: KCSAN: ") {
                first.get_or_insert_with(|| start.elapsed());
                titles.push(t.trim_end().to_owned());
            }
            line.clear();
        }
        (titles, first, kept)
    });
    let mut res = RunResult::default();
    let mut nap = Duration::from_micros(200);
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        let over_time = timeout.is_some_and(|t| start.elapsed() >= t);
        if over_time || cancel.load(Ordering::Relaxed) {
            res.timed_out = over_time;
            res.cancelled = !over_time;
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(5));
    };
    res.wall = start.elapsed();
    let (titles, first, kept) = reader.join().unwrap_or_default();
    res.titles = titles;
    res.first_report = first;
    res.stderr = kept;
    {
        use std::os::unix::process::ExitStatusExt;
        res.exit_code = status.code();
        res.signal = status.signal();
    }
    Ok(res)
}

/// `kcsan hunt ...`
pub(crate) fn main(a: HuntArgs) -> Result<ExitCode> {
    if let Some(saved) = &a.replot {
        let text = std::fs::read_to_string(saved)
            .with_context(|| format!("cannot read {}", saved.display()))?;
        let report: Report = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a file written by `kcsan hunt --json`",
                saved.display()
            )
        })?;
        write_plots(&a, &report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some((prog, prog_args)) = a.program.split_first() else {
        bail!("no program to run (usage: kcsan hunt [options] -- PROGRAM [ARGS...])");
    };
    // Everything is validated before the first run.
    let arg_values = a
        .sweep_arg
        .as_deref()
        .map(|s| split_values(s, "--sweep-arg"))
        .transpose()?;
    if arg_values.is_some() && !prog_args.iter().any(|x| x.to_string_lossy().contains("{}")) {
        bail!("--sweep-arg given but no program argument contains `{{}}` to substitute");
    }
    let sweep_option = match a.sweep_option.as_deref() {
        None => None,
        Some(s) => {
            let (name, values) = s
                .split_once('=')
                .with_context(|| format!("--sweep-option {s}: expected NAME=V1,V2,..."))?;
            let name = name.trim().to_owned();
            if name.is_empty() {
                bail!("--sweep-option {s}: empty option name");
            }
            Some(SweepOption {
                values: split_values(values, "--sweep-option")?,
                name,
            })
        }
    };
    let inherited = std::env::var("KCSAN_OPTIONS").unwrap_or_default();
    let mut base = Flags::DEFAULT;
    let preset = format!("preset={}", a.preset);
    base.parse_options(&preset, "kcsan hunt --preset")?;
    base.parse_options(&inherited, "KCSAN_OPTIONS")?;
    for o in &a.option {
        base.parse_options(o, "kcsan hunt -o")?;
    }
    let mut check = base.clone();
    check.resolve()?;
    if let Some(sw) = &sweep_option {
        for v in &sw.values {
            let mut f = base.clone();
            f.parse_options(&format!("{}={v}", sw.name), "kcsan hunt --sweep-option")?;
            f.resolve()?;
        }
    }
    if let Some(t) = a.timeout
        && !(t.is_finite() && t > 0.0 && t <= 1e9)
    {
        bail!("--timeout must be a positive number of seconds (at most 1e9), not {t:?}");
    }
    check_program(Path::new(prog))?;
    for (path, what) in [(&a.json, "--json"), (&a.svg, "--svg"), (&a.png, "--png")] {
        if let Some(p) = path {
            check_writable(p, what)?;
        }
    }

    let settings: Vec<Setting> = {
        let args: Vec<Option<String>> = match &arg_values {
            Some(v) => v.iter().cloned().map(Some).collect(),
            None => vec![None],
        };
        let opts: Vec<Option<String>> = match &sweep_option {
            Some(sw) => sw
                .values
                .iter()
                .map(|v| Some(format!("{}={v}", sw.name)))
                .collect(),
            None => vec![None],
        };
        opts.iter()
            .flat_map(|o| {
                args.iter().map(move |x| Setting {
                    arg: x.clone(),
                    option: o.clone(),
                })
            })
            .collect()
    };
    let jobs = a.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |j| j as usize,
    );
    let timeout = a.timeout.map(Duration::from_secs_f64);
    // Reports must reach stderr, where they are read.
    let mentions_log_path =
        inherited.contains("log_path") || a.option.iter().any(|o| o.contains("log_path"));

    let total = settings.len() as u64 * u64::from(a.runs);
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} runs, {elapsed} {msg}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_prefix("kcsan hunt");
        b
    } else {
        indicatif::ProgressBar::hidden()
    };

    let mut results = Vec::new();
    for setting in &settings {
        let args: Vec<OsString> = prog_args
            .iter()
            .map(|x| match (&setting.arg, x.to_str()) {
                (Some(v), Some(s)) if s.contains("{}") => OsString::from(s.replace("{}", v)),
                _ => x.clone(),
            })
            .collect();
        let mut parts: Vec<String> = vec![preset.clone(), inherited.clone()];
        parts.extend(a.option.iter().cloned());
        parts.extend(setting.option.clone());
        if mentions_log_path {
            parts.push("log_path=".to_owned());
        }
        let kcsan_options = parts
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(":");
        bar.set_message(setting.label());

        let next = AtomicUsize::new(0);
        let cancel = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel::<Result<RunResult>>();
        let mut runs: Vec<RunResult> = Vec::new();
        let mut runs_to_first = None;
        let mut error = None;
        std::thread::scope(|s| {
            for _ in 0..jobs.min(a.runs as usize) {
                let tx = tx.clone();
                let (next, cancel, args, kcsan_options) = (&next, &cancel, &args, &kcsan_options);
                s.spawn(move || {
                    while !cancel.load(Ordering::Relaxed)
                        && next.fetch_add(1, Ordering::Relaxed) < a.runs as usize
                    {
                        let r = run_once(prog, args, kcsan_options, timeout, cancel);
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
                match r {
                    Err(e) => {
                        cancel.store(true, Ordering::Relaxed);
                        error.get_or_insert(e);
                    }
                    Ok(r) if r.cancelled => {}
                    // --until-found: a worker may have started (and finished)
                    // another run before it saw the cancel; that run is past
                    // the stopping point and does not count.
                    Ok(_) if a.until_found && runs_to_first.is_some() => {}
                    Ok(r) => {
                        bar.inc(1);
                        let found = !r.titles.is_empty();
                        runs.push(r);
                        if found && runs_to_first.is_none() {
                            runs_to_first = Some(runs.len());
                            if a.until_found {
                                cancel.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                }
            }
        });
        if let Some(e) = error {
            bar.finish_and_clear();
            return Err(e);
        }
        if a.until_found {
            // Runs not started are skipped: keep the bar's total honest.
            bar.set_length(bar.length().unwrap_or(total) - (a.runs as u64 - runs.len() as u64));
        }
        results.push(summarise(
            setting,
            &runs,
            a.until_found.then_some(runs_to_first).flatten(),
        ));
    }
    bar.finish_and_clear();

    print_table(&a, prog, &settings, &results, jobs);

    let report = Report {
        program: a
            .program
            .iter()
            .map(|x| x.to_string_lossy().into_owned())
            .collect(),
        runs_per_setting: a.runs,
        jobs,
        preset: a.preset.clone(),
        options: a.option.clone(),
        inherited_options: inherited,
        sweep_arg: arg_values,
        sweep_option,
        until_found: a.until_found,
        timeout_secs: a.timeout,
        settings: results,
    };
    if let Some(path) = &a.json {
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    write_plots(&a, &report)?;
    Ok(if report.settings.iter().any(|r| r.detections > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn summarise(setting: &Setting, runs: &[RunResult], runs_to_first: Option<usize>) -> SettingResult {
    let n = runs.len();
    let detecting: Vec<&RunResult> = runs.iter().filter(|r| !r.titles.is_empty()).collect();
    let k = detecting.len();
    let (lo, hi) = wilson(k, n);
    let firsts: Vec<f64> = detecting
        .iter()
        .filter_map(|r| r.first_report.map(|d| d.as_secs_f64()))
        .collect();
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let walls: Vec<f64> = runs.iter().map(|r| r.wall.as_secs_f64()).collect();
    let mut exit_codes = BTreeMap::new();
    let mut signals = BTreeMap::new();
    for r in runs {
        if let Some(c) = r.exit_code {
            *exit_codes.entry(c.to_string()).or_insert(0) += 1;
        } else if let Some(s) = r.signal {
            *signals.entry(s.to_string()).or_insert(0) += 1;
        }
    }
    let mut titles: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in runs {
        let mut seen: Vec<&str> = Vec::new();
        for t in &r.titles {
            let e = titles.entry(t).or_default();
            e.1 += 1;
            if !seen.contains(&t.as_str()) {
                seen.push(t);
                e.0 += 1;
            }
        }
    }
    let mut titles: Vec<TitleCount> = titles
        .into_iter()
        .map(|(t, (runs, reports))| TitleCount {
            title: t.to_owned(),
            runs,
            reports,
        })
        .collect();
    titles.sort_by(|a, b| b.runs.cmp(&a.runs).then_with(|| a.title.cmp(&b.title)));
    SettingResult {
        label: setting.label(),
        arg: setting.arg.clone(),
        option: setting.option.clone(),
        runs: n,
        detections: k,
        probability: if n == 0 { 0.0 } else { k as f64 / n as f64 },
        ci_low: lo,
        ci_high: hi,
        mean_first_report_secs: mean(&firsts),
        mean_wall_secs: mean(&walls).unwrap_or(0.0),
        runs_to_first_detection: runs_to_first,
        timeouts: runs.iter().filter(|r| r.timed_out).count(),
        exit_codes,
        signals,
        titles,
    }
}

fn fmt_secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1e3)
    }
}

fn print_table(
    a: &HuntArgs,
    prog: &OsString,
    settings: &[Setting],
    results: &[SettingResult],
    jobs: usize,
) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kcsan hunt: {} run{} per setting{} (preset={}), {jobs} at a time: {}",
        a.runs,
        if a.runs == 1 { "" } else { "s" },
        if a.until_found { " (until found)" } else { "" },
        a.preset,
        Path::new(prog).display()
    );
    let w = settings
        .iter()
        .map(|s| s.label().len())
        .max()
        .unwrap_or(0)
        .max(7);
    let _ = writeln!(
        out,
        "{:<w$}  {:>5}  {:>8}  {:>6}  {:<14}  {:>12}  {:>10}",
        "setting", "runs", "detected", "P", "95% CI", "first report", "wall/run"
    );
    for r in results {
        let first = r
            .mean_first_report_secs
            .map_or_else(|| "-".to_owned(), fmt_secs);
        let _ = write!(
            out,
            "{:<w$}  {:>5}  {:>8}  {:>6.2}  [{:.2}, {:.2}]    {:>12}  {:>10}",
            r.label,
            r.runs,
            r.detections,
            r.probability,
            r.ci_low,
            r.ci_high,
            first,
            fmt_secs(r.mean_wall_secs)
        );
        if let Some(k) = r.runs_to_first_detection {
            let _ = write!(out, "  (found at run {k})");
        }
        if r.timeouts > 0 {
            let _ = write!(out, "  ({} timed out)", r.timeouts);
        }
        let odd: usize = r.signals.values().sum::<usize>()
            + r.exit_codes
                .iter()
                .filter(|(c, _)| !matches!(c.as_str(), "0" | "66"))
                .map(|(_, n)| n)
                .sum::<usize>();
        if odd > r.timeouts {
            let _ = write!(out, "  (exits: {})", exits(r));
        }
        out.push('\n');
        for t in &r.titles {
            let _ = writeln!(out, "{:<w$}    {:>3}x {}", "", t.runs, t.title);
        }
    }
    print!("{out}");
}

fn exits(r: &SettingResult) -> String {
    let mut v: Vec<String> = r
        .exit_codes
        .iter()
        .map(|(c, n)| format!("{n}x{c}"))
        .collect();
    v.extend(r.signals.iter().map(|(s, n)| format!("{n}xSIG{s}")));
    v.join(" ")
}

/// Writes the plots asked for: `--svg`, `--png`.
fn write_plots(a: &HuntArgs, report: &Report) -> Result<()> {
    if a.svg.is_none() && a.png.is_none() {
        return Ok(());
    }
    let svg = plot(report);
    if let Some(path) = &a.svg {
        std::fs::write(path, &svg).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &a.png {
        let png = render_png(&svg)?;
        std::fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Renders our SVG plot to PNG at its own size (one user unit, one pixel),
/// with the system's fonts for its text.
fn render_png(svg: &str) -> Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let mut opt = usvg::Options::default();
    let fonts = opt.fontdb_mut();
    fonts.load_system_fonts();
    // The plot asks for the generic `sans-serif`, which fontdb maps to Arial
    // unless told otherwise; point it at a sans face this system has.
    let has = |fonts: &usvg::fontdb::Database, name: &str| {
        fonts
            .faces()
            .any(|f| f.families.iter().any(|(n, _)| n == name))
    };
    if !has(fonts, "Arial") {
        let fallback = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "FreeSans"]
            .into_iter()
            .find(|n| has(fonts, n))
            .map(str::to_owned)
            .or_else(|| {
                fonts
                    .faces()
                    .next()
                    .and_then(|f| f.families.first().map(|(n, _)| n.clone()))
            });
        match fallback {
            Some(name) => fonts.set_sans_serif_family(name),
            None => eprintln!("kcsan hunt: warning: no system fonts found; the PNG has no text"),
        }
    }
    let tree = usvg::Tree::from_str(svg, &opt).context("cannot parse the SVG plot")?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .context("cannot allocate the PNG image")?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().context("cannot encode the PNG image")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A hand-written SVG line plot: detection probability (Wilson 95% interval
/// as error bars) against the swept value; one line per swept-option value
/// when both an argument and an option are swept.
fn plot(rep: &Report) -> String {
    let (arg_values, sweep) = (&rep.sweep_arg, &rep.sweep_option);
    // x values: the swept argument if any, else the swept option's value.
    let (xs, x_label): (Vec<String>, String) = match (arg_values, sweep) {
        (Some(v), _) => (v.clone(), "swept argument {}".to_owned()),
        (None, Some(sw)) => (sw.values.clone(), format!("option {}", sw.name)),
        (None, None) => (vec!["(as given)".to_owned()], "setting".to_owned()),
    };
    let nums: Option<Vec<f64>> = xs.iter().map(|x| x.parse::<f64>().ok()).collect();
    let nums = nums.filter(|v| v.len() > 1);
    let log = nums.as_ref().is_some_and(|v| {
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        lo > 0.0 && hi / lo > 100.0
    });
    let pos: Vec<f64> = match &nums {
        Some(v) if log => v.iter().map(|x| x.log10()).collect(),
        Some(v) => v.clone(),
        None => (0..xs.len()).map(|i| i as f64).collect(),
    };
    let (mut lo, mut hi) = pos
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    if hi - lo < 1e-12 {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = (hi - lo) * 0.06;
    let (lo, hi) = (lo - pad, hi + pad);
    let (w, h, ml, mr, mt, mb) = (640.0, 400.0, 70.0, 30.0, 50.0, 60.0);
    let px = |x: f64| ml + (x - lo) / (hi - lo) * (w - ml - mr);
    let py = |p: f64| mt + (1.0 - p) * (h - mt - mb);

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let title = format!(
        "kcsan hunt: {} ({} runs per setting)",
        rep.program
            .first()
            .map_or("", |p| p.rsplit('/').next().unwrap_or(p)),
        rep.runs_per_setting
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="25" text-anchor="middle" font-size="15">{}</text>"#,
        w / 2.0,
        esc(&title)
    );
    // y grid and ticks
    for i in 0..=5 {
        let p = f64::from(i) / 5.0;
        let y = py(p);
        let _ = writeln!(
            s,
            r##"<line x1="{ml}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/>"##,
            w - mr
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{p:.1}</text>"#,
            ml - 6.0,
            y + 4.0
        );
    }
    // x ticks at the swept values
    for (x, label) in pos.iter().zip(&xs) {
        let cx = px(*x);
        let _ = writeln!(
            s,
            r##"<line x1="{cx:.1}" y1="{:.1}" x2="{cx:.1}" y2="{:.1}" stroke="#333"/>"##,
            h - mb,
            h - mb + 5.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            h - mb + 18.0,
            esc(label)
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{ml}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
        h - mb,
        w - mr,
        h - mb
    );
    let _ = writeln!(
        s,
        r##"<line x1="{ml}" y1="{mt}" x2="{ml}" y2="{:.1}" stroke="#333"/>"##,
        h - mb
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}{}</text>"#,
        (ml + w - mr) / 2.0,
        h - 15.0,
        esc(&x_label),
        if log { " (log scale)" } else { "" }
    );
    let _ = writeln!(
        s,
        r#"<text x="18" y="{:.1}" text-anchor="middle" transform="rotate(-90 18 {:.1})">detection probability (95% Wilson CI)</text>"#,
        (mt + h - mb) / 2.0,
        (mt + h - mb) / 2.0
    );
    // series: one per swept-option value when an argument is swept too
    let colours = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    ];
    let series: Vec<Option<String>> = match (arg_values, sweep) {
        (Some(_), Some(sw)) => sw
            .values
            .iter()
            .map(|v| Some(format!("{}={v}", sw.name)))
            .collect(),
        _ => vec![None],
    };
    for (si, ser) in series.iter().enumerate() {
        let c = colours[si % colours.len()];
        let pts: Vec<(f64, &SettingResult)> = rep
            .settings
            .iter()
            .filter(|r| ser.is_none() || r.option == *ser)
            .enumerate()
            .map(|(i, r)| (pos[i.min(pos.len() - 1)], r))
            .collect();
        let line: Vec<String> = pts
            .iter()
            .map(|(x, r)| format!("{:.1},{:.1}", px(*x), py(r.probability)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{}"/>"#,
            line.join(" ")
        );
        for (x, r) in &pts {
            let cx = px(*x);
            let _ = writeln!(
                s,
                r#"<line x1="{cx:.1}" y1="{:.1}" x2="{cx:.1}" y2="{:.1}" stroke="{c}"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{c}"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{c}"/>"#,
                py(r.ci_low),
                py(r.ci_high),
                cx - 4.0,
                py(r.ci_low),
                cx + 4.0,
                py(r.ci_low),
                cx - 4.0,
                py(r.ci_high),
                cx + 4.0,
                py(r.ci_high)
            );
            let _ = writeln!(
                s,
                r#"<circle class="point" cx="{cx:.1}" cy="{:.1}" r="4" fill="{c}"><title>{}: {}/{} = {:.2} [{:.2}, {:.2}]</title></circle>"#,
                py(r.probability),
                esc(&r.label),
                r.detections,
                r.runs,
                r.probability,
                r.ci_low,
                r.ci_high
            );
        }
        if let Some(name) = ser {
            let y = mt + 14.0 + 16.0 * si as f64;
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{y:.1}" fill="{c}">{}</text>"#,
                ml + 10.0,
                esc(name)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}
