//! Building programs three ways: plain, with libtsan, with kcsan.
//!
//! * plain: `gcc -O2` (`rustc -O`), no instrumentation;
//! * libtsan: `gcc -fsanitize=thread` at compile *and* link steps (nightly
//!   `rustc -Zsanitizer=thread` for Rust, when a nightly toolchain exists);
//! * kcsan: `target/release/kcsan cc` / `c++`, which instrument with KCSAN's
//!   parameters and link our runtime; Rust through [`rust_command`].
//!
//! Outputs go under `bench/out/`. A step is skipped when its output is newer
//! than its inputs and was made by the same command line (kept beside it in
//! `OUTPUT.cmd`), so a second benchmark run does not recompile sqlite.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

/// The repository's paths.
#[derive(Clone, Debug)]
pub(crate) struct Repo {
    pub(crate) root: PathBuf,
    /// `bench/out`: every build product and log.
    pub(crate) out: PathBuf,
    /// `target/release` (or `$CARGO_TARGET_DIR/release`).
    pub(crate) release: PathBuf,
}

impl Repo {
    /// The source tree this binary was built from.
    pub(crate) fn locate() -> Result<Repo> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot find the repository at {}", root.display()))?;
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        Ok(Repo {
            out: root.join("bench/out"),
            release: target.join("release"),
            root,
        })
    }

    /// The `kcsan` compiler wrapper.
    pub(crate) fn kcsan(&self) -> PathBuf {
        self.release.join("kcsan")
    }

    /// The runtime as `cargo kcsan` links it into Rust executables: one
    /// object with only the ABI global (made by `cargo kcsan runtime`).
    pub(crate) fn rust_runtime(&self) -> PathBuf {
        self.release.join("libkcsan_rt-rust.o")
    }

    /// The LTO route's runtime for Rust programs (`cargo kcsan --lto
    /// runtime`: the access entry points' bitcode, then the object), once;
    /// `None` if this machine cannot make it.
    pub(crate) fn rust_lto_runtime(&self) -> Option<(PathBuf, PathBuf)> {
        static LTO: std::sync::OnceLock<Option<(PathBuf, PathBuf)>> = std::sync::OnceLock::new();
        LTO.get_or_init(|| {
            let out = Command::new(self.release.join("cargo-kcsan"))
                .args(["kcsan", "--lto", "runtime"])
                .env("PATH", self.path_with_release())
                .output()
                .ok()?;
            if !out.status.success() {
                println!(
                    "   (no LTO runtime for Rust: {})",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                return None;
            }
            let text = String::from_utf8(out.stdout).ok()?;
            let mut lines = text.lines();
            Some((PathBuf::from(lines.next()?), PathBuf::from(lines.next()?)))
        })
        .clone()
    }

    /// `PATH` with `target/release` first (cargo-kcsan finds `kcsan` there).
    fn path_with_release(&self) -> std::ffi::OsString {
        std::env::join_paths(
            std::iter::once(self.release.clone()).chain(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            )),
        )
        .unwrap_or_default()
    }

    /// Builds the runtime and the `kcsan` wrapper (`cargo build --release`),
    /// unless `skip`; then checks that both are there.
    pub(crate) fn ensure_runtime(&self, skip: bool) -> Result<()> {
        if !skip {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let st = Command::new(cargo)
                .args([
                    "build",
                    "--release",
                    "-p",
                    "kcsan-rt",
                    "-p",
                    "kcsan-cli",
                    "-p",
                    "cargo-kcsan",
                ])
                .current_dir(&self.root)
                .status()
                .context("cannot run cargo")?;
            if !st.success() {
                bail!("`cargo build --release -p kcsan-rt -p kcsan-cli -p cargo-kcsan` failed");
            }
        }
        // The Rust programs link the runtime as `cargo kcsan` does; this
        // (re)makes its object from the archive when that is newer.
        let made = Command::new(self.release.join("cargo-kcsan"))
            .args(["kcsan", "runtime"])
            .output()
            .context("cannot run cargo-kcsan; run `cargo build --release` first")?;
        if !made.status.success() {
            bail!(
                "`cargo kcsan runtime` failed:\n{}",
                String::from_utf8_lossy(&made.stderr)
            );
        }
        for f in ["kcsan", "libkcsan_rt.a", "libkcsan_rt-rust.o"] {
            let p = self.release.join(f);
            if !p.is_file() {
                bail!(
                    "{} is missing; run `cargo build --release` first",
                    p.display()
                );
            }
        }
        Ok(())
    }
}

