//! Where the runtime library and the C header are.
//!
//! In this order: an environment variable (`KCSAN_RUNTIME_DIR`,
//! `KCSAN_INCLUDE_DIR`); the files beside the binary (a `cargo build
//! --release` of the workspace puts `libkcsan_rt.a` in `target/release/`; an
//! install prefix has `lib/kcsan/` and `include/`); else the copies embedded
//! in this binary (build.rs), unpacked once into
//! `$XDG_CACHE_HOME/kcsan/<version>-<digest>/` (`~/.cache/...`). The digest
//! names the embedded files' contents, so a rebuilt or upgraded `kcsan` never
//! links an older runtime. Unpacking (inflating the compressed archive)
//! takes about 80 ms, once. A cache directory is marked as used at most once
//! a day (its modification time); unpacking a new one removes the others
//! unused for [`CACHE_UNUSED_DAYS`] days (each is about 18 MB), so upgrades
//! and rebuilds do not pile up.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The static runtime archive the wrappers link.
pub(crate) const RUNTIME_ARCHIVE: &str = "libkcsan_rt.a";

fn exe_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the kcsan executable's path")?;
    Ok(exe.parent().unwrap_or(Path::new(".")).to_path_buf())
}

/// The runtime archive embedded in this binary, stripped of debug sections
/// and compressed (deflate): it would be most of the binary otherwise.
static EMBEDDED_ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libkcsan_rt.a.deflate"));
/// `include/kcsan.h`, embedded.
static EMBEDDED_HEADER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kcsan.h"));
/// The `kcsan-access` crate as LLVM bitcode, for the LTO route (build.rs,
/// `cmd/lto.rs`); empty if this binary was built without it.
static EMBEDDED_LTO: &[&[u8]] = include!(concat!(env!("OUT_DIR"), "/lto_bitcode.rs"));
/// A digest of the embedded files (build.rs).
pub(crate) const EMBEDDED_ID: &str = env!("KCSAN_EMBEDDED_ID");

/// The embedded runtime, unpacked: the directory holding its archive, and
/// its bitcode modules for the LTO route (rustc's, before any conversion),
/// which refer to that very archive's symbols. None without the LTO route.
pub(crate) fn embedded_lto() -> Result<Option<(PathBuf, Vec<PathBuf>)>> {
    if EMBEDDED_LTO.is_empty() {
        return Ok(None);
    }
    let lib = unpacked()?.join("lib");
    let modules = (0..EMBEDDED_LTO.len())
        .map(|i| lib.join("lto").join(lto_module_name(i)))
        .collect();
    Ok(Some((lib, modules)))
}

fn lto_module_name(i: usize) -> String {
    format!("kcsan_access_lto_{i}.o")
}

/// Where a runtime comes from, for `kcsan --version` and errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Env,
    BesideBinary,
    Embedded,
}

impl Source {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Source::Env => "KCSAN_RUNTIME_DIR",
            Source::BesideBinary => "beside the kcsan binary",
            Source::Embedded => "embedded in the kcsan binary",
        }
    }
}

/// The directory holding `libkcsan_rt.a`, and where it came from.
pub(crate) fn runtime() -> Result<(PathBuf, Source)> {
    if let Some(d) = std::env::var_os("KCSAN_RUNTIME_DIR") {
        let dir = PathBuf::from(d);
        if !dir.join(RUNTIME_ARCHIVE).is_file() {
            bail!(
                "KCSAN_RUNTIME_DIR is set, but {} has no {RUNTIME_ARCHIVE}",
                dir.display()
            );
        }
        return Ok((dir, Source::Env));
    }
    let exe = exe_dir()?;
    for dir in [exe.clone(), exe.join("../lib/kcsan")] {
        if dir.join(RUNTIME_ARCHIVE).is_file() {
            return Ok((dir, Source::BesideBinary));
        }
    }
    Ok((unpacked()?.join("lib"), Source::Embedded))
}

/// The directory holding `libkcsan_rt.a`, checked to be this version's
/// runtime (see [`check_version`]).
pub(crate) fn runtime_dir() -> Result<PathBuf> {
    let (dir, source) = runtime()?;
    if source != Source::Embedded {
        check_version(&dir.join(RUNTIME_ARCHIVE), source)?;
    }
    Ok(dir)
}

