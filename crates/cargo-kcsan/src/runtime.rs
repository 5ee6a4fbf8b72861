//! The kcsan runtime as Rust executables link it: one relocatable object.
//!
//! The runtime is the `libkcsan_rt.a` staticlib that `kcsan cc` links into C
//! programs, built by plain cargo (never instrumented). A Rust staticlib
//! carries its own copy of std, so linking it into a Rust executable fails
//! with duplicate symbols (`rust_eh_personality`, the allocator shims). The
//! alternatives and their costs (BENCHMARKS.md, "Rust programs"):
//!
//! 1. the cdylib: clean, but every hook then reaches its thread-local context
//!    through `__tls_get_addr` (about twice the fast-path cost);
//! 2. the cdylib built with `-Ztls-model=initial-exec`: fast, nightly only;
//! 3. **the staticlib, localized** (chosen): `ld -r --whole-archive` merges
//!    the archive into one object and `objcopy` makes every symbol local
//!    except the runtime's ABI (`__tsan_*`, `kcsan_*`, `__kcsan_*`, the
//!    `sigaction`/`signal` interposers) and the `DW.ref.*` personality
//!    references (which live in COMDAT groups and must stay global). The
//!    runtime's std becomes private to it, and its thread-local accesses are
//!    `%fs`-relative as in a C program, on stable Rust.
//!
//! **Built for executables** (issue 12). The workspace's `libkcsan_rt.a` is
//! compiled as position-independent code, because the same compilation also
//! makes the cdylib. In PIC code rustc reaches the thread context with the
//! general-dynamic TLS model: a `__tls_get_addr` call sequence, which the
//! linker does rewrite to `%fs`-relative code in an executable, but only
//! after the compiler has treated it as a call: every hook then keeps the
//! address in a callee-saved register (a push and a pop) and pays
//! `mov %fs:0; lea` before the access. The object is only ever linked into
//! executables, so when the kcsan checkout is at hand (a workspace build, or
//! no archive found at all), cargo kcsan links a build of the runtime made
//! with `-Crelocation-model=pie` instead, in `target/cargo-kcsan/` of the
//! checkout: initial-exec TLS, which the linker relaxes to one
//! `decq %fs:OFF(%rax)` after a constant load, and no frame. That takes 4
//! instructions off every plain read and 5 off every write (21 → 17 and
//! 26 → 21 in callgrind; BENCHMARKS.md, "The Rust gap (issue 12)").
//! `$KCSAN_RUNTIME_DIR` and an installed `kcsan`'s archive are linked as they
//! were built.
//!
//! The object is cached next to the archive and redone when the archive is
//! newer.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The runtime archive (as in `kcsan cc`).
const ARCHIVE: &str = "libkcsan_rt.a";
/// The localized object cargo kcsan links into Rust executables.
const OBJECT: &str = "libkcsan_rt-rust.o";

/// The symbols that stay global: the runtime's whole ABI.
const KEEP_GLOBAL: &[&str] = &[
    "__tsan_*",
    "kcsan_*",
    "__kcsan_*",
    "sigaction",
    "signal",
    "_exit",
    "_Exit",
    "DW.ref.*",
];

/// The kcsan checkout this binary was built from (`cargo install --path`
/// keeps pointing at it).
fn source_tree() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The runtime archive: `$KCSAN_RUNTIME_DIR/libkcsan_rt.a`, else the one next
/// to this binary (a `cargo build --release` of the kcsan workspace puts both
/// in `target/release/`), else the one the `kcsan` command beside this binary
/// (or on `PATH`) links (`kcsan runtime --dir`: an installed `kcsan` carries
/// it embedded), else one built now from the kcsan checkout.
fn archive() -> Result<(PathBuf, Origin)> {
    if let Some(dir) = std::env::var_os("KCSAN_RUNTIME_DIR") {
        let a = PathBuf::from(dir).join(ARCHIVE);
        if !a.is_file() {
            bail!(
                "KCSAN_RUNTIME_DIR is set but {} does not exist; build the runtime with \
                 `cargo build --release -p kcsan-rt` in the kcsan checkout",
                a.display()
            );
        }
        return Ok((a, Origin::AsBuilt));
    }
    let exe = std::env::current_exe().context("cannot find the cargo-kcsan executable's path")?;
    if let Some(a) = exe
        .parent()
        .map(|d| d.join(ARCHIVE))
        .filter(|a| a.is_file())
    {
        // A workspace build: the checkout that built it is at hand.
        let origin = if has_source_tree() {
            Origin::Checkout
        } else {
            Origin::AsBuilt
        };
        return Ok((a, origin));
    }
    if let Some(a) = from_kcsan_command(&exe) {
        return Ok((a, Origin::AsBuilt));
    }
    Ok((build_from_source()?, Origin::ForExecutables))
}