/// How a program is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Build {
    Plain,
    Libtsan,
    Kcsan,
    /// clang-22 with ThinLTO, not instrumented: the LTO route's baseline.
    PlainLto,
    /// kcsan's LTO route: `KCSAN_CC=clang-22 KCSAN_LTO=thin kcsan cc`, the
    /// runtime's fast paths inlined into the program (C and C++ only).
    KcsanLto,
}

impl Build {
    const ALL: [Build; 5] = [
        Build::Plain,
        Build::Libtsan,
        Build::Kcsan,
        Build::PlainLto,
        Build::KcsanLto,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Build::Plain => "plain",
            Build::Libtsan => "libtsan",
            Build::Kcsan => "kcsan",
            Build::PlainLto => "plain-lto",
            Build::KcsanLto => "kcsan-lto",
        }
    }

    /// Builds with kcsan's runtime.
    pub(crate) fn is_kcsan(self) -> bool {
        matches!(self, Build::Kcsan | Build::KcsanLto)
    }

    /// The builds this machine can make: the LTO builds need clang-22 with
    /// lld (scripts/setup.sh installs both).
    pub(crate) fn available() -> Vec<Build> {
        Build::ALL
            .into_iter()
            .filter(|b| !matches!(b, Build::PlainLto | Build::KcsanLto) || clang_lto_available())
            .collect()
    }
}

/// Whether clang-22 and its lld are installed.
fn clang_lto_available() -> bool {
    static HAVE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAVE.get_or_init(|| {
        Command::new("clang-22")
            .arg("-print-prog-name=ld.lld")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .is_some_and(|p| Path::new(p.trim()).is_file())
    })
}

/// The source language, from the file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lang {
    C,
    Cxx,
    Rust,
}

impl Lang {
    pub(crate) fn of(path: &Path) -> Option<Lang> {
        match path.extension()?.to_str()? {
            "c" => Some(Lang::C),
            "cc" | "cpp" | "cxx" => Some(Lang::Cxx),
            "rs" => Some(Lang::Rust),
            _ => None,
        }
    }
}

/// The compiler driver for a C or C++ build step.
fn driver(repo: &Repo, build: Build, lang: Lang) -> Command {
    let cxx = lang == Lang::Cxx;
    match build {
        Build::Kcsan | Build::KcsanLto => {
            let mut c = Command::new(repo.kcsan());
            c.arg(if cxx { "c++" } else { "cc" });
            if build == Build::KcsanLto {
                c.env("KCSAN_CC", "clang-22")
                    .env("KCSAN_CXX", "clang++-22")
                    .env("KCSAN_LTO", "thin");
            } else {
                c.env_remove("KCSAN_LTO");
            }
            c
        }
        Build::Plain | Build::Libtsan => Command::new(if cxx { "g++" } else { "gcc" }),
        Build::PlainLto => {
            let mut c = Command::new(if cxx { "clang++-22" } else { "clang-22" });
            c.arg("-flto=thin");
            c
        }
    }
}

/// A compile step: `src` to the object `obj`, with `flags` (optimisation,
/// defines, includes) after the build's own.
pub(crate) fn compile(
    repo: &Repo,
    build: Build,
    lang: Lang,
    src: &Path,
    obj: &Path,
    flags: &[String],
) -> Command {
    let mut c = driver(repo, build, lang);
    if build == Build::Libtsan {
        c.arg("-fsanitize=thread");
    }
    c.args(flags).arg("-c").arg(src).arg("-o").arg(obj);
    c
}

/// A link step. libtsan needs `-fsanitize=thread` here too (gcc then adds
/// libtsan); the kcsan wrapper adds our runtime itself.
pub(crate) fn link(
    repo: &Repo,
    build: Build,
    lang: Lang,
    objs: &[PathBuf],
    exe: &Path,
    flags: &[String],
) -> Command {
    let mut c = driver(repo, build, lang);
    if build == Build::Libtsan {
        c.arg("-fsanitize=thread");
    }
    if build == Build::PlainLto {
        c.arg("-fuse-ld=lld");
    }
    c.args(objs).arg("-o").arg(exe).args(flags).arg("-pthread");
    c
}

/// The link of the LTO route's Rust builds.
const LTO_LINK: [&str; 3] = [
    "-Clinker-plugin-lto",
    "-Clinker=clang-22",
    "-Clink-arg=-fuse-ld=lld",
];

