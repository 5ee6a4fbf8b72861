//! The detection study: per configuration (libtsan included) the numbers a
//! detection study compares, the program × configuration matrices, and every
//! run as JSON for later analysis.
//!
//! * *one-run recall*: over racy programs, the mean per-program detection
//!   rate: the chance that one run catches a given race. Every program has
//!   the same number of runs, so it is also the pooled fraction of runs;
//! * *5-run recall*: the fraction of racy programs caught in at least one of
//!   5 runs (someone who reruns a suspect test a few times), estimated from
//!   all n runs without bias ([`any_of`]);
//! * *5-run precision*: TP / (TP + FP), TP that estimate summed over racy
//!   programs, FP the same over clean programs (one flagged when any of its
//!   5 runs reports).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::{CorpusArgs, Detector, Program, RunResult, Runs, Set, caught_90, fmt_ms, mean};
use crate::stats::any_of;

/// How many runs the "5-run" columns are about.
const DRAWS: usize = 5;

/// One (configuration, program) pair's runs, counted.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Tally {
    pub(super) runs: usize,
    /// Runs with at least one report.
    pub(super) detected: usize,
    pub(super) reports: usize,
    /// Wall time summed over the runs, seconds.
    pub(super) wall_s: f64,
}

impl Tally {
    pub(super) fn of(rs: &[RunResult]) -> Tally {
        Tally {
            runs: rs.len(),
            detected: rs.iter().filter(|r| r.reports > 0).count(),
            reports: rs.iter().map(|r| r.reports).sum(),
            wall_s: rs.iter().map(|r| r.wall.as_secs_f64()).sum(),
        }
    }

    fn rate(&self) -> Option<f64> {
        (self.runs > 0).then(|| self.detected as f64 / self.runs as f64)
    }
}

/// One configuration's summary row.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Metrics {
    /// Racy and clean programs with runs (libtsan may lack the Rust ones).
    pub(super) racy: usize,
    pub(super) clean: usize,
    pub(super) one_run: Option<f64>,
    pub(super) m_run: Option<f64>,
    pub(super) precision: Option<f64>,
    /// Clean programs reported in at least one run.
    pub(super) clean_reported: usize,
    /// Racy programs caught in at least 90% of runs.
    pub(super) at_target: usize,
    /// Wall time per run, pooled over every run (racy and clean), seconds.
    pub(super) mean_wall: Option<f64>,
}

/// The summary row from one configuration's cells; `m` runs drawn for the
/// k-run columns.
pub(super) fn metrics(cells: &[(Set, Tally)], m: usize) -> Metrics {
    let racy: Vec<&Tally> = cells
        .iter()
        .filter(|(s, t)| *s == Set::Racy && t.runs > 0)
        .map(|(_, t)| t)
        .collect();
    let clean: Vec<&Tally> = cells
        .iter()
        .filter(|(s, t)| *s == Set::Clean && t.runs > 0)
        .map(|(_, t)| t)
        .collect();
    let drawn = |t: &&Tally| any_of(t.detected, t.runs, m);
    let tp: f64 = racy.iter().filter_map(drawn).sum();
    let fp: f64 = clean.iter().filter_map(drawn).sum();
    let runs: usize = cells.iter().map(|(_, t)| t.runs).sum();
    let wall: f64 = cells.iter().map(|(_, t)| t.wall_s).sum();
    Metrics {
        racy: racy.len(),
        clean: clean.len(),
        one_run: mean(racy.iter().filter_map(|t| t.rate())),
        m_run: mean(racy.iter().filter_map(drawn)),
        // Without clean programs there is nothing to be imprecise on, and
        // without any flag the ratio is undefined: no number then.
        precision: (!clean.is_empty() && tp + fp > 0.0).then(|| tp / (tp + fp)),
        clean_reported: clean.iter().filter(|t| t.detected > 0).count(),
        at_target: racy
            .iter()
            .filter(|t| caught_90(t.detected, t.runs))
            .count(),
        mean_wall: (runs > 0).then(|| wall / runs as f64),
    }
}

/// One configuration's cells: every program it ran, by program index.
fn cells(progs: &[Program], runs: &Runs, di: usize) -> Vec<(usize, Set, Tally)> {
    progs
        .iter()
        .enumerate()
        .filter_map(|(pi, p)| Some((pi, p.set, Tally::of(runs.get(&(di, pi))?))))
        .collect()
}

fn metrics_of(progs: &[Program], runs: &Runs, di: usize, m: usize) -> Metrics {
    let c: Vec<(Set, Tally)> = cells(progs, runs, di)
        .into_iter()
        .map(|(_, s, t)| (s, t))
        .collect();
    metrics(&c, m)
}