/// The symbol by which a runtime archive names its version (kcsan-rt's
/// `RUNTIME_VERSION`).
fn version_symbol() -> String {
    format!("__kcsan_runtime_version_{}", env!("CARGO_PKG_VERSION"))
}

/// A runtime of another kcsan version (a stale `KCSAN_RUNTIME_DIR`, an old
/// prefix) would link, and then behave as that version does, or fail on a
/// missing symbol far from the cause: refuse it here, naming both versions.
/// Only the archive's symbol table is read (its first member).
fn check_version(archive: &Path, source: Source) -> Result<()> {
    let table = archive_symbol_table(archive)
        .with_context(|| format!("cannot read the runtime archive {}", archive.display()))?;
    let want = version_symbol();
    // A big-endian count, that many member offsets, then the names.
    let count = table
        .get(..4)
        .map_or(0, |c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize);
    let names = table
        .get(4 + 4 * count..)
        .unwrap_or_default()
        .split(|&b| b == 0);
    let mut found = None;
    for name in names {
        if let Some(v) = name.strip_prefix(b"__kcsan_runtime_version_".as_slice()) {
            if name == want.as_bytes() {
                return Ok(());
            }
            found = Some(String::from_utf8_lossy(v).into_owned());
        }
    }
    bail!(
        "the runtime {} ({}) is {}, but this is kcsan {}: use the runtime of the same \
         version (unset KCSAN_RUNTIME_DIR to use the one embedded in kcsan)",
        archive.display(),
        source.describe(),
        found.map_or_else(
            || "not a kcsan runtime of any known version".to_owned(),
            |v| format!("kcsan {v}'s")
        ),
        env!("CARGO_PKG_VERSION")
    )
}

/// The GNU `ar` symbol table: the archive's first member, named `/`.
fn archive_symbol_table(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut head = [0u8; 8 + 60];
    f.read_exact(&mut head)?;
    if &head[..8] != b"!<arch>\n" || &head[8..10] != b"/ " {
        bail!("not an ar archive with a symbol table");
    }
    let size: usize = std::str::from_utf8(&head[8 + 48..8 + 58])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .context("a malformed archive member header")?;
    let mut table = vec![0u8; size.min(64 << 20)];
    f.read_exact(&mut table)?;
    Ok(table)
}

/// The directory holding `kcsan.h`: `$KCSAN_INCLUDE_DIR`, else `include/`
/// beside the binary's directory (an install prefix, or this source tree
/// for `target/release/kcsan`), else the embedded copy.
pub(crate) fn include_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("KCSAN_INCLUDE_DIR") {
        return Ok(PathBuf::from(d));
    }
    let exe = exe_dir()?;
    // A prefix's bin/ and include/; this workspace's target/release/.
    for dir in [exe.join("../include"), exe.join("../../include")] {
        if dir.join("kcsan.h").is_file() {
            return Ok(dir.canonicalize().unwrap_or(dir));
        }
    }
    Ok(unpacked()?.join("include"))
}

/// A cache directory of another `kcsan` build unused for this long is
/// removed when a new one is unpacked.
const CACHE_UNUSED_DAYS: u64 = 30;

const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// How long ago `path` was last modified (`None`: unknown).
fn age(path: &Path) -> Option<std::time::Duration> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    std::time::SystemTime::now().duration_since(modified).ok()
}

/// Marks the cache directory `dir` as used (its modification time), at most
/// once a day. Best effort: a read-only cache still works.
fn mark_used(dir: &Path) {
    if age(dir).is_some_and(|a| a > DAY)
        && let Ok(f) = std::fs::File::open(dir)
    {
        let _ = f.set_modified(std::time::SystemTime::now());
    }
}