/// What the object is made from, given where the archive was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// `$KCSAN_RUNTIME_DIR` or an installed `kcsan`'s archive: linked as it
    /// was built (position-independent).
    AsBuilt,
    /// The workspace's archive, beside cargo-kcsan: the object is made from
    /// the build for executables ([`build_from_source`]) of the same
    /// checkout, falling back to this archive if that build fails.
    Checkout,
    /// The archive is already the build for executables.
    ForExecutables,
}

/// Whether the kcsan checkout this binary was built from is still there.
fn has_source_tree() -> bool {
    source_tree().join("crates/kcsan-rt/Cargo.toml").is_file()
}

/// The `kcsan` command: the one beside `exe` (cargo-kcsan; both are
/// installed into the same `bin/`), else `kcsan` from `PATH`.
pub(crate) fn kcsan_command(exe: &Path) -> PathBuf {
    exe.parent()
        .map(|d| d.join("kcsan"))
        .filter(|k| k.is_file())
        .unwrap_or_else(|| PathBuf::from("kcsan"))
}

/// [`kcsan_command`] as an absolute path (searched in `PATH`), for links.
pub(crate) fn resolve_kcsan(exe: &Path) -> Result<PathBuf> {
    let k = kcsan_command(exe);
    if k.is_absolute() {
        return Ok(k);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("kcsan"))
        .find(|p| p.is_file())
        .context("--instrument-c needs the `kcsan` command, beside cargo-kcsan or on PATH")
}

