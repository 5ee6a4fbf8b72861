//! End-to-end tests of `cargo kcsan`: the sample crates under `tests/rust/`
//! (and the README's example) built and run with `cargo kcsan`, as a user
//! would: through cargo's subcommand lookup on `PATH`.
//!
//! The runtime is the `libkcsan_rt.a` beside the tested cargo-kcsan binary
//! (`cargo build --release` / `cargo test --release` put it there). Builds
//! share `target/rust-tests` so that reruns are incremental.
//!
//! Race detection is probabilistic: the racy crate is rerun until every
//! expected race has been seen, within a bounded number of attempts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// `cargo [+toolchain] kcsan ARGS` in `dir`, with the tested cargo-kcsan
/// first on PATH and no inherited build settings.
fn cargo_kcsan(dir: &Path, toolchain: Option<&str>, args: &[&str]) -> Output {
    cargo_kcsan_env(dir, toolchain, args, &[])
}

/// [`cargo_kcsan`] with extra environment variables.
fn cargo_kcsan_env(
    dir: &Path,
    toolchain: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-kcsan"))
        .parent()
        .expect("the binary has a directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH can be joined");
    let mut c = Command::new("cargo");
    if let Some(tc) = toolchain {
        c.arg(format!("+{tc}"));
    }
    c.arg("kcsan")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", root().join("target/rust-tests"));
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC",
        "CARGO",
        "RUSTUP_TOOLCHAIN",
        "KCSAN_OPTIONS",
        "KCSAN_RUNTIME_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        c.env_remove(var);
    }
    c.envs(env.iter().copied());
    c.output().expect("cargo runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn sample(name: &str) -> PathBuf {
    root().join("tests/rust").join(name)
}