/// A kind of program: its column title, and which programs are of it.
type Kind = (&'static str, fn(&Program) -> bool);

/// The kinds the breakdown compares: OpenMP (the evaluation this mimics is
/// about OpenMP, whose runtime neither detector instruments) against the
/// rest, then the rest by language.
const KINDS: [Kind; 5] = [
    ("OpenMP", |p| p.is_openmp()),
    ("not OpenMP", |p| !p.is_openmp()),
    ("C", |p| p.lang_name() == "C"),
    ("C++", |p| p.lang_name() == "C++"),
    ("Rust", |p| p.lang_name() == "Rust"),
];

/// One-run recall over the racy programs of a kind, and how many there were.
fn recall_of_kind(
    progs: &[Program],
    runs: &Runs,
    di: usize,
    kind: fn(&Program) -> bool,
) -> (Option<f64>, usize) {
    let rates: Vec<f64> = cells(progs, runs, di)
        .into_iter()
        .filter(|(pi, s, _)| *s == Set::Racy && kind(&progs[*pi]))
        .filter_map(|(_, _, t)| t.rate())
        .collect();
    (mean(rates.iter().copied()), rates.len())
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |x| format!("{:.1}%", 100.0 * x))
}

fn summary_table(progs: &[Program], dets: &[Detector], runs: &Runs, m: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| configuration | options | 1-run recall | {m}-run recall | {m}-run precision | clean programs reported | \
         racy programs ≥ 90% | mean run |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|");
    for (di, d) in dets.iter().enumerate() {
        let x = metrics_of(progs, runs, di, m);
        // A kcsan report on a clean program fails the benchmark; libtsan's
        // are its (expected) false positives.
        let reported = match (x.clean_reported, d.is_kcsan()) {
            (n, true) if n > 0 => format!("**{n}** of {}", x.clean),
            (n, _) => format!("{n} of {}", x.clean),
        };
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {} | {reported} | {} of {} | {} |",
            d.name(),
            d.options_label(),
            pct(x.one_run),
            pct(x.m_run),
            pct(x.precision),
            x.at_target,
            x.racy,
            fmt_ms(x.mean_wall)
        );
    }
    s
}

fn legend(m: usize, n_runs: usize) -> String {
    let mut s = format!(
        "*1-run recall*: the mean over racy programs of the fraction of runs that reported (the chance that \
         one run catches a given race). *{m}-run recall*: the fraction of racy programs reported in at least \
         one of {m} runs, estimated from all runs without bias (per program 1 − C(n−k,{m})/C(n,{m}) for k \
         detecting runs of n). *{m}-run precision*: TP/(TP+FP), TP that estimate summed over racy programs, \
         FP the same over clean programs (a clean program counts when any of {m} runs reports). *Mean run*: \
         wall time per run over all runs of the configuration.\n"
    );
    if n_runs < DRAWS {
        let _ = writeln!(
            s,
            "\nWith {n_runs} runs per program (fewer than {DRAWS}), the {m}-run columns use all {n_runs} runs: \
             a program counts when any run reported. Use `--runs {DRAWS}` or more for the 5-run numbers."
        );
    }
    s
}

fn kinds_table(progs: &[Program], dets: &[Detector], runs: &Runs) -> String {
    let mut s = String::from("One-run recall by kind (racy programs measured in parentheses):\n\n");
    let heads: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
    let _ = writeln!(s, "| configuration | {} |", heads.join(" | "));
    let _ = writeln!(s, "|---|{}", "---:|".repeat(KINDS.len()));
    for (di, d) in dets.iter().enumerate() {
        let cols: Vec<String> = KINDS
            .iter()
            .map(|(_, k)| match recall_of_kind(progs, runs, di, *k) {
                (_, 0) => "–".to_owned(),
                (r, n) => format!("{} ({n})", pct(r)),
            })
            .collect();
        let _ = writeln!(s, "| {} | {} |", d.name(), cols.join(" | "));
    }
    s
}

/// A detector's other warnings (ThreadSanitizer's thread leaks, ...), by
/// kind: how many and in how many runs. Empty when there were none.
fn other_warnings(runs: &Runs, di: usize) -> BTreeMap<&str, (usize, usize)> {
    let mut m: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in runs
        .iter()
        .filter(|(k, _)| k.0 == di)
        .flat_map(|(_, rs)| rs)
    {
        for (kind, n) in &r.other_warnings {
            let e = m.entry(kind.as_str()).or_default();
            e.0 += n;
            e.1 += 1;
        }
    }
    m
}

