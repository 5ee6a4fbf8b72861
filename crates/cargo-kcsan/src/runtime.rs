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
//!    `%fs`-relative as in a C program: the fast path costs what it costs in
//!    the C build, on stable Rust.
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
fn archive() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("KCSAN_RUNTIME_DIR") {
        let a = PathBuf::from(dir).join(ARCHIVE);
        if !a.is_file() {
            bail!(
                "KCSAN_RUNTIME_DIR is set but {} does not exist; build the runtime with \
                 `cargo build --release -p kcsan-rt` in the kcsan checkout",
                a.display()
            );
        }
        return Ok(a);
    }
    let exe = std::env::current_exe().context("cannot find the cargo-kcsan executable's path")?;
    if let Some(a) = exe
        .parent()
        .map(|d| d.join(ARCHIVE))
        .filter(|a| a.is_file())
    {
        return Ok(a);
    }
    if let Some(a) = from_kcsan_command(&exe) {
        return Ok(a);
    }
    build_from_source()
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

/// Builds the runtime with plain cargo from the checkout, in its own target
/// directory (so it never waits for, or is rebuilt by, the user's build), with
/// every variable that could instrument or redirect it removed.
fn build_from_source() -> Result<PathBuf> {
    let root = source_tree();
    let manifest = root.join("Cargo.toml");
    if !root.join("crates/kcsan-rt/Cargo.toml").is_file() {
        bail!(
            "cannot find the kcsan runtime: no {ARCHIVE} next to cargo-kcsan and no kcsan \
             checkout at {}; set KCSAN_RUNTIME_DIR to the directory holding {ARCHIVE}",
            root.display()
        );
    }
    let target_dir = root.join("target/cargo-kcsan");
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--release", "--quiet", "-p", "kcsan-rt"])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir);
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
    eprintln!(
        "cargo kcsan: building the kcsan runtime in {}",
        target_dir.display()
    );
    let status = cmd
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

/// The localized runtime object, made (or remade) if needed.
pub(crate) fn object() -> Result<PathBuf> {
    let archive = archive()?;
    let object = archive.with_file_name(OBJECT);
    if let (Some(o), Some(a)) = (modified(&object), modified(&archive))
        && o >= a
    {
        return Ok(object);
    }
    localize(&archive, &object).with_context(|| {
        format!(
            "while making {} from {}",
            object.display(),
            archive.display()
        )
    })?;
    Ok(object)
}

fn run_tool(cmd: &mut Command, tool: &str) -> Result<()> {
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
    Ok(())
}

/// `ld -r` + `objcopy` (see the module documentation). Concurrent cargo kcsan
/// runs may race to make the object: each works on its own temporary files
/// and renames the result into place atomically.
fn localize(archive: &Path, object: &Path) -> Result<()> {
    let dir = object.parent().unwrap_or(Path::new("."));
    let tmp = |what: &str| dir.join(format!(".{OBJECT}.{}.{what}", std::process::id()));
    let (merged, localized, keep) = (tmp("merged.o"), tmp("local.o"), tmp("keep"));
    let result = (|| {
        std::fs::write(&keep, KEEP_GLOBAL.join("\n") + "\n")
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