/// The command that builds the single-file Rust program `src` into `exe`, or
/// `None` when this machine cannot make that build (libtsan needs nightly).
///
/// This is the one place that knows how Rust is instrumented. Until
/// `cargo kcsan` lands it uses the stable recipe of toolchain.md §4: LLVM's
/// ThreadSanitizer passes forced on every function, KCSAN's parameters, and
/// the runtime object `cargo kcsan` links (the staticlib merged and localized
/// so that its std does not clash with the program's; static TLS, so the
/// fast path costs what it costs in C). std stays
/// uninstrumented; the generic std code the program instantiates is
/// instrumented with it.
pub(crate) fn rust_command(repo: &Repo, build: Build, src: &Path, exe: &Path) -> Option<Command> {
    let mut c = Command::new("rustc");
    match build {
        Build::Plain => {}
        Build::Kcsan | Build::KcsanLto => {
            c.args([
                "-Cpasses=forceattrs,tsan-module,tsan",
                "-Cllvm-args=-force-attribute=sanitize_thread",
            ]);
            // As `kcsan cc` and `cargo kcsan`: the hooks only with
            // KCSAN_WEAK_MEMORY=1 (for `weak_memory=1` configurations).
            if std::env::var_os("KCSAN_WEAK_MEMORY").is_none_or(|v| v.is_empty() || v == "0") {
                c.arg("-Cllvm-args=-tsan-instrument-func-entry-exit=0");
            }
            c.args([
                "-Cllvm-args=-tsan-compound-read-before-write=1",
                "-Cllvm-args=-tsan-distinguish-volatile=1",
            ]);
            // The call route links the runtime object; the LTO route, as
            // `cargo kcsan --lto` links, the access entry points' bitcode
            // and the object made for it, by clang-22 with lld.
            let runtime = if build == Build::KcsanLto {
                c.args(LTO_LINK);
                let (bitcode, object) = repo.rust_lto_runtime()?;
                vec![bitcode, object]
            } else {
                vec![repo.rust_runtime()]
            };
            for f in runtime {
                let mut link = OsString::from("-Clink-arg=");
                link.push(f);
                c.arg(link);
            }
        }
        Build::PlainLto => {
            c.args(LTO_LINK);
        }
        Build::Libtsan => {
            if !nightly_available() {
                return None;
            }
            // rustup's proxy picks the toolchain from the `+nightly` argument.
            c.arg("+nightly").args([
                "-Zsanitizer=thread",
                "-Cunsafe-allow-abi-mismatch=sanitizer",
                "--target",
                "x86_64-unknown-linux-gnu",
            ]);
        }
    }
    c.args(["--edition", "2021", "-O", "-Cdebuginfo=line-tables-only"])
        .arg(src)
        .arg("-o")
        .arg(exe);
    Some(c)
}

fn nightly_available() -> bool {
    static NIGHTLY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *NIGHTLY.get_or_init(|| {
        Command::new("rustc")
            .args(["+nightly", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// The command line as one string (also the `.cmd` stamp).
pub(crate) fn show(cmd: &Command) -> String {
    let mut parts: Vec<OsString> = vec![cmd.get_program().to_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_owned()));
    parts
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn stamp_path(output: &Path) -> PathBuf {
    let mut s = output.as_os_str().to_owned();
    s.push(".cmd");
    PathBuf::from(s)
}

/// Runs the build step `cmd` making `output` from `inputs`, unless `output`
/// is newer than every input and was made by the same command line.
pub(crate) fn step(cmd: &mut Command, output: &Path, inputs: &[PathBuf]) -> Result<()> {
    let line = show(cmd);
    let stamp = stamp_path(output);
    if let Some(t) = mtime(output) {
        let same_cmd = std::fs::read_to_string(&stamp).is_ok_and(|s| s == line);
        let fresh = inputs.iter().all(|i| mtime(i).is_some_and(|ti| ti <= t));
        if same_cmd && fresh {
            return Ok(());
        }
    }
    if let Some(dir) = output.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let out = cmd.output().with_context(|| format!("cannot run {line}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "build step failed ({}):\n  {line}\n{}",
            out.status,
            tail.join("\n")
        );
    }
    std::fs::write(&stamp, line).with_context(|| format!("cannot write {}", stamp.display()))?;
    Ok(())
}

/// Runs `tasks` on `jobs` threads; returns the first error (by task order).
pub(crate) fn parallel<T: Send>(
    jobs: usize,
    tasks: Vec<T>,
    f: impl Fn(T) -> Result<()> + Sync,
) -> Result<()> {
    let n = tasks.len();
    let queue: Vec<Mutex<Option<T>>> = tasks.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let next = AtomicUsize::new(0);
    let errors: Mutex<Vec<(usize, anyhow::Error)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, n.max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let t = queue[i].lock().unwrap_or_else(|e| e.into_inner()).take();
                    if let Some(t) = t
                        && let Err(e) = f(t)
                    {
                        errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, e));
                    }
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    errors.sort_by_key(|(i, _)| *i);
    match errors.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// The number of CPUs to use for parallel work.
pub(crate) fn cpus() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
