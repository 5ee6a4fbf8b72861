//! `kcsan-bench corpus --repro`: how well `kcsan repro` makes a reported
//! race happen again, and whether `kcsan repro --confirm-fix` passes every
//! fixed twin.
//!
//! For each racy program (known misses left out): run it with the defaults
//! until one run reports (at most `--find` runs), and keep that report as
//! the log a user would hand to `kcsan repro`. Then, side by side:
//! - *defaults*: `--runs` more runs at the defaults, counting those that
//!   print the same race (same kind between the same functions);
//! - *focused*: `kcsan repro --report LOG -n RUNS` (the real tool), its
//!   count of runs that reproduced the race;
//! - *fixed twin*: `kcsan repro --report LOG --confirm-fix -n FIX_RUNS` on
//!   the clean twin: any report is a failure of the fix check (and a false
//!   positive of the focused runtime).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::{CorpusArgs, Detector, Program, Set, run_once};
use crate::stats::wilson;
use crate::toolchain::{self, Repo};

/// One racy program's measurement.
#[derive(Debug, Default)]
struct Row {
    stem: String,
    lang: &'static str,
    /// The run (1-based) that gave the report; `None`: no report in `--find` runs.
    found_in: Option<u32>,
    title: String,
    defaults: (usize, usize),
    focused: (usize, usize),
    /// What `--confirm-fix` said about the twin.
    twin: Option<Twin>,
}

/// `kcsan repro --confirm-fix` on a fixed twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Twin {
    /// Focused runs, and whether one reported (the check failed).
    Ran(usize, bool),
    /// The fix removed the racing functions: `kcsan repro` refuses, as it
    /// should, to focus on functions the program does not have.
    FunctionsGone,
}

/// The race a title names: its kind and its sorted functions (`f+0x1/0x2`
/// counts as `f`), as `kcsan repro` compares them.
fn race_key(title: &str) -> Option<(String, Vec<String>)> {
    let t = title.trim();
    let t = t.strip_prefix("BUG: KCSAN: ").unwrap_or(t);
    let (kind, funcs) = t.split_once(" in ")?;
    let mut fs: Vec<String> = funcs
        .split(" / ")
        .map(|f| match f.rfind("+0x") {
            Some(i) if f[i + 1..].contains('/') => f[..i].trim().to_owned(),
            _ => f.trim().to_owned(),
        })
        .collect();
    fs.sort();
    fs.dedup();
    Some((kind.to_owned(), fs))
}

/// The report titles in a run's stderr.
fn titles(stderr: &str) -> impl Iterator<Item = &str> {
    stderr
        .lines()
        .filter_map(|l| l.find("BUG: KCSAN: ").map(|i| &l[i..]))
}