/// Removes the cache directories in `parent` other than `keep` that have
/// not been used for [`CACHE_UNUSED_DAYS`] days, and unpacking leftovers
/// older than a day (a `kcsan` killed while unpacking). Best effort.
fn prune(parent: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let limit = if name.starts_with(".unpacking-") {
            DAY
        } else if name.contains('-') && e.file_type().is_ok_and(|t| t.is_dir()) {
            DAY * CACHE_UNUSED_DAYS as u32
        } else {
            continue;
        };
        if path != keep && age(&path).is_some_and(|a| a > limit) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// The cache directory the embedded files are unpacked into (once; later
/// calls only look).
pub(crate) fn unpacked() -> Result<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            Some(h) => PathBuf::from(h).join(".cache"),
            None => bail!(
                "cannot unpack the embedded runtime: neither XDG_CACHE_HOME nor HOME is set \
                 (or set KCSAN_RUNTIME_DIR and KCSAN_INCLUDE_DIR)"
            ),
        },
    };
    let dir = base
        .join("kcsan")
        .join(format!("{}-{EMBEDDED_ID}", env!("CARGO_PKG_VERSION")));
    if dir.join("lib").join(RUNTIME_ARCHIVE).is_file() {
        mark_used(&dir);
        return Ok(dir);
    }
    let parent = dir.parent().unwrap_or(&base);
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the cache directory {}", parent.display()))?;
    // Unpacked beside the final place, then renamed into it: a concurrent
    // `kcsan cc` (make -j) never sees half a directory.
    let tmp = tempfile::Builder::new()
        .prefix(".unpacking-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot write in the cache directory {}", parent.display()))?;
    let write = |sub: &str, name: &str, bytes: &[u8]| -> Result<()> {
        let d = tmp.path().join(sub);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join(name), bytes)?;
        Ok(())
    };
    let archive = miniz_oxide::inflate::decompress_to_vec(EMBEDDED_ARCHIVE)
        .map_err(|e| anyhow::anyhow!("the embedded runtime archive is corrupt ({e:?})"))?;
    write("lib", RUNTIME_ARCHIVE, &archive)
        .and_then(|()| write("include", "kcsan.h", EMBEDDED_HEADER))
        .and_then(|()| {
            EMBEDDED_LTO
                .iter()
                .enumerate()
                .try_for_each(|(i, m)| write("lib/lto", &lto_module_name(i), m))
        })
        .with_context(|| format!("cannot unpack the runtime into {}", tmp.path().display()))?;
    let tmp = tmp.keep();
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another process unpacked it first: use theirs.
        let _ = std::fs::remove_dir_all(&tmp);
        if !dir.join("lib").join(RUNTIME_ARCHIVE).is_file() {
            bail!("cannot unpack the runtime into {}", dir.display());
        }
    }
    prune(parent, &dir);
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_age(path: &Path, days: u32) {
        let f = std::fs::File::open(path).unwrap();
        f.set_modified(std::time::SystemTime::now() - DAY * days)
            .unwrap();
    }

    #[test]
    fn old_cache_directories_are_pruned_and_recent_ones_kept() {
        let parent = tempfile::tempdir().unwrap();
        let p = parent.path();
        for d in [
            "0.1.0-old",
            "0.1.0-recent",
            "0.1.0-mine",
            ".unpacking-stale",
            ".unpacking-fresh",
        ] {
            std::fs::create_dir(p.join(d)).unwrap();
        }
        std::fs::write(p.join("notes-file"), "x").unwrap();
        set_age(&p.join("0.1.0-old"), 40);
        set_age(&p.join("0.1.0-recent"), 10);
        set_age(&p.join("0.1.0-mine"), 90);
        set_age(&p.join(".unpacking-stale"), 2);
        set_age(&p.join("notes-file"), 90);
        prune(p, &p.join("0.1.0-mine"));
        let mut left: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".unpacking-fresh",
                "0.1.0-mine",
                "0.1.0-recent",
                "notes-file"
            ]
        );
    }

    #[test]
    fn a_used_directory_is_marked_at_most_daily() {
        let d = tempfile::tempdir().unwrap();
        set_age(d.path(), 3);
        mark_used(d.path());
        assert!(age(d.path()).unwrap() < DAY, "marked");
        set_age(d.path(), 0);
        let before = std::fs::metadata(d.path()).unwrap().modified().unwrap();
        mark_used(d.path());
        assert_eq!(
            std::fs::metadata(d.path()).unwrap().modified().unwrap(),
            before
        );
    }
}