/// A legacy-mangling hash suffix (`::h0123456789abcdef`) left in a name.
fn has_hash_suffix(s: &str) -> bool {
    s.match_indices("::h").any(|(i, _)| {
        let rest = &s[i + 3..];
        rest.len() >= 16 && rest[..16].chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// Checks what every Rust report must look like.
fn assert_rust_report_shape(out: &str) {
    assert!(
        out.contains("src/lib.rs:"),
        "frames carry file:line:\n{out}"
    );
    assert!(!has_hash_suffix(out), "no hash suffixes in names:\n{out}");
    for runtime in [
        "__tsan_",
        "kcsan_core::",
        "kcsan_rt::",
        "__rust_begin_short_backtrace",
        "thread_start",
        "start_thread",
    ] {
        assert!(
            !out.contains(runtime),
            "`{runtime}` frames are left out of reports:\n{out}"
        );
    }
}

/// `cargo kcsan` with `args`, then cargo kcsan's own `options`.
fn cargo_kcsan_with(
    dir: &Path,
    toolchain: Option<&str>,
    args: &[&str],
    options: &[&str],
) -> Output {
    let mut all = args.to_vec();
    all.extend(options);
    cargo_kcsan(dir, toolchain, &all)
}

/// Runs the racy crate until each of its four races has been reported.
fn racy_crate_reports_every_race(toolchain: Option<&str>) {
    racy_crate_reports_every_race_with(toolchain, &[]);
}

/// [`racy_crate_reports_every_race`], with more cargo kcsan options.
fn racy_crate_reports_every_race_with(toolchain: Option<&str>, options: &[&str]) {
    let expected = [
        "data-race in racy::counter_bump / racy::counter_bump",
        "racy::cell_write",
        "racy::atomic_bump_plain",
        "racy::flag_toggle",
    ];
    let mut seen = [false; 4];
    let mut log = String::new();
    for _attempt in 0..5 {
        let o = cargo_kcsan_with(&sample("racy"), toolchain, &["test", "--release"], options);
        let out = text(&o);
        let route = match toolchain {
            Some("nightly") => "(nightly route: -Zsanitizer=thread)",
            _ if options.contains(&"--lto") => {
                "(stable route: -Cpasses=...tsan), LTO route (checks inlined)"
            }
            _ => "(stable route: -Cpasses=...tsan)",
        };
        assert!(
            out.contains(&format!("cargo kcsan: instrumenting racy {route}")),
            "the toolchain's default route is used:\n{out}"
        );
        let titles: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("BUG: KCSAN:"))
            .collect();
        if !titles.is_empty() {
            assert!(
                !o.status.success(),
                "a test binary that reported exits non-zero, and so does cargo kcsan:\n{out}"
            );
            assert!(
                out.contains("exit status: 66"),
                "the runtime's exitcode:\n{out}"
            );
            assert_rust_report_shape(&out);
            assert!(
                out.contains(&format!(
                    "cargo kcsan: {} race{} reported by racy-",
                    titles.len(),
                    if titles.len() == 1 { "" } else { "s" }
                )) && out.contains("(tests: tests::"),
                "the runner names the tests that raced:\n{out}"
            );
            assert_whole_test_names(&out);
        } else {
            assert!(
                out.contains("test result: ok. 4 passed"),
                "the racy crate builds and runs:\n{out}"
            );
        }
        for (i, e) in expected.iter().enumerate() {
            seen[i] |= titles.iter().any(|t| t.contains(e));
        }
        log.push_str(&out);
        if seen.iter().all(|s| *s) {
            return;
        }
    }
    panic!("not every race was reported ({seen:?} for {expected:?}):\n{log}");
}

/// The flag race runs on the test's own thread and its unnamed helper,
/// which the kernel both calls `tests::the_tes`: the report names the whole
/// test, and so does the runner's summary.
fn assert_whole_test_names(out: &str) {
    const TEST: &str = "tests::the_test_thread_races_a_helper_it_spawned";
    for report in out.split("BUG: KCSAN:").skip(1) {
        let comm = report
            .lines()
            .find_map(|l| l.split_once(" Comm: "))
            .map(|(_, c)| c.split(" Exe: ").next().unwrap_or(c));
        if report
            .lines()
            .next()
            .is_some_and(|t| t.contains("racy::flag_toggle"))
        {
            assert_eq!(comm, Some(TEST), "the whole test name:\n{out}");
            assert!(
                out.contains(&format!("{TEST}: ")),
                "the summary names the test:\n{out}"
            );
        }
        assert!(
            comm.is_none_or(|c| !(c.len() == 15 && c.starts_with("tests::"))),
            "no test name is left cut to 15 bytes:\n{out}"
        );
    }
}

#[test]
fn racy_crate_is_reported_on_stable() {
    racy_crate_reports_every_race(Some("stable"));
}

#[test]
fn racy_crate_is_reported_on_nightly() {
    if has_nightly() {
        racy_crate_reports_every_race(Some("nightly"));
    }
}

/// Whether clang-22 with lld is installed (the LTO route's linker).
fn has_clang_lld() -> bool {
    Command::new("clang-22")
        .arg("-print-prog-name=ld.lld")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|p| Path::new(p.trim()).is_file())
}

/// `cargo kcsan --lto`: the same races, found by checks inlined into the
/// program (no call to a plain access hook left in `counter_bump`, whose
/// check the call route makes with `call __tsan_read_write8`).
#[test]
fn racy_crate_is_reported_on_the_lto_route() {
    if !has_clang_lld() {
        eprintln!("skipped: clang-22 with lld is not installed (scripts/setup.sh installs them)");
        return;
    }
    racy_crate_reports_every_race_with(Some("stable"), &["--lto"]);
    // The LTO route builds apart from the call route (target/kcsan-lto).
    let deps = root().join("target/rust-tests/kcsan-lto/x86_64-unknown-linux-gnu/release/deps");
    let exe = std::fs::read_dir(&deps)
        .expect("the test binaries were built")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("racy-"))
                && p.extension().is_none()
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("the racy test binary");
    let dis = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn"])
        .arg(&exe)
        .output()
        .expect("objdump runs");
    let dis = String::from_utf8_lossy(&dis.stdout);
    let body: Vec<&str> = dis
        .lines()
        .skip_while(|l| !(l.contains("counter_bump") && l.ends_with(">:")))
        .take_while(|l| !l.is_empty())
        .collect();
    let body = body.join("\n");
    assert!(!body.is_empty(), "counter_bump is in {}", exe.display());
    assert!(
        !body.contains("<__tsan_") && body.contains("check_window"),
        "the check is inlined into counter_bump:\n{body}"
    );
}

#[test]
fn clean_crate_that_leans_on_std_is_silent() {
    clean_crate_is_silent(&[]);
}

/// The clean crate on the LTO route: silent, and its doctest (linked by
/// rustdoc on the call route) still links and runs.
#[test]
fn clean_crate_is_silent_on_the_lto_route() {
    if has_clang_lld() {
        clean_crate_is_silent(&["--lto"]);
    }
}

