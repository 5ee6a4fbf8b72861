//! kcsan_test: the kernel's KCSAN test suite (kernel-kcsan.md §11.2), case by
//! case, under every configuration each case depends on, with gcc and with
//! clang-22; prints a case × configuration table to compare with the kernel's.
//!
//! The cases live in `tests/kcsan_test/kcsan_test.c` (same names, kernels,
//! harness and matching as the kernel's `kcsan_test.c`); this driver builds it
//! with `kcsan cc` (twice: as usual, and with `KCSAN_WEAK_MEMORY=1` for the
//! `weak_memory` configuration, which needs function entry/exit
//! instrumentation), runs one process per case and configuration, and fails
//! with every failing case's output: the report it wanted (or must never see)
//! and the reports it saw.
//!
//! ```text
//! cargo test --release -p kcsan-cli --test kcsan_test -- --nocapture
//! KCSAN_TEST_CASES=test_basic,test_missing_barrier cargo test ...   # a subset
//! ```
//!
//! Each case runs with the kernel's defaults (`preset=kernel`, with
//! `delay_mode=yield`) and `report_once_in_ms=100` (the kernel suite's
//! `.kunitconfig`), so its deadline is 600 ms per thread count; a case waiting
//! for the report it expects keeps going up to `KCSAN_TEST_EXPECT_MS` (default
//! 20000) and stops at the first match.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::Outcome;

/// One configuration: the options in force (`KCSAN_OPTIONS`) and what the
/// program must know about them to expect, skip or invert as the kernel does.
struct Config {
    name: &'static str,
    options: &'static str,
    args: &'static [&'static str],
    /// Needs the build with function entry/exit instrumentation.
    weak_build: bool,
}

const CONFIGS: &[Config] = &[
    Config {
        name: "defaults",
        options: "",
        args: &[],
        weak_build: false,
    },
    Config {
        name: "strict",
        options: "strict=1",
        args: &["--vco=0", "--apwa=0", "--interrupt-watcher=1"],
        weak_build: false,
    },
    Config {
        name: "permissive",
        options: "permissive=1",
        args: &["--permissive=1"],
        weak_build: false,
    },
    Config {
        name: "report_value_change_only=0",
        options: "report_value_change_only=0",
        args: &["--vco=0"],
        weak_build: false,
    },
    Config {
        name: "assume_plain_writes_atomic=0",
        options: "assume_plain_writes_atomic=0",
        args: &["--apwa=0"],
        weak_build: false,
    },
    Config {
        name: "ignore_atomics",
        options: "ignore_atomics=1",
        args: &["--ignore-atomics=1"],
        weak_build: false,
    },
    Config {
        name: "report_race_unknown_origin=0",
        options: "report_race_unknown_origin=0",
        args: &["--unknown-origin=0"],
        weak_build: false,
    },
    // The kernel's WEAK_MEMORY depends on STRICT.
    Config {
        name: "weak_memory",
        options: "strict=1:weak_memory=1",
        args: &["--vco=0", "--apwa=0", "--interrupt-watcher=1", "--weak=1"],
        weak_build: true,
    },
];

