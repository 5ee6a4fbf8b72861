//! The toolchain cargo kcsan drives, and the two instrumentation routes
//! (toolchain.md §4): the LLVM pass list on any rustc, or `-Zsanitizer` on
//! nightly.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// How the tsan pass gets into the checked crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// Any rustc: `-Cpasses=forceattrs,tsan-module,tsan` with the
    /// `sanitize_thread` attribute forced onto every function.
    Stable,
    /// Nightly: `-Zsanitizer=thread -Zexternal-clangrt`, with the ABI
    /// mismatch against the uninstrumented std allowed.
    Nightly,
    /// Nightly with `-Zbuild-std`: std itself is rebuilt and instrumented.
    NightlyBuildStd,
}

impl Route {
    /// The name used on the command line and in the wrapper's environment.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Route::Stable => "stable",
            Route::Nightly => "nightly",
            Route::NightlyBuildStd => "nightly-build-std",
        }
    }

    /// The inverse of [`Route::name`].
    pub(crate) fn from_name(s: &str) -> Option<Route> {
        [Route::Stable, Route::Nightly, Route::NightlyBuildStd]
            .into_iter()
            .find(|r| r.name() == s)
    }

    /// Whether the route uses `-Zsanitizer` (the ABI-mismatch rules apply).
    pub(crate) fn is_zsanitizer(self) -> bool {
        self != Route::Stable
    }

    /// The rustc flags that instrument one crate. The `-tsan-*` options are
    /// the kernel's (scripts/Makefile.kcsan): no function entry/exit hooks
    /// (KCSAN does not need them), compound read-modify-writes as one
    /// `__tsan_read_write*` call, volatile accesses as marked ones.
    pub(crate) fn instrument_flags(self) -> Vec<&'static str> {
        let mut flags = match self {
            Route::Stable => vec![
                "-Cpasses=forceattrs,tsan-module,tsan",
                "-Cllvm-args=-force-attribute=sanitize_thread",
            ],
            Route::Nightly | Route::NightlyBuildStd => {
                vec!["-Zsanitizer=thread", "-Zexternal-clangrt"]
            }
        };
        // Function entry/exit hooks only scope the weak-memory model: on
        // with KCSAN_WEAK_MEMORY=1, as for `kcsan cc`.
        if !weak_memory_build() {
            flags.push("-Cllvm-args=-tsan-instrument-func-entry-exit=0");
        }
        flags.extend([
            "-Cllvm-args=-tsan-compound-read-before-write=1",
            "-Cllvm-args=-tsan-distinguish-volatile=1",
        ]);
        flags
    }
}

/// Whether `KCSAN_WEAK_MEMORY` asks for a build for `weak_memory=1`.
pub(crate) fn weak_memory_build() -> bool {
    std::env::var_os("KCSAN_WEAK_MEMORY").is_some_and(|v| !v.is_empty() && v != "0")
}

/// What `rustc -vV` says about the toolchain cargo will use.
#[derive(Debug)]
pub(crate) struct Toolchain {
    /// `release:` (e.g. `1.95.0`, `1.97.0-nightly`).
    pub(crate) release: String,
    /// `host:` (e.g. `x86_64-unknown-linux-gnu`).
    pub(crate) host: String,
}

/// The rustc cargo runs: `$RUSTC`, else `rustc` from `PATH` (the rustup proxy,
/// which honours the `+toolchain` that cargo was started with).
pub(crate) fn rustc() -> OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

impl Toolchain {
    /// Asks rustc.
    pub(crate) fn detect() -> Result<Toolchain> {
        let out = Command::new(rustc())
            .arg("-vV")
            .output()
            .context("cannot run `rustc -vV`; is Rust installed (https://rustup.rs)?")?;
        if !out.status.success() {
            bail!(
                "`rustc -vV` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
        };
        Ok(Toolchain {
            release: field("release:").unwrap_or_default(),
            host: field("host:").context("`rustc -vV` printed no host: line")?,
        })
    }

    /// Whether `-Z` flags are allowed.
    pub(crate) fn is_nightly(&self) -> bool {
        self.release.contains("nightly") || self.release.contains("-dev")
    }

    /// The toolchain's name for rustup commands in error messages.
    pub(crate) fn rustup_name(&self) -> String {
        std::env::var("RUSTUP_TOOLCHAIN").unwrap_or_else(|_| {
            if self.is_nightly() {
                "nightly".into()
            } else {
                "stable".into()
            }
        })
    }

    /// Whether the toolchain has the standard library's sources (rust-src),
    /// which `-Zbuild-std` compiles.
    pub(crate) fn has_rust_src(&self) -> Result<bool> {
        let out = Command::new(rustc())
            .args(["--print", "sysroot"])
            .output()
            .context("cannot run `rustc --print sysroot`")?;
        let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        Ok(sysroot
            .join("lib/rustlib/src/rust/library/std/Cargo.toml")
            .is_file())
    }
}
