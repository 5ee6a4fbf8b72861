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
//!
//! For the LTO route (`kcsan cc -flto` with clang, `cargo kcsan --lto`) the
//! `kcsan-access` crate (the plain and volatile access entry points, linked
//! into the runtime) is then compiled once more, in the same target
//! directory, as LLVM bitcode (`-Clinker-plugin-lto`) whose functions all
//! carry `sanitize_thread` (without it LLVM refuses to inline them into
//! instrumented code: the attribute must match) and whose entry points are
//! `alwaysinline`. Only that crate is rebuilt (`cargo rustc` flags apply to
//! the final crate), and with the runtime's features, so its bitcode refers
//! to the very `kcsan_core` symbols of the native archive embedded above
//! (checked below by the crates' file names, which carry their metadata
//! hash); the linker takes the entry points from the bitcode and everything
//! else from the archive. If this build fails, `kcsan` is built without the
//! LTO route and says so when asked for it.

use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.join("../..");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    for watched in [
        "crates/kcsan-rt",
        "crates/kcsan-access",
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
    let status = nested_cargo(&root, &target, &["build", "-p", "kcsan-rt"], &[])
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

    // Embedded compressed (src/locate.rs inflates it when it unpacks).
    let bytes = std::fs::read(&archive).expect("the runtime archive was copied");
    std::fs::write(
        out.join("libkcsan_rt.a.deflate"),
        miniz_oxide::deflate::compress_to_vec(&bytes, 6),
    )
    .expect("OUT_DIR is writable");

    let bitcode = lto_bitcode(&root, &target, &out);
    let mut embedded: Vec<&Path> = vec![&archive, &header];
    embedded.extend(bitcode.iter().map(PathBuf::as_path));
    // src/locate.rs includes this list: the bitcode modules, in link order.
    let list: String = bitcode
        .iter()
        .map(|p| format!("include_bytes!({:?}),\n", p.display().to_string()))
        .collect();
    std::fs::write(out.join("lto_bitcode.rs"), format!("&[\n{list}]\n"))
        .expect("OUT_DIR is writable");

    println!(
        "cargo:rustc-env=KCSAN_EMBEDDED_ID={:016x}",
        digest(&embedded)
    );
}

/// A `cargo` command building this workspace's runtime in `target`, in
/// release mode, whatever the outer build was asked: the runtime is never
/// instrumented.
fn nested_cargo(root: &Path, target: &Path, args: &[&str], rustc_args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(args)
        .args(["--release", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target);
    if !rustc_args.is_empty() {
        cmd.arg("--").args(rustc_args);
    }
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
    cmd
}

/// Builds `kcsan-access` as bitcode for the LTO route (see the file comment)
/// and returns its module, copied into `out`; none if it cannot be built.
fn lto_bitcode(root: &Path, target: &Path, out: &Path) -> Vec<PathBuf> {
    let native = std::fs::read(target.join("release/libkcsan_rt.a")).unwrap_or_default();
    let mut flags: Vec<String> = [
        "-Clinker-plugin-lto",
        "-Cpasses=forceattrs",
        "-Cllvm-args=-force-attribute=sanitize_thread",
    ]
    .map(String::from)
    .to_vec();
    // The plain and volatile entry points are inlined wherever they are
    // called, whatever LLVM's cost model thinks (rustc ignores `#[inline]`
    // on exported functions).
    flags.extend(
        inlined_entry_points().map(|f| format!("-Cllvm-args=-force-attribute={f}:alwaysinline")),
    );
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let status = nested_cargo(
        root,
        target,
        &[
            "rustc",
            "-p",
            "kcsan-access",
            // kcsan-core as the runtime builds it, so that its symbols are
            // the archive's.
            "--features",
            "kcsan-core/symbolize",
            "--crate-type",
            "staticlib",
        ],
        &flags,
    )
    .status();
    let archive = match status {
        Ok(s) if s.success() => std::fs::read(target.join("release/libkcsan_access.a")),
        other => {
            println!("cargo:warning=the LTO route's runtime bitcode was not built ({other:?})");
            return Vec::new();
        }
    };
    let Ok(archive) = archive else {
        return Vec::new();
    };
    // The bitcode's calls name kcsan_core's symbols, whose hash is the
    // crate's metadata hash, also in the objects' file names: they must be
    // the native archive's.
    let core_of = |ar: &[u8]| -> Vec<String> {
        let mut v: Vec<String> = archive_members(ar)
            .into_iter()
            .filter_map(|(name, _)| name.split('.').next().map(str::to_owned))
            .filter(|n| n.starts_with("kcsan_core-"))
            .collect();
        v.dedup();
        v
    };
    if core_of(&archive) != core_of(&native) || core_of(&native).is_empty() {
        println!(
            "cargo:warning=the LTO route's bitcode was built against another kcsan-core than the \
             runtime archive ({:?} vs {:?}); the LTO route is left out",
            core_of(&archive),
            core_of(&native)
        );
        return Vec::new();
    }
    let mut modules = Vec::new();
    for (name, member) in archive_members(&archive) {
        // The crate's own module, in LLVM bitcode (not the allocator shim
        // every staticlib gets, nor its dependencies' native objects).
        if name.contains(".kcsan_access.") && member.starts_with(b"BC\xC0\xDE") {
            let path = out.join(format!("kcsan_access_lto_{}.o", modules.len()));
            std::fs::write(&path, member).expect("OUT_DIR is writable");
            modules.push(path);
        }
    }
    if modules.is_empty() {
        println!("cargo:warning=the LTO route's runtime bitcode has no LLVM module");
    }
    modules
}

/// The entry points of kcsan-access that the LTO route inlines: every
/// plain and volatile access of every size.
fn inlined_entry_points() -> impl Iterator<Item = String> {
    const KINDS: [&str; 10] = [
        "read",
        "write",
        "read_write",
        "unaligned_read",
        "unaligned_write",
        "unaligned_read_write",
        "volatile_read",
        "volatile_write",
        "unaligned_volatile_read",
        "unaligned_volatile_write",
    ];
    KINDS
        .into_iter()
        .flat_map(|k| [1, 2, 4, 8, 16].map(|n| format!("__tsan_{k}{n}")))
}

/// The members of a GNU `ar` archive, in order: name and contents (the
/// symbol table and the long-name table left out).
fn archive_members(ar: &[u8]) -> Vec<(String, &[u8])> {
    let mut members = Vec::new();
    if !ar.starts_with(b"!<arch>\n") {
        return members;
    }
    let mut long_names: &[u8] = &[];
    let mut at = 8;
    while at + 60 <= ar.len() {
        let header = &ar[at..at + 60];
        let size: usize = std::str::from_utf8(&header[48..58])
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let start = at + 60;
        let end = (start + size).min(ar.len());
        let data = &ar[start..end];
        let raw = String::from_utf8_lossy(&header[..16]).trim_end().to_owned();
        if raw == "//" {
            long_names = data;
        } else if raw != "/" && raw != "/SYM64/" {
            let name = match raw.strip_prefix('/').and_then(|n| n.parse::<usize>().ok()) {
                // "/123": offset into the long-name table, ended by "/\n".
                Some(off) => long_names
                    .get(off..)
                    .and_then(|t| t.split(|&b| b == b'\n').next())
                    .map(|n| String::from_utf8_lossy(n).trim_end_matches('/').to_owned())
                    .unwrap_or_default(),
                None => raw.trim_end_matches('/').to_owned(),
            };
            members.push((name, data));
        }
        // Members are 2-byte aligned.
        at = end + (end & 1);
    }
    members
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
