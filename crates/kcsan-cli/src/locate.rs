//! Where the runtime library and the C header are.
//!
//! `cargo build --release` puts `libkcsan_rt.a` next to the `kcsan` binary
//! (`target/release/`), so the wrapper looks there first. Installed layouts and
//! unusual set-ups can point at other places with environment variables.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The static runtime archive the wrappers link.
pub(crate) const RUNTIME_ARCHIVE: &str = "libkcsan_rt.a";

fn exe_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the kcsan executable's path")?;
    Ok(exe.parent().unwrap_or(Path::new(".")).to_path_buf())
}

/// The directory holding `libkcsan_rt.a`: `$KCSAN_RUNTIME_DIR`, else the
/// directory of the `kcsan` binary.
pub(crate) fn runtime_dir() -> Result<PathBuf> {
    let (dir, source) = match std::env::var_os("KCSAN_RUNTIME_DIR") {
        Some(d) => (PathBuf::from(d), "KCSAN_RUNTIME_DIR"),
        None => (exe_dir()?, "the kcsan binary's directory"),
    };
    if !dir.join(RUNTIME_ARCHIVE).is_file() {
        bail!(
            "cannot find the runtime library {RUNTIME_ARCHIVE} in {} ({source}); \
             build it with `cargo build --release` or set KCSAN_RUNTIME_DIR",
            dir.display()
        );
    }
    Ok(dir)
}

/// The directory holding `kcsan.h`: `$KCSAN_INCLUDE_DIR`, else the source
/// tree's `include/` (this binary is built from it), else `../include` next to
/// the binary's directory (an installed layout).
pub(crate) fn include_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("KCSAN_INCLUDE_DIR") {
        return Ok(PathBuf::from(d));
    }
    let source_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include");
    if source_tree.join("kcsan.h").is_file() {
        return Ok(source_tree.canonicalize().unwrap_or(source_tree));
    }
    let installed = exe_dir()?.join("../include");
    if installed.join("kcsan.h").is_file() {
        return Ok(installed);
    }
    bail!("cannot find kcsan.h; set KCSAN_INCLUDE_DIR to the directory that holds it")
}