/// The clean corpus's verdict, and the detectors' other warnings.
fn notes(progs: &[Program], dets: &[Detector], runs: &Runs) -> String {
    let mut s = String::new();
    let mut kcsan_reports = 0;
    for (di, d) in dets.iter().enumerate() {
        let c = cells(progs, runs, di);
        let clean = c.iter().filter(|(_, set, _)| *set == Set::Clean);
        if d.is_kcsan() {
            kcsan_reports += clean.map(|(_, _, t)| t.reports).sum::<usize>();
        } else {
            let (n, hit) = clean.fold((0, 0), |(n, h), (_, _, t)| {
                (n + 1, h + usize::from(t.detected > 0))
            });
            if n > 0 {
                let _ = writeln!(
                    s,
                    "`{}` reported on {hit} of {n} clean programs (ThreadSanitizer's false positives: they \
                     count in its precision and do not fail the benchmark).\n",
                    d.name()
                );
            }
        }
        let other = other_warnings(runs, di);
        if !other.is_empty() {
            let list: Vec<String> = other
                .iter()
                .map(|(k, (n, r))| format!("{k}: {n} in {r} runs"))
                .collect();
            let _ = writeln!(
                s,
                "`{}` also printed other warnings, not counted as detections: {}.\n",
                d.name(),
                list.join("; ")
            );
        }
    }
    let has_clean = progs.iter().any(|p| p.set == Set::Clean);
    if has_clean && dets.iter().any(Detector::is_kcsan) {
        let v = match kcsan_reports {
            0 => "no report from kcsan".to_owned(),
            n => format!("**{n} kcsan false positives**"),
        };
        s.insert_str(0, &format!("Clean corpus: {v} (target: none).\n\n"));
    }
    s
}

/// The racy programs × configurations: `k/n` runs detected, bold at ≥ 90%.
fn racy_matrix(progs: &[Program], dets: &[Detector], runs: &Runs) -> String {
    matrix(progs, dets, runs, Set::Racy, |t| {
        let cell = format!("{}/{}", t.detected, t.runs);
        if caught_90(t.detected, t.runs) {
            format!("**{cell}**")
        } else {
            cell
        }
    })
}

/// The clean programs × configurations: reports (and in how many runs), or 0.
fn clean_matrix(progs: &[Program], dets: &[Detector], runs: &Runs) -> String {
    matrix(progs, dets, runs, Set::Clean, |t| match t.reports {
        0 => "0".to_owned(),
        n => format!("**{n}** ({}/{} runs)", t.detected, t.runs),
    })
}

fn matrix(
    progs: &[Program],
    dets: &[Detector],
    runs: &Runs,
    set: Set,
    cell: impl Fn(&Tally) -> String,
) -> String {
    let mut s = String::new();
    let names: Vec<&str> = dets.iter().map(Detector::name).collect();
    let _ = writeln!(
        s,
        "| {} program | lang | {} |",
        set.name(),
        names.join(" | ")
    );
    let _ = writeln!(s, "|---|---|{}", "---:|".repeat(dets.len()));
    for (pi, p) in progs.iter().enumerate().filter(|(_, p)| p.set == set) {
        let cols: Vec<String> = (0..dets.len())
            .map(|di| {
                runs.get(&(di, pi))
                    .map_or_else(|| "n/a".to_owned(), |rs| cell(&Tally::of(rs)))
            })
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            p.stem,
            p.lang_name(),
            cols.join(" | ")
        );
    }
    s
}

/// The study's markdown: summary, legend, breakdown, notes, matrices.
pub(super) fn render(progs: &[Program], dets: &[Detector], runs: &Runs, n_runs: usize) -> String {
    let m = DRAWS.min(n_runs.max(1));
    let mut s = String::from("#### Summary\n\n");
    s.push_str(&summary_table(progs, dets, runs, m));
    s.push('\n');
    s.push_str(&legend(m, n_runs));
    s.push('\n');
    if progs.iter().any(|p| p.set == Set::Racy) {
        s.push_str(&kinds_table(progs, dets, runs));
        s.push('\n');
    }
    s.push_str(&notes(progs, dets, runs));
    if progs.iter().any(|p| p.set == Set::Racy) {
        let _ = writeln!(
            s,
            "#### Racy programs: runs that detected, of all (bold: at least 90%)\n\n{}",
            racy_matrix(progs, dets, runs)
        );
    }
    if progs.iter().any(|p| p.set == Set::Clean) {
        let _ = writeln!(
            s,
            "#### Clean programs: reports (in how many runs)\n\n{}",
            clean_matrix(progs, dets, runs)
        );
    }
    s
}

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn run_json(d: &Detector, p: &Program, r: &RunResult) -> Value {
    json!({
        "config": d.name(),
        "program": p.stem,
        "set": p.set.name(),
        "round": r.round,
        "detected": r.reports > 0,
        "reports": r.reports,
        "other_warnings": r.other_warnings,
        "wall_ms": ms(r.wall),
        "first_report_ms": r.first_report.map(ms),
        "exit_code": r.code,
        "signal": r.signal,
        "timed_out": r.timed_out,
    })
}