/// Every case, and the configurations it depends on: the defaults, plus each
/// configuration under which the kernel's case expects, skips or inverts
/// differently (or which exercises a different path, e.g. strict's
/// interrupt_watcher with more threads).
const CASES: &[(&str, &[&str])] = &[
    ("test_barrier_nothreads", &["defaults", "weak_memory"]),
    ("test_basic", &["defaults", "strict", "weak_memory"]),
    ("test_concurrent_races", &["defaults", "strict"]),
    (
        "test_novalue_change",
        &["defaults", "report_value_change_only=0", "strict"],
    ),
    (
        "test_novalue_change_exception",
        &["defaults", "report_value_change_only=0"],
    ),
    (
        "test_unknown_origin",
        &["defaults", "report_race_unknown_origin=0"],
    ),
    (
        "test_write_write_assume_atomic",
        &["defaults", "assume_plain_writes_atomic=0", "strict"],
    ),
    ("test_write_write_struct", &["defaults", "strict"]),
    ("test_write_write_struct_part", &["defaults"]),
    (
        "test_read_atomic_write_atomic",
        &["defaults", "strict", "weak_memory"],
    ),
    (
        "test_read_plain_atomic_write",
        &["defaults", "ignore_atomics"],
    ),
    (
        "test_read_plain_atomic_rmw",
        &["defaults", "ignore_atomics"],
    ),
    ("test_zero_size_access", &["defaults"]),
    ("test_data_race", &["defaults", "strict"]),
    ("test_data_racy_qualifier", &["defaults"]),
    ("test_assert_exclusive_writer", &["defaults"]),
    ("test_assert_exclusive_access", &["defaults"]),
    ("test_assert_exclusive_access_writer", &["defaults"]),
    (
        "test_assert_exclusive_bits_change",
        &["defaults", "ignore_atomics"],
    ),
    ("test_assert_exclusive_bits_nochange", &["defaults"]),
    (
        "test_assert_exclusive_writer_scoped",
        &["defaults", "weak_memory"],
    ),
    ("test_assert_exclusive_access_scoped", &["defaults"]),
    ("test_jiffies_noreport", &["defaults"]),
    (
        "test_seqlock_noreport",
        &["defaults", "strict", "weak_memory"],
    ),
    ("test_atomic_builtins", &["defaults", "weak_memory"]),
    ("test_1bit_value_change", &["defaults", "permissive"]),
    ("test_correct_barrier", &["defaults", "weak_memory"]),
    ("test_missing_barrier", &["defaults", "weak_memory"]),
    (
        "test_atomic_builtins_correct_barrier",
        &["defaults", "weak_memory"],
    ),
    (
        "test_atomic_builtins_missing_barrier",
        &["defaults", "weak_memory"],
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
    Skip,
}

/// Builds kcsan_test.c with `cc`, optionally for weak memory, on the LTO
/// route if `lto` (`KCSAN_LTO=thin`: the fast paths inlined).
fn build(cc: &str, lto: bool, weak: bool, dir: &Path) -> PathBuf {
    let out = dir.join(if weak {
        "kcsan_test_weak"
    } else {
        "kcsan_test"
    });
    let src = support::repo_root().join("tests/kcsan_test/kcsan_test.c");
    let mut cmd = support::clean_command(support::kcsan());
    cmd.args(["cc", "-O2", "-g", "-Wall", "-Werror"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .arg("-pthread")
        .env("KCSAN_CC", cc)
        .env("KCSAN_LTO", if lto { "thin" } else { "0" })
        .current_dir(dir);
    if weak {
        cmd.env("KCSAN_WEAK_MEMORY", "1");
    }
    let o = support::run_captured(
        &mut cmd,
        dir,
        if weak { "build-weak" } else { "build" },
        Duration::from_secs(180),
    );
    assert_eq!(
        o.code(),
        Some(0),
        "building kcsan_test failed:\n{}",
        o.describe()
    );
    out
}

fn run_case(prog: &Path, case: &str, config: &Config, dir: &Path) -> (Verdict, Outcome) {
    let mut cmd = support::clean_command(prog);
    // The kernel's suite tests the kernel's behaviour: its defaults (the
    // `kernel` preset: its sampling, no stall budget, no first watches, the
    // non-strict reporting rules the cases expect or invert), except that a
    // watcher yields its CPU while it stalls, as on this 2-core machine it
    // must to let the racing thread run.
    let mut options = String::from("preset=kernel:delay_mode=yield:report_once_in_ms=100");
    if !config.options.is_empty() {
        options = format!("{options}:{}", config.options);
    }
    cmd.arg(case)
        .arg("--once-ms=100")
        .args(config.args)
        .env("KCSAN_OPTIONS", options)
        .current_dir(dir);
    if let Ok(ms) = std::env::var("KCSAN_TEST_EXPECT_MS") {
        cmd.arg(format!("--expect-ms={ms}"));
    }
    let tag = format!("{case}-{}", config.name.replace('=', "-"));
    let o = support::run_captured(&mut cmd, dir, &tag, Duration::from_secs(300));
    let verdict = match o.code() {
        Some(0) if o.stdout.contains(&format!("kcsan_test: {case}: pass")) => Verdict::Pass,
        Some(77) => Verdict::Skip,
        _ => Verdict::Fail,
    };
    (verdict, o)
}

/// The table: one row per case, one column per configuration.
fn table(results: &[(&str, Vec<Option<Verdict>>)]) -> String {
    let width = results.iter().map(|(c, _)| c.len()).max().unwrap_or(10);
    let mut out = format!("| {:width$} |", "case");
    for c in CONFIGS {
        out += &format!(" {} |", c.name);
    }
    out += &format!("\n|{}|", "-".repeat(width + 2));
    for c in CONFIGS {
        out += &format!("{}|", "-".repeat(c.name.len() + 2));
    }
    out.push('\n');
    for (case, cells) in results {
        out += &format!("| {case:width$} |");
        for (c, v) in CONFIGS.iter().zip(cells) {
            let s = match v {
                Some(Verdict::Pass) => "pass",
                Some(Verdict::Fail) => "FAIL",
                Some(Verdict::Skip) => "skip",
                None => "·",
            };
            out += &format!(" {s:w$} |", w = c.name.len());
        }
        out.push('\n');
    }
    out
}

fn suite(cc: &str, lto: bool) {
    if cc.starts_with("clang") && !support::have_clang() {
        eprintln!("skipped: {cc} not installed");
        return;
    }
    let mut scratch = support::scratch(&format!("kcsan_test-{cc}"));
    let dir = scratch.path().to_path_buf();
    let plain = build(cc, lto, false, &dir);
    let weak = build(cc, lto, true, &dir);
    let cc = &if lto {
        format!("{cc}, LTO route")
    } else {
        cc.to_owned()
    };
    let only: Option<Vec<String>> = std::env::var("KCSAN_TEST_CASES")
        .ok()
        .map(|s| s.split(',').map(|c| c.trim().to_owned()).collect());
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for (case, configs) in CASES {
        if only.as_ref().is_some_and(|o| !o.iter().any(|c| c == case)) {
            continue;
        }
        let mut cells = Vec::new();
        for config in CONFIGS {
            if !configs.contains(&config.name) {
                cells.push(None);
                continue;
            }
            let prog = if config.weak_build { &weak } else { &plain };
            let (v, o) = run_case(prog, case, config, &dir);
            eprintln!(
                "kcsan_test [{cc}] {case} [{}]: {} ({:.1} s)",
                config.name,
                match v {
                    Verdict::Pass => "pass",
                    Verdict::Fail => "FAIL",
                    Verdict::Skip => "skip",
                },
                o.elapsed.as_secs_f64()
            );
            if v == Verdict::Fail {
                failures.push(format!("{case} [{}]:\n{}", config.name, o.describe()));
            }
            cells.push(Some(v));
        }
        results.push((*case, cells));
    }
    let t = table(&results);
    eprintln!("\nkcsan_test with {cc}:\n{t}");
    if !failures.is_empty() {
        let kept = support::keep(&mut scratch);
        panic!(
            "kcsan_test with {cc}: {} failing case/configuration pair(s) (programs and logs kept in {}):\n{t}\n{}",
            failures.len(),
            kept.display(),
            failures.join("\n")
        );
    }
}

#[test]
fn kcsan_test_gcc() {
    suite("gcc", false);
}

#[test]
fn kcsan_test_clang() {
    suite("clang-22", false);
}

/// The whole suite with the runtime's fast paths inlined into the program
/// (clang's ThinLTO, `kcsan cc`'s LTO route).
#[test]
fn kcsan_test_clang_lto() {
    suite("clang-22", true);
}

/// The driver's table names every case of the program, and every
/// configuration it names exists.
#[test]
fn every_case_is_in_the_table() {
    let src = std::fs::read_to_string(support::repo_root().join("tests/kcsan_test/kcsan_test.c"))
        .expect("kcsan_test.c exists");
    let in_program: Vec<&str> = src
        .lines()
        .filter_map(|l| l.trim().strip_prefix("CASE("))
        .filter_map(|l| l.strip_suffix("),"))
        .collect();
    let in_table: Vec<&str> = CASES.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        in_program, in_table,
        "kcsan_test.c's cases[] and CASES disagree"
    );
    assert_eq!(in_table.len(), 30, "the kernel's suite has 30 cases");
    for (case, configs) in CASES {
        assert!(
            configs.contains(&"defaults"),
            "{case} runs under the defaults"
        );
        for c in *configs {
            assert!(
                CONFIGS.iter().any(|k| k.name == *c),
                "{case}: no configuration named {c}"
            );
        }
    }
}
