//! The `__tsan_atomic*` entry points return exactly what the compiler builtins
//! return (the kernel's `test_atomic_builtins`, widened to every entry point).
//!
//! For each compiler (gcc, and clang-22 when installed), `tests/c/atomics_seq.c`
//! is compiled twice: instrumented, so that every builtin becomes a call into
//! kcsan-rt, and plain, so that the compiler emits the operation itself.
//! `tests/c/atomics_main.c` runs both, compares every recorded value, and then
//! hammers shared counters from two threads. The program is linked against the
//! `libkcsan_rt.a` that cargo builds alongside this test, never with
//! `-fsanitize=thread` at link time (which would drag in libtsan).
//!
//! `nm` on the instrumented object proves the calls really go through our
//! entry points, so the test cannot pass vacuously.

// A test, not the runtime: it prints what it skips and compares.
#![allow(clippy::disallowed_macros)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::{env, fs};

// ===== Compilers =====

/// How one compiler builds the two halves of the test program.
struct Compiler {
    /// Driver name, looked up on `PATH`.
    cc: &'static str,
    /// Flags for the instrumented object (the kernel's `CFLAGS_KCSAN`).
    instrumented: &'static [&'static str],
    /// Flags for the uninstrumented object, besides `-O2`.
    native: &'static [&'static str],
    /// Warnings about deliberate constructs, silenced on both objects.
    quiet: &'static [&'static str],
    /// The compare-exchange entry points this compiler emits.
    cas: &'static [&'static str],
}

const GCC: Compiler = Compiler {
    cc: "gcc",
    instrumented: &[
        "-O2",
        "-fsanitize=thread",
        "--param",
        "tsan-distinguish-volatile=1",
        "--param",
        "tsan-instrument-func-entry-exit=0",
        "-Wno-tsan",
    ],
    // Without -mcx16, gcc calls `__sync_*_16` functions that no library
    // provides; with it, it inlines `lock cmpxchg16b` for them. (`__atomic_*_16`
    // still go to libatomic either way.)
    native: &["-mcx16"],
    quiet: &["-Wno-sync-nand"],
    cas: &["compare_exchange_strong", "compare_exchange_weak"],
};

const CLANG_22: Compiler = Compiler {
    cc: "clang-22",
    instrumented: &[
        "-O2",
        "-fsanitize=thread",
        "-fno-optimize-sibling-calls",
        "-mllvm",
        "-tsan-distinguish-volatile=1",
        "-mllvm",
        "-tsan-compound-read-before-write=1",
        "-mllvm",
        "-tsan-instrument-func-entry-exit=0",
    ],
    native: &[],
    quiet: &[
        "-Wno-sync-fetch-and-nand-semantics-changed",
        "-Wno-atomic-alignment",
    ],
    cas: &["compare_exchange_val"],
};

/// Operations every compiler emits at every width, besides compare-exchange.
const OPS: [&str; 9] = [
    "load",
    "store",
    "exchange",
    "fetch_add",
    "fetch_sub",
    "fetch_and",
    "fetch_or",
    "fetch_xor",
    "fetch_nand",
];

/// Widths in bits.
const WIDTHS: [u32; 5] = [8, 16, 32, 64, 128];

// ===== Test cases =====

#[test]
fn gcc_atomics_match_builtins() {
    if !available(GCC.cc) {
        panic!("gcc is required for this test but `gcc --version` failed");
    }
    run_sequence(&GCC);
}

#[test]
fn clang22_atomics_match_builtins() {
    if !available(CLANG_22.cc) {
        println!("skipping clang-22: not installed");
        return;
    }
    run_sequence(&CLANG_22);
}

// ===== Harness =====