fn summary_json(progs: &[Program], dets: &[Detector], runs: &Runs, m: usize) -> Vec<Value> {
    dets.iter()
        .enumerate()
        .map(|(di, d)| {
            let x = metrics_of(progs, runs, di, m);
            let kinds: serde_json::Map<String, Value> = KINDS
                .iter()
                .map(|(name, k)| {
                    let (r, n) = recall_of_kind(progs, runs, di, *k);
                    (
                        (*name).to_owned(),
                        json!({ "one_run_recall": r, "programs": n }),
                    )
                })
                .collect();
            json!({
                "config": d.name(),
                "options": d.options_label(),
                "racy_programs": x.racy,
                "clean_programs": x.clean,
                "one_run_recall": x.one_run,
                "m_run_recall": x.m_run,
                "m_run_precision": x.precision,
                "clean_programs_reported": x.clean_reported,
                "racy_programs_at_90": x.at_target,
                "mean_run_ms": x.mean_wall.map(|w| (w * 1e6).round() / 1e3),
                "one_run_recall_by_kind": kinds,
            })
        })
        .collect()
}

/// Writes every run and the summary to `path` as JSON.
pub(super) fn write_json(
    path: &Path,
    progs: &[Program],
    dets: &[Detector],
    runs: &Runs,
    a: &CorpusArgs,
) -> Result<()> {
    let m = DRAWS.min(a.runs.max(1) as usize);
    let programs: Vec<Value> = progs
        .iter()
        .map(|p| {
            json!({
                "program": p.stem, "set": p.set.name(), "lang": p.lang_name(),
                "openmp": p.is_openmp(), "pattern": p.pattern,
            })
        })
        .collect();
    let all: Vec<Value> = runs
        .iter()
        .flat_map(|((di, pi), rs)| rs.iter().map(|r| run_json(&dets[*di], &progs[*pi], r)))
        .collect();
    let unix_time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let doc = json!({
        "tool": "kcsan-bench corpus",
        "unix_time": unix_time,
        "mode": if a.until_detected { "until-detected" } else { "study" },
        "runs_per_program": a.runs,
        "m": m,
        "omp_num_threads": a.omp_threads,
        "jobs": a.jobs.unwrap_or_else(crate::toolchain::cpus),
        "cpus": crate::toolchain::cpus(),
        "load_average": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "configs": dets.iter().map(|d| json!({
            "config": d.name(), "detector": if d.is_kcsan() { "kcsan" } else { "libtsan" },
            "options": d.options_label(),
        })).collect::<Vec<_>>(),
        "programs": programs,
        "summary": summary_json(progs, dets, runs, m),
        "runs": all,
    });
    let text = serde_json::to_string_pretty(&doc).context("cannot serialise the results")?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(detected: usize, runs: usize) -> Tally {
        Tally {
            runs,
            detected,
            reports: detected * 2,
            wall_s: 0.01 * runs as f64,
        }
    }

    #[test]
    fn metrics_by_hand() {
        let cells = [
            (Set::Racy, t(10, 10)),
            (Set::Racy, t(2, 10)),
            (Set::Racy, t(0, 10)),
            (Set::Clean, t(0, 10)),
            (Set::Clean, t(1, 10)),
        ];
        let x = metrics(&cells, 5);
        assert_eq!(
            (x.racy, x.clean, x.clean_reported, x.at_target),
            (3, 2, 1, 1)
        );
        // (1 + 0.2 + 0) / 3
        assert!((x.one_run.unwrap() - 0.4).abs() < 1e-12);
        // (1 + 7/9 + 0) / 3: 1 - C(8,5)/C(10,5) = 7/9 for 2 of 10.
        let tp = 1.0 + 7.0 / 9.0;
        assert!((x.m_run.unwrap() - tp / 3.0).abs() < 1e-12);
        // One detection in 10 runs is in 5 drawn with chance 1/2.
        assert!((x.precision.unwrap() - tp / (tp + 0.5)).abs() < 1e-12);
        assert!((x.mean_wall.unwrap() - 0.01).abs() < 1e-12);
    }

    #[test]
    fn metrics_without_data_say_nothing() {
        let x = metrics(&[(Set::Racy, t(3, 5))], 5);
        assert_eq!(x.precision, None, "no clean programs: no precision");
        assert_eq!(x.m_run, Some(1.0));
        let x = metrics(&[(Set::Racy, t(0, 5)), (Set::Clean, t(0, 5))], 5);
        assert_eq!(
            (x.one_run, x.m_run, x.precision),
            (Some(0.0), Some(0.0), None)
        );
        assert_eq!(metrics(&[], 5), Metrics::default());
    }
}
