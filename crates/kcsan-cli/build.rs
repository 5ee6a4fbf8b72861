//! Embeds the runtime in the `kcsan` binary, so that an installed `kcsan`
//! (`cargo install --path crates/kcsan-cli`, which installs nothing but the
//! binary) can compile and link with no environment variable and no source
//! tree: the runtime archive and `kcsan.h` are unpacked on first use into a
//! versioned cache directory (see `src/locate.rs`).
//!
//! The archive is built here with a nested `cargo build -p kcsan-rt` of this
//! workspace, in a target directory of its own (a build script cannot use the
//! artifact of another package of the same build on stable cargo), and its
//! debug sections are stripped: the runtime's own frames are recognised by
//! their symbol names, and the Rust std DWARF inside it is most of its size.

use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.join("../..");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    for watched in [
        "crates/kcsan-rt",
        "crates/kcsan-core",
        "crates/kcsan-symbolize",
        "include/kcsan.h",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    // OUT_DIR is <target>/<profile>/build/kcsan-cli-<hash>/out.
    let target = out
        .ancestors()
        .nth(4)
        .unwrap_or(&out)
        .join("embedded-runtime");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "kcsan-rt",
        "--manifest-path",
    ])
    .arg(root.join("Cargo.toml"))
    .arg("--target-dir")
    .arg(&target);
    // The runtime is never instrumented, whatever the outer build was asked.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
        "KCSAN_SANITIZE",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("cannot run cargo to build the kcsan runtime");
    assert!(
        status.success(),
        "building the kcsan runtime to embed failed ({status})"
    );

    let archive = out.join("libkcsan_rt.a");
    std::fs::copy(target.join("release/libkcsan_rt.a"), &archive)
        .expect("the runtime archive was built");
    // Without strip (binutils) the archive is embedded whole.
    let _ = Command::new("strip")
        .arg("--strip-debug")
        .arg(&archive)
        .status();
    let header = root.join("include/kcsan.h");
    std::fs::copy(&header, out.join("kcsan.h")).expect("include/kcsan.h exists");

    println!(
        "cargo:rustc-env=KCSAN_EMBEDDED_ID={:016x}",
        digest(&[&archive, &header])
    );
}

/// A digest of the embedded files: the cache directory's name, so that a
/// rebuilt runtime never reuses an older unpacked copy.
fn digest(files: &[&Path]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    for f in files {
        h.write(&std::fs::read(f).expect("embedded file"));
    }
    h.finish()
}
