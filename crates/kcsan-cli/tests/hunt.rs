//! Tests of `kcsan hunt`: detection statistics over repeated runs of small C
//! programs built with the `kcsan cc` beside the tested binary (the runtime
//! must have been built: `cargo build --release` before
//! `cargo test --release -p kcsan-cli --test hunt`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A plain reader against a plain writer, each looping for ~100 ms.
const RACY: &str = r#"
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#define barrier() __asm__ __volatile__("" ::: "memory")
static uint64_t shared;
static volatile uint64_t sink;
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
static void *writer(void *arg)
{
	double end = now() + 0.1;
	(void)arg;
	for (uint64_t i = 0; now() < end; i++) {
		for (int j = 0; j < 256; j++) {
			shared = i * 256 + j;
			barrier();
		}
	}
	return 0;
}
static void *reader(void *arg)
{
	double end = now() + 0.1;
	uint64_t sum = 0;
	(void)arg;
	while (now() < end) {
		for (int j = 0; j < 256; j++) {
			sum += shared;
			barrier();
		}
	}
	sink = sum;
	return 0;
}
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, 0, writer, 0);
	pthread_create(&b, 0, reader, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	return 0;
}
"#;

/// The same shape, every access under a mutex.
const RACE_FREE: &str = r#"
#include <pthread.h>
#include <stdint.h>
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t shared;
static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&lock);
		shared += i;
		pthread_mutex_unlock(&lock);
	}
	return 0;
}
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, 0, worker, 0);
	pthread_create(&b, 0, worker, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	return shared == 0;
}
"#;

fn kcsan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kcsan"));
    c.env_remove("KCSAN_OPTIONS");
    c
}

fn build(dir: &Path, name: &str, source: &str) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let exe = dir.join(name);
    let out = kcsan()
        .args(["cc", "-O2", "-g"])
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg("-pthread")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn hunt(dir: &Path, args: &[&str], env: Option<&str>) -> Output {
    let mut c = kcsan();
    c.arg("hunt").args(args).current_dir(dir);
    if let Some(e) = env {
        c.env("KCSAN_OPTIONS", e);
    }
    c.output().unwrap()
}

fn show(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn racy_program_is_detected_and_files_are_written() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "racy", RACY);
    let o = hunt(
        dir.path(),
        &[
            "-n",
            "10",
            "--sweep-option",
            "udelay_task=40,80",
            "--json",
            "r.json",
            "--svg",
            "r.svg",
            "--png",
            "r.png",
            "--",
            "./racy",
        ],
        Some("skip_watch=50"),
    );
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("data-race in "), "{}", show(&o));
    let j = json(&dir.path().join("r.json"));
    let settings = j["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 2);
    for s in settings {
        assert_eq!(s["runs"], 10);
        let p = s["probability"].as_f64().unwrap();
        assert!(p >= 0.5, "detection probability {p} < 0.5: {}", show(&o));
        let (lo, hi) = (
            s["ci_low"].as_f64().unwrap(),
            s["ci_high"].as_f64().unwrap(),
        );
        assert!(lo <= p && p <= hi && hi <= 1.0);
        assert!(s["mean_first_report_secs"].as_f64().unwrap() > 0.0);
        let t = s["titles"][0]["title"].as_str().unwrap();
        assert!(
            t == "data-race in reader / writer" || t == "data-race in writer / reader",
            "{t}"
        );
    }
    let svg = std::fs::read_to_string(dir.path().join("r.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<circle").count(), 2);
    check_png(&dir.path().join("r.png"));

    // --replot draws the same plot again from the JSON, running nothing.
    let o = hunt(
        dir.path(),
        &[
            "--replot",
            "r.json",
            "--svg",
            "again.svg",
            "--png",
            "again.png",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("again.svg")).unwrap(),
        svg
    );
    check_png(&dir.path().join("again.png"));
}