/// Builds and runs the comparison program with `compiler`.
fn run_sequence(compiler: &Compiler) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("c");
    let seq_c = src.join("atomics_seq.c");
    let main_c = src.join("atomics_main.c");
    let rt = staticlib();
    let dir = ScratchDir::new(compiler.cc);
    let instr_o = dir.path().join("instr.o");
    let native_o = dir.path().join("native.o");
    let main_o = dir.path().join("main.o");
    let prog = dir.path().join("atomics");
    let cc = || Command::new(compiler.cc);

    // 1. The instrumented and the plain sequence, and the driver.
    check_output(
        cc().args(compiler.instrumented)
            .args(compiler.quiet)
            .arg("-DSEQ_NAME=seq_instrumented")
            .arg("-c")
            .arg(&seq_c)
            .arg("-o")
            .arg(&instr_o),
    );
    check_output(
        cc().arg("-O2")
            .args(compiler.native)
            .args(compiler.quiet)
            .arg("-DSEQ_NAME=seq_native")
            .arg("-c")
            .arg(&seq_c)
            .arg("-o")
            .arg(&native_o),
    );
    check_output(
        cc().args(["-O2", "-Wall", "-c"])
            .arg(&main_c)
            .arg("-o")
            .arg(&main_o),
    );

    // 2. The instrumented object must call every entry point, so that the
    //    comparison below covers each of them.
    let referenced = tsan_atomic_refs(&instr_o);
    let mut expected = BTreeSet::new();
    for bits in WIDTHS {
        for op in OPS.iter().chain(compiler.cas) {
            expected.insert(format!("__tsan_atomic{bits}_{op}"));
        }
    }
    expected.insert("__tsan_atomic_thread_fence".to_owned());
    expected.insert("__tsan_atomic_signal_fence".to_owned());
    let missing: Vec<_> = expected.difference(&referenced).collect();
    assert!(
        missing.is_empty(),
        "{}: the instrumented sequence should call every __tsan_atomic* entry point, \
         but does not call {missing:?} (it calls {referenced:?})",
        compiler.cc
    );

    // 3. Link against our runtime; -latomic serves the plain object's 16-byte
    //    atomics. No -fsanitize=thread here: that would link libtsan.
    check_output(
        cc().arg(&main_o)
            .arg(&instr_o)
            .arg(&native_o)
            .arg(&rt)
            .args([
                "-pthread", "-ldl", "-lm", "-lrt", "-lgcc_s", "-latomic", "-o",
            ])
            .arg(&prog),
    );

    // 4. Run: identical records, exact counters, and no report (every access
    //    that two threads share is atomic).
    let out = Command::new(&prog)
        .output()
        .expect("run the atomics test program");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stdout.lines() {
        println!("{}: {line}", compiler.cc);
    }
    assert!(
        out.status.success(),
        "{}: the instrumented atomics should behave exactly like the builtins, \
         but the program failed ({}).\nstdout:\n{stdout}\nstderr:\n{stderr}",
        compiler.cc,
        out.status
    );
    assert!(
        stdout.contains("values identical"),
        "{}: the program should report identical values; stdout:\n{stdout}",
        compiler.cc
    );
    assert!(
        !stderr.contains("KCSAN"),
        "{}: atomic accesses should never be reported as races; stderr:\n{stderr}",
        compiler.cc
    );
}

/// Whether `cc --version` runs.
fn available(cc: &str) -> bool {
    Command::new(cc)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `cmd`, panicking with its output unless it succeeds.
fn check_output(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The `__tsan_atomic*` symbols that `object` references (`nm -u`).
fn tsan_atomic_refs(object: &Path) -> BTreeSet<String> {
    let out = check_output(Command::new("nm").arg("-u").arg(object));
    let refs: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .filter(|sym| sym.starts_with("__tsan_atomic"))
        .map(str::to_owned)
        .collect();
    assert!(
        !refs.is_empty(),
        "{} should reference __tsan_atomic* symbols",
        object.display()
    );
    refs
}

/// The `libkcsan_rt.a` built for this test run.
///
/// Cargo builds kcsan-rt's lib target for this test with all its crate types in
/// one rustc invocation, into `<target dir>/<profile>/deps/`: the directory of
/// the test binary. That copy is fresh and follows `CARGO_TARGET_DIR`,
/// `--release` and `--target`. (The copy one level up is only refreshed by
/// `cargo build`, so it can be stale here.) If it is missing anyway, build it
/// with `cargo build -p kcsan-rt`.
fn staticlib() -> PathBuf {
    let exe = env::current_exe().expect("path of the test binary");
    let deps = exe.parent().expect("the test binary's directory");
    let lib = deps.join("libkcsan_rt.a");
    if lib.exists() {
        return lib;
    }

    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "-p", "kcsan-rt"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    check_output(&mut cmd);
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let lib = target_dir.join("debug").join("libkcsan_rt.a");
    assert!(
        lib.exists(),
        "`cargo build -p kcsan-rt` should produce {}",
        lib.display()
    );
    lib
}

/// A scratch directory under the system temp dir, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(tag: &str) -> Self {
        let path = env::temp_dir().join(format!("kcsan-rt-atomics-{tag}-{}", std::process::id()));
        // A leftover from a crashed run with a recycled pid is stale.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        ScratchDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