fn clean_crate_is_silent(options: &[&str]) {
    let o = cargo_kcsan_with(
        &sample("clean"),
        Some("stable"),
        &["test", "--release"],
        options,
    );
    let out = text(&o);
    assert!(o.status.success(), "no race, exit 0:\n{out}");
    assert!(
        out.contains("test result: ok. 5 passed"),
        "all tests ran:\n{out}"
    );
    assert!(
        out.contains("test result: ok. 1 passed"),
        "the doctest, linked with the runtime by rustdoc, ran:\n{out}"
    );
    assert!(!out.contains("KCSAN"), "no report at all:\n{out}");
}

fn has_nightly() -> bool {
    let ok = Command::new("cargo")
        .args(["+nightly", "--version"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "skipped: no nightly toolchain (install one with `rustup toolchain install nightly`)"
        );
    }
    ok
}

#[test]
fn api_crate_race_tests_pass_on_stable() {
    api_crate_race_tests_pass("stable");
}

#[test]
fn api_crate_race_tests_pass_on_nightly() {
    if has_nightly() {
        api_crate_race_tests_pass("nightly");
    }
}

fn api_crate_race_tests_pass(toolchain: &str) {
    let o = cargo_kcsan(&sample("api"), Some(toolchain), &["test", "--release"]);
    let out = text(&o);
    assert!(o.status.success(), "every expect/never test passes:\n{out}");
    assert!(
        out.contains("test result: ok. 11 passed; 0 failed; 0 ignored"),
        "under cargo kcsan nothing is ignored:\n{out}"
    );
    assert!(
        !out.contains("BUG: KCSAN"),
        "the harness consumes the reports it captures:\n{out}"
    );
}

#[test]
fn api_crate_builds_without_kcsan() {
    // Plain `cargo test`: the kcsan types are std's, runtime tests are ignored.
    let o = Command::new("cargo")
        .args(["+stable", "test", "--release"])
        .current_dir(sample("api"))
        .env("CARGO_TARGET_DIR", root().join("target/rust-tests"))
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .output()
        .expect("cargo runs");
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("test result: ok. 5 passed; 0 failed; 6 ignored"),
        "the runtime's tests are ignored without --cfg kcsan:\n{out}"
    );
}

#[test]
fn kcsan_crate_passes_its_own_tests_under_cargo_kcsan() {
    // The kcsan crate's unit tests and doctests with --cfg kcsan: its checked
    // types, macros and the harness (the test module's doctest finds a race).
    let o = cargo_kcsan(
        &root(),
        Some("stable"),
        &["test", "--release", "-p", "kcsan"],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let instrumented: Vec<&str> = out
        .lines()
        .find_map(|l| l.strip_prefix("cargo kcsan: instrumenting "))
        .and_then(|l| l.split(" (").next())
        .expect("cargo kcsan prints its plan")
        .split(", ")
        .collect();
    for ours in ["kcsan", "kcsan-core", "kcsan-rt", "kcsan-symbolize"] {
        assert!(
            !instrumented.contains(&ours),
            "{ours} is never instrumented: {instrumented:?}"
        );
    }
    assert!(
        out.contains("src/test.rs - test (line ") && !out.contains("BUG: KCSAN"),
        "the harness's doctest ran and consumed its report:\n{out}"
    );
}

#[test]
fn kcsan_options_reach_the_program() {
    // A bad option stops the program before main with the runtime's error:
    // proof that KCSAN_OPTIONS went through cargo kcsan and cargo to it.
    let o = cargo_kcsan_env(
        &root().join("examples/rust"),
        Some("stable"),
        &["run", "--release"],
        &[("KCSAN_OPTIONS", "no_such_option=1")],
    );
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.contains("kcsan: error: unknown option 'no_such_option'"),
        "the runtime saw KCSAN_OPTIONS:\n{out}"
    );
}

#[test]
fn readme_example_is_reported() {
    let dir = root().join("examples/rust");
    let mut log = String::new();
    for _attempt in 0..5 {
        let o = cargo_kcsan(&dir, Some("stable"), &["run", "--release"]);
        let out = text(&o);
        if out.contains("BUG: KCSAN: data-race in racy_counter::bump / racy_counter::bump") {
            assert_eq!(
                o.status.code(),
                Some(66),
                "the program's exit status:\n{out}"
            );
            assert!(out.contains("src/main.rs:"), "file:line:\n{out}");
            assert!(out.contains("Comm: worker-"), "the thread's name:\n{out}");
            return;
        }
        log.push_str(&out);
    }
    panic!("the example's race was not reported:\n{log}");
}