/// A PNG file that decodes to a 640x400 plot: a white background with a
/// fair amount of ink (axes, grid, points, error bars and text).
fn check_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} has no PNG signature",
        path.display()
    );
    let img = resvg::tiny_skia::Pixmap::decode_png(&bytes)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()));
    assert_eq!(
        (img.width(), img.height()),
        (640, 400),
        "{}",
        path.display()
    );
    let px = img.pixels();
    let white = px
        .iter()
        .filter(|p| p.red() == 255 && p.green() == 255 && p.blue() == 255)
        .count();
    let ink = px.len() - white;
    assert!(
        white > px.len() / 2 && ink > 2000,
        "{}: {white} white and {ink} other pixels of {}",
        path.display(),
        px.len()
    );
    // The title is drawn: the top band (y 5..30) has dark text pixels.
    let dark_title = (5..30)
        .flat_map(|y| (0..640).map(move |x| y * 640 + x))
        .filter(|&i| px[i].red() < 100 && px[i].alpha() == 255)
        .count();
    assert!(
        dark_title > 200,
        "{}: no title text ({dark_title} dark pixels)",
        path.display()
    );
}

#[test]
fn race_free_program_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "clean", RACE_FREE);
    let o = hunt(
        dir.path(),
        &["-n", "6", "--json", "c.json", "--", "./clean"],
        Some("skip_watch=50"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let j = json(&dir.path().join("c.json"));
    assert_eq!(j["settings"][0]["detections"], 0);
    assert_eq!(j["settings"][0]["runs"], 6);
    assert_eq!(j["settings"][0]["exit_codes"]["0"], 6);
}

#[test]
fn until_found_stops_early() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "racy", RACY);
    let o = hunt(
        dir.path(),
        &[
            "-n",
            "100",
            "-j",
            "1",
            "--until-found",
            "--json",
            "u.json",
            "--",
            "./racy",
        ],
        Some("skip_watch=50"),
    );
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let j = json(&dir.path().join("u.json"));
    let s = &j["settings"][0];
    let runs = s["runs"].as_u64().unwrap();
    assert!(runs < 100, "did not stop early: {}", show(&o));
    assert_eq!(s["detections"], 1);
    assert_eq!(s["runs_to_first_detection"].as_u64(), Some(runs));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("found at run {runs}")));
}

#[test]
fn usage_errors_fail_before_running() {
    let dir = tempfile::tempdir().unwrap();
    // A program that would leave a mark if it ran.
    let marker = dir.path().join("ran");
    let script = dir.path().join("prog.sh");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    let script_s = script.to_str().unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let cases: &[&[&str]] = &[
        &["-o", "skip_wach=1", "--", script_s],
        &["--sweep-option", "skip_watch=10,x", "--", script_s],
        &["--sweep-arg", "1,2", "--", script_s, "--iter"],
        &["--", "./no-such-program"],
        &["--replot", "missing.json", "--png", "x.png"],
        &["--replot", "prog.sh", "--svg", "x.svg"],
        &["--replot", "x.json"],
        &["--replot", "x.json", "--png", "x.png", "--", script_s],
    ];
    for args in cases {
        let o = hunt(dir.path(), args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", show(&o));
        assert!(!marker.exists(), "{args:?} ran the program");
    }
    let o = hunt(dir.path(), &["--", script_s], Some("bogus=1"));
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(!marker.exists());
    // And the script does run when nothing is wrong.
    let o = hunt(dir.path(), &["-n", "1", "--", script_s], None);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(marker.exists());
}

#[test]
fn bad_arguments_fail_before_any_run() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "racy", RACY);
    for (args, needle) in [
        (
            vec!["--timeout", "1e300", "--", "./racy"],
            "--timeout must be a positive number of seconds (at most 1e9), not 1e300",
        ),
        (
            vec!["--json", "/nonexistent-dir/r.json", "--", "./racy"],
            "--json: cannot write /nonexistent-dir/r.json",
        ),
        (
            vec!["--svg", "/nonexistent-dir/r.svg", "--", "./racy"],
            "--svg: cannot write /nonexistent-dir/r.svg",
        ),
    ] {
        let o = hunt(dir.path(), &args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", show(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {}", show(&o));
        assert!(!err.contains("panicked"), "{}", show(&o));
        // No run happened (20 runs of ~100 ms would take seconds).
        assert!(
            !String::from_utf8_lossy(&o.stdout).contains("setting"),
            "{}",
            show(&o)
        );
    }
}