/// Runs `kcsan repro` and returns (reproduced, runs) from its JSON, or for
/// `--confirm-fix` (clean runs, reported).
fn kcsan_repro(
    repo: &Repo,
    log: &Path,
    exe: &Path,
    runs: u32,
    confirm: bool,
    a: &CorpusArgs,
    json: &Path,
) -> Result<(usize, usize, bool)> {
    let mut cmd = Command::new(repo.kcsan());
    cmd.arg("repro")
        .arg("--report")
        .arg(log)
        .args(["-n", &runs.to_string(), "-j", "1", "--timeout"])
        .arg(a.timeout.to_string())
        .arg("--json")
        .arg(json);
    if confirm {
        cmd.arg("--confirm-fix");
    }
    cmd.arg("--").arg(exe);
    cmd.env_remove("KCSAN_OPTIONS")
        .env("OMP_NUM_THREADS", a.omp_threads.to_string());
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", repo.kcsan().display()))?;
    let code = out.status.code();
    if !matches!(code, Some(0 | 1 | 66)) {
        bail!(
            "kcsan repro on {} failed ({:?}): {}",
            exe.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(json)
        .with_context(|| format!("kcsan repro wrote no {}", json.display()))?;
    let j: serde_json::Value = serde_json::from_str(&text)?;
    let n = j["runs"].as_u64().unwrap_or(0) as usize;
    let k = j["reproduced"].as_u64().unwrap_or(0) as usize;
    Ok((k, n, code == Some(66)))
}

/// Measures one racy program and its twin.
fn measure(
    repo: &Repo,
    p: &Program,
    twin: Option<&Program>,
    a: &CorpusArgs,
    dir: &Path,
) -> Result<Row> {
    let defaults = Detector::Kcsan(
        crate::configs::select(&[], Some("defaults"), &[])?
            .pop()
            .context("no defaults configuration")?,
    );
    let timeout = Duration::from_secs_f64(a.timeout);
    let mut row = Row {
        stem: p.stem.clone(),
        lang: p.lang_name(),
        ..Row::default()
    };
    let mut report = None;
    for i in 1..=a.find {
        let r = run_once(&p.exe, &defaults, a.omp_threads, timeout)?;
        let first = titles(&r.stderr).next().map(str::to_owned);
        if let Some(t) = first {
            row.found_in = Some(i);
            row.title = t.trim_start_matches("BUG: KCSAN: ").trim().to_owned();
            report = Some(r.stderr);
            break;
        }
    }
    let Some(report) = report else {
        return Ok(row);
    };
    let key = race_key(&row.title);
    let log = dir.join(format!("{}.log", p.stem));
    std::fs::write(&log, &report).with_context(|| format!("cannot write {}", log.display()))?;

    let mut same = 0;
    for _ in 0..a.runs {
        let r = run_once(&p.exe, &defaults, a.omp_threads, timeout)?;
        if titles(&r.stderr).any(|t| race_key(t) == key) {
            same += 1;
        }
    }
    row.defaults = (same, a.runs as usize);
    let (k, n, _) = kcsan_repro(
        repo,
        &log,
        &p.exe,
        a.runs,
        false,
        a,
        &dir.join(format!("{}.repro.json", p.stem)),
    )?;
    row.focused = (k, n);
    if let Some(t) = twin {
        row.twin = Some(
            match kcsan_repro(
                repo,
                &log,
                &t.exe,
                a.fix_runs,
                true,
                a,
                &dir.join(format!("{}.fix.json", p.stem)),
            ) {
                Ok((_, n, reported)) => Twin::Ran(n, reported),
                // The fix removed or renamed the racing functions: the race
                // as reported cannot come back, and there is nothing to focus.
                Err(e) if format!("{e:#}").contains("none of the report's functions") => {
                    Twin::FunctionsGone
                }
                Err(e) => return Err(e),
            },
        );
    }
    Ok(row)
}

fn cell((k, n): (usize, usize)) -> String {
    if n == 0 {
        return "–".to_owned();
    }
    let s = format!("{k}/{n}");
    if k * 10 >= n * 9 {
        format!("**{s}**")
    } else {
        s
    }
}

/// The table and its summary, as printed and recorded.
fn render(rows: &[Row], a: &CorpusArgs) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| racy program | lang | report found in run | defaults: same race | focused (`kcsan repro`) | fixed twin, `--confirm-fix` |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---|");
    for r in rows {
        let twin = match r.twin {
            None => "–".to_owned(),
            Some(Twin::Ran(n, false)) => format!("clean in {n}"),
            Some(Twin::Ran(n, true)) => format!("**REPORTED** (run {})", n + 1),
            Some(Twin::FunctionsGone) => "the fix removed the racing function".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.stem,
            r.lang,
            r.found_in
                .map_or_else(|| format!("none of {}", a.find), |i| i.to_string()),
            cell(r.defaults),
            cell(r.focused),
            twin
        );
    }
    let reporting: Vec<&Row> = rows.iter().filter(|r| r.found_in.is_some()).collect();
    let at90 = |f: fn(&Row) -> (usize, usize)| {
        reporting
            .iter()
            .filter(|r| {
                let (k, n) = f(r);
                n > 0 && k * 10 >= n * 9
            })
            .count()
    };
    let pooled = |f: fn(&Row) -> (usize, usize)| {
        let (k, n) = reporting
            .iter()
            .map(|r| f(r))
            .fold((0, 0), |acc, x| (acc.0 + x.0, acc.1 + x.1));
        let (lo, hi) = wilson(k, n);
        format!(
            "{k}/{n} runs ({:.0}%, [{:.0}%, {:.0}%])",
            k as f64 / n.max(1) as f64 * 100.0,
            lo * 100.0,
            hi * 100.0
        )
    };
    let twins: Vec<(usize, bool)> = rows
        .iter()
        .filter_map(|r| match r.twin {
            Some(Twin::Ran(n, reported)) => Some((n, reported)),
            _ => None,
        })
        .collect();
    let _ = writeln!(
        out,
        "\n{} of {} racy programs reported within {} runs at the defaults. Of those, the same race came back in ≥ 90% of runs for **{}** at the defaults and **{}** focused (target: all); pooled: defaults {}, focused {}. Fixed twins: {} of {} passed `--confirm-fix` ({} focused runs each; target: all, 0 reports).",
        reporting.len(),
        rows.len(),
        a.find,
        at90(|r| r.defaults),
        at90(|r| r.focused),
        pooled(|r| r.defaults),
        pooled(|r| r.focused),
        twins.iter().filter(|t| !t.1).count(),
        twins.len(),
        a.fix_runs
    );
    out
}

/// `kcsan-bench corpus --repro`.
pub(super) fn main(repo: &Repo, progs: &[Program], a: &CorpusArgs, jobs: usize) -> Result<String> {
    let dir: PathBuf = repo.out.join("corpus").join("repro");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let racy: Vec<&Program> = progs
        .iter()
        .filter(|p| p.set == Set::Racy && p.missed.is_none())
        .collect();
    let rows: Mutex<Vec<Row>> = Mutex::new(Vec::new());
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = racy.len();
    toolchain::parallel(jobs, racy, |p| {
        let twin = progs
            .iter()
            .find(|t| t.set == Set::Clean && t.stem == p.stem);
        let row = measure(repo, p, twin, a, &dir)
            .with_context(|| format!("while measuring {}", p.stem))?;
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        println!(
            "   {n}/{total} {}: defaults {}/{}, focused {}/{}{}",
            row.stem,
            row.defaults.0,
            row.defaults.1,
            row.focused.0,
            row.focused.1,
            match row.twin {
                Some(Twin::Ran(_, true)) => ", TWIN REPORTED",
                _ => "",
            }
        );
        rows.lock().unwrap_or_else(|e| e.into_inner()).push(row);
        Ok(())
    })?;
    let mut rows = rows.into_inner().unwrap_or_else(|e| e.into_inner());
    rows.sort_by(|x, y| x.stem.cmp(&y.stem));
    let failed_twins: Vec<&str> = rows
        .iter()
        .filter(|r| matches!(r.twin, Some(Twin::Ran(_, true))))
        .map(|r| r.stem.as_str())
        .collect();
    let text = render(&rows, a);
    if !failed_twins.is_empty() {
        eprintln!(
            "kcsan-bench: a focused run reported on the fixed twin of: {} (logs in {})",
            failed_twins.join(", "),
            dir.display()
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_compare_as_kcsan_repro_does() {
        assert_eq!(
            race_key("BUG: KCSAN: data-race in b / a"),
            race_key("data-race in a / b")
        );
        assert_eq!(
            race_key("data-race in f+0x1d/0x30").unwrap().1,
            ["f".to_owned()]
        );
        assert_ne!(
            race_key("assert: race in a / b"),
            race_key("data-race in a / b")
        );
        let err = "x\n==\nBUG: KCSAN: data-race in a / b\nmore\n";
        assert_eq!(
            titles(err).collect::<Vec<_>>(),
            ["BUG: KCSAN: data-race in a / b"]
        );
    }
}