#[test]
fn bad_input_says_what_to_run() {
    let racy = sample("racy");
    let cases: [(&[&str], &str); 5] = [
        (&["frobnicate"], "unknown command `frobnicate`"),
        (&["--frob", "test"], "unknown option `--frob`"),
        (
            &["--route", "nightly", "test"],
            "rustup toolchain install nightly",
        ),
        (
            &["test", "--target", "aarch64-unknown-linux-gnu"],
            "builds for the host",
        ),
        (
            &["--instrument", "nosuchcrate", "test"],
            "no package named `nosuchcrate`",
        ),
    ];
    for (args, want) in cases {
        let o = cargo_kcsan(&racy, Some("stable"), args);
        let out = text(&o);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?} is a usage error:\n{out}"
        );
        assert!(
            out.contains("cargo kcsan: error: "),
            "{args:?}: one error line:\n{out}"
        );
        assert!(out.contains(want), "{args:?} should say `{want}`:\n{out}");
    }
    let empty = std::env::temp_dir().join(format!("cargo-kcsan-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let o = cargo_kcsan(&empty, Some("stable"), &["test"]);
    let out = text(&o);
    let _ = std::fs::remove_dir(&empty);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("no Cargo.toml") && out.contains("--manifest-path"),
        "a missing crate is named:\n{out}"
    );
}

/// A crate whose `.cargo/config.toml` gives a `--cfg` it cannot compile
/// without: cargo kcsan passes its own flags in RUSTFLAGS, which makes cargo
/// ignore the configuration's, so it must carry them over. Options after the
/// command (`cargo kcsan run --route stable`) are cargo kcsan's too.
#[test]
fn config_rustflags_are_kept_and_options_may_follow_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path();
    std::fs::create_dir_all(c.join("src")).unwrap();
    std::fs::create_dir_all(c.join(".cargo")).unwrap();
    std::fs::write(
        c.join("Cargo.toml"),
        "[package]\nname = \"needs-cfg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [lints.rust]\nunexpected_cfgs = \"allow\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        c.join(".cargo/config.toml"),
        "[build]\nrustflags = [\"--cfg\", \"from_config\"]\n",
    )
    .unwrap();
    std::fs::write(
        c.join("src/main.rs"),
        "#[cfg(not(from_config))]\ncompile_error!(\"the rustflags of .cargo/config.toml were dropped\");\n\
         fn main() { println!(\"config flags kept\"); }\n",
    )
    .unwrap();
    let o = cargo_kcsan(c, None, &["run", "--route", "stable", "--quiet"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("config flags kept"), "{out}");
    assert!(
        out.contains("stable route"),
        "--route after the command was taken: {out}"
    );
}

/// `--instrument-c csys`: the C that the crate's build script compiles with
/// the `cc` crate is built with kcsan's compiler, so its race is reported,
/// under the Rust frames that called it. Without the option the C is not
/// instrumented and nothing is reported.
#[test]
fn bundled_c_is_instrumented_on_request() {
    let crate_dir = sample("csys");
    let mut caught = None;
    for _attempt in 0..5 {
        let o = cargo_kcsan(
            &crate_dir,
            None,
            &["run", "--release", "--instrument-c", "csys"],
        );
        let out = text(&o);
        assert!(
            !out.contains("warning: csys"),
            "the cc crate is content with kcsan-cc:\n{out}"
        );
        if out.contains("BUG: KCSAN: data-race in csys_bump / csys_bump") {
            caught = Some(out);
            break;
        }
        assert!(o.status.success(), "{out}");
    }
    let out = caught.expect("the race in the bundled C is reported within 5 runs");
    assert!(
        out.contains("src/counter.c:"),
        "C frames with lines:\n{out}"
    );
    assert!(
        out.contains("csys::worker"),
        "the Rust frames above the C:\n{out}"
    );

    let o = cargo_kcsan(&crate_dir, None, &["run", "--release"]);
    let out = text(&o);
    assert!(
        o.status.success() && !out.contains("BUG: KCSAN"),
        "C not instrumented:\n{out}"
    );
    assert!(out.contains("total "), "{out}");
}