/// The archive `kcsan runtime --dir` names: the `kcsan` beside this binary
/// (both installed into the same `bin/`), else the one on `PATH`.
fn from_kcsan_command(exe: &Path) -> Option<PathBuf> {
    let out = Command::new(kcsan_command(exe))
        .args(["runtime", "--dir"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim_end());
    Some(dir.join(ARCHIVE)).filter(|a| a.is_file())
}

/// Builds the runtime for executables with plain cargo from the checkout, in
/// its own target directory (so it never waits for, or is rebuilt by, the
/// user's build or the workspace's), with every variable that could
/// instrument or redirect it removed, and `-Crelocation-model=pie` (see the
/// module documentation: local TLS without a frame in every hook). Only the
/// staticlib is made: position-independent-executable code has no place in
/// the cdylib.
fn build_from_source() -> Result<PathBuf> {
    let root = source_tree();
    let manifest = root.join("Cargo.toml");
    if !has_source_tree() {
        bail!(
            "cannot find the kcsan runtime: no {ARCHIVE} next to cargo-kcsan and no kcsan \
             checkout at {}; set KCSAN_RUNTIME_DIR to the directory holding {ARCHIVE}",
            root.display()
        );
    }
    let target_dir = root.join("target/cargo-kcsan");
    let mut cmd = Command::new("cargo");
    cmd.args(["rustc", "--release", "--quiet", "-p", "kcsan-rt", "--lib"])
        .args(["--crate-type", "staticlib"])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        // The checkout's cargo configuration, not the user's project's.
        .current_dir(&root);
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC",
        "RUSTUP_TOOLCHAIN",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
        crate::wrapper::ROLE_ENV,
    ] {
        cmd.env_remove(var);
    }
    // For every crate of the runtime (kcsan-core's cold paths too), so that the
    // build is one consistent set; build scripts are executables as well.
    cmd.env("CARGO_ENCODED_RUSTFLAGS", "-Crelocation-model=pie");
    eprintln!(
        "cargo kcsan: building the kcsan runtime for executables in {}",
        target_dir.display()
    );
    // stdout is `cargo kcsan runtime`'s answer (a path): keep cargo off it.
    let status = cmd
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot run cargo to build the kcsan runtime")?;
    if !status.success() {
        bail!(
            "building the kcsan runtime failed ({status}); run `cargo build --release -p kcsan-rt` \
             in {} to see why",
            root.display()
        );
    }
    Ok(target_dir.join("release").join(ARCHIVE))
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Whether `object` exists and was made after `archive` changed.
fn is_fresh(object: &Path, archive: &Path) -> bool {
    matches!((modified(object), modified(archive)), (Some(o), Some(a)) if o >= a)
}

/// The localized runtime object, made (or remade) if needed.
pub(crate) fn object() -> Result<PathBuf> {
    let (archive, origin) = archive()?;
    let object = archive.with_file_name(OBJECT);
    if is_fresh(&object, &archive) {
        return Ok(object);
    }
    // The workspace's archive changed (or the object is new): make the object
    // from the build for executables of the same sources.
    let source = match origin {
        Origin::Checkout => build_from_source().unwrap_or_else(|e| {
            eprintln!(
                "cargo kcsan: warning: {e:#}; linking {} as it is (position-independent: \
                 slower hooks)",
                archive.display()
            );
            archive.clone()
        }),
        Origin::AsBuilt | Origin::ForExecutables => archive.clone(),
    };
    localize(&source, &object).with_context(|| {
        format!(
            "while making {} from {}",
            object.display(),
            source.display()
        )
    })?;
    Ok(object)
}

fn run_tool(cmd: &mut Command, tool: &str) -> Result<()> {
    tool_output(cmd, tool).map(drop)
}

/// A tool's standard output, or an error naming it.
fn tool_output(cmd: &mut Command, tool: &str) -> Result<String> {
    let out = cmd.output().map_err(|e| {
        anyhow::anyhow!(
            "cannot run `{tool}` ({e}); cargo kcsan needs binutils: run `apt-get install binutils`"
        )
    })?;
    if !out.status.success() {
        bail!(
            "`{tool}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `ld -r` + `objcopy` (see the module documentation).
fn localize(archive: &Path, object: &Path) -> Result<()> {
    merge_and_localize(archive, object, &[])
}

/// A temporary file beside `object`, private to this process: concurrent
/// cargo kcsan runs may race to make the object, so each works on its own
/// files and renames the result into place atomically.
fn scratch_beside(object: &Path, what: &str) -> PathBuf {
    let name = object.file_name().unwrap_or_default().to_string_lossy();
    object.with_file_name(format!(".{name}.{}.{what}", std::process::id()))
}

/// Merges `archive` into `object` with `ld -r`, and makes every symbol local
/// but the runtime's ABI ([`KEEP_GLOBAL`]) and `also_global`.
fn merge_and_localize(archive: &Path, object: &Path, also_global: &[String]) -> Result<()> {
    let (merged, localized, keep) = (
        scratch_beside(object, "merged.o"),
        scratch_beside(object, "local.o"),
        scratch_beside(object, "keep"),
    );
    let result = (|| {
        let globals: Vec<&str> = KEEP_GLOBAL
            .iter()
            .copied()
            .chain(also_global.iter().map(String::as_str))
            .collect();
        std::fs::write(&keep, globals.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", keep.display()))?;
        run_tool(
            Command::new("ld")
                .args(["-r", "--whole-archive"])
                .arg(archive)
                .arg("-o")
                .arg(&merged),
            "ld -r",
        )?;
        // .llvmbc/.llvmcmd: std's embedded bitcode, useless here and fatal to
        // binutils tools that load the LLVM plugin (toolchain.md §5).
        // __real_mem*: the C programs' `--wrap=memcpy` targets (wrap.c); no
        // Rust link wraps, so the wrappers (never called) call libc directly
        // and the object links without `--gc-sections` too.
        run_tool(
            Command::new("objcopy")
                .args(["-R", ".llvmbc", "-R", ".llvmcmd", "-w"])
                .args(["--redefine-sym", "__real_memcpy=memcpy"])
                .args(["--redefine-sym", "__real_memmove=memmove"])
                .args(["--redefine-sym", "__real_memset=memset"])
                .arg(format!("--keep-global-symbols={}", keep.display()))
                .arg(&merged)
                .arg(&localized),
            "objcopy",
        )?;
        std::fs::rename(&localized, object)
            .with_context(|| format!("cannot create {}", object.display()))
    })();
    for f in [&merged, &localized, &keep] {
        let _ = std::fs::remove_file(f);
    }
    result
}

/// The runtime of `cargo kcsan --lto` (GUIDE §8, ARCHITECTURE "The LTO
/// route"): the bitcode of the plain and volatile entry points, which the
/// linker inlines into the program, and an object made as [`object`] makes
/// its own, from the archive built with that bitcode (the runtime embedded in
/// `kcsan`: `kcsan runtime --lto-dir`), minus the entry points' native code,
/// with the symbols the bitcode calls left global.
pub(crate) fn lto_objects() -> Result<(PathBuf, PathBuf)> {
    let exe = std::env::current_exe().context("cannot find the cargo-kcsan executable's path")?;
    let kcsan = kcsan_command(&exe);
    let out = Command::new(&kcsan)
        .args(["runtime", "--lto-dir"])
        .output()
        .with_context(|| {
            format!(
                "--lto needs the `kcsan` command (beside cargo-kcsan or on PATH): cannot run {}",
                kcsan.display()
            )
        })?;
    if !out.status.success() {
        bail!(
            "--lto: `{} runtime --lto-dir` failed: {}",
            kcsan.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end());
    let archive = dir.join(ARCHIVE);
    let bitcode = dir.join("lto").join(LTO_BITCODE);
    if !archive.is_file() || !bitcode.is_file() {
        bail!(
            "--lto: {} has no {ARCHIVE} and lto/{LTO_BITCODE}: this kcsan was built without \
             the LTO route",
            dir.display()
        );
    }
    let object = dir.join(LTO_OBJECT);
    if !is_fresh(&object, &archive) {
        localize_lto(&archive, &object).with_context(|| {
            format!(
                "while making {} from {}",
                object.display(),
                archive.display()
            )
        })?;
    }
    Ok((bitcode, object))
}

/// The kcsan-access bitcode, as `kcsan` unpacks it.
const LTO_BITCODE: &str = "kcsan_access_lto_0.o";
/// The localized object for `--lto` links.
const LTO_OBJECT: &str = "libkcsan_rt-rust-lto.o";

/// [`localize`] for the LTO route: the archive's kcsan-access members are
/// left out (the bitcode defines the same entry points), and every symbol
/// they call that another kcsan crate of the archive defines stays global,
/// so that the bitcode's calls find it. The archive's std stays private as
/// before.
fn localize_lto(archive: &Path, object: &Path) -> Result<()> {
    let copy = scratch_beside(object, "a");
    let result = (|| {
        std::fs::copy(archive, &copy)
            .with_context(|| format!("cannot copy {}", archive.display()))?;
        // One `nm -A` line per symbol: "archive:member:value type name" (no
        // value for an undefined one).
        let listing = tool_output(Command::new("nm").arg("-A").arg(&copy), "nm -A")?;
        let prefix = format!("{}:", copy.display());
        let symbols: Vec<(&str, &str, &str)> = listing
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix(&prefix)?;
                let member = rest.split(':').next()?;
                let mut words = rest.split_whitespace().rev();
                let (name, kind) = (words.next()?, words.next()?);
                Some((member, kind, name))
            })
            .collect();
        let is_access = |member: &str| member.starts_with("kcsan_access-");
        let mut members: Vec<&str> = symbols
            .iter()
            .map(|s| s.0)
            .filter(|m| is_access(m))
            .collect();
        members.dedup();
        if members.is_empty() {
            bail!("{} has no kcsan-access object", archive.display());
        }
        // What the entry points call, where a kcsan crate defines it.
        let called: std::collections::BTreeSet<&str> = symbols
            .iter()
            .filter(|(m, kind, _)| is_access(m) && *kind == "U")
            .map(|s| s.2)
            .collect();
        let also_global: std::collections::BTreeSet<String> = symbols
            .iter()
            .filter(|(m, kind, name)| {
                m.starts_with("kcsan_") && !is_access(m) && *kind != "U" && called.contains(name)
            })
            .map(|s| s.2.to_owned())
            .collect();
        run_tool(
            Command::new("ar").arg("d").arg(&copy).args(&members),
            "ar d",
        )?;
        merge_and_localize(&copy, object, &also_global.into_iter().collect::<Vec<_>>())
    })();
    let _ = std::fs::remove_file(&copy);
    result
}
