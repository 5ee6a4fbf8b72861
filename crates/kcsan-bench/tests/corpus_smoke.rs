//! The corpus, cheaply: every program builds with `kcsan cc` / `kcsan c++` /
//! the Rust recipe, every clean program runs once without a report, and every
//! racy program is reported within a deadline (rerun until its first report,
//! as the kernel's kcsan_test loops). The detection *probabilities* are the
//! benchmark's business (`kcsan-bench corpus`), not this test's.
//!
//! The configuration is the runtime's defaults with sparser sampling
//! (`skip_watch=100`). The defaults themselves never catch one program
//! (`omp_tiny_dup_index`: two single accesses, on the first and the last
//! thread, tens of microseconds apart; 0 of 9,207 runs), which with fewer
//! watches the threads run fast enough to bring together now and then. What
//! the defaults catch per run is the benchmark's business.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn corpus_builds_clean_is_silent_racy_is_caught() {
    let release = PathBuf::from(env!("CARGO_BIN_EXE_kcsan-bench"))
        .parent()
        .expect("the binary has a directory")
        .to_path_buf();
    for f in ["kcsan", "libkcsan_rt.a", "libkcsan_rt.so"] {
        assert!(
            release.join(f).is_file(),
            "{} is missing: run `cargo build --release` (the workspace) before this test",
            release.join(f).display()
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kcsan-bench"))
        .args([
            "corpus",
            "--no-build",
            "--until-detected",
            "--runs",
            "1",
            "--deadline",
            "90",
            "--timeout",
            "60",
            "--configs",
            "smoke",
            "--config",
            "smoke=skip_watch=100",
        ])
        .env("CARGO_TARGET_DIR", release.parent().expect("target dir"))
        .output()
        .expect("cannot run kcsan-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "kcsan-bench corpus failed:\n{stdout}\n{stderr}"
    );
    // The exit status covers the rest (a racy program never reported, a
    // clean one reported, a crash); check that the corpora are all there.
    let counts = stdout
        .split_once("Recorded by `kcsan-bench corpus` (")
        .and_then(|(_, rest)| rest.split_once(" clean programs"))
        .map(|(c, _)| c.to_owned())
        .unwrap_or_default();
    let nums: Vec<usize> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        nums.len() == 2 && nums[0] >= 20 && nums[1] >= 20,
        "expected 20+ racy and 20+ clean programs, got '{counts}':\n{stdout}"
    );
    assert!(stdout.contains("Clean corpus: no report"), "{stdout}");
}
