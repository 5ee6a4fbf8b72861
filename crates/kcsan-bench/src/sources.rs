//! The C libraries of the workloads, as the `*-sys` crates on crates.io ship
//! them.
//!
//! A throw-away manifest under `bench/out/registry/` depends on the crates at
//! pinned versions; `cargo metadata` downloads them into `$CARGO_HOME`'s
//! registry (or finds them there) and says where each one's sources are.
//! Nothing of these crates is built by cargo: only their bundled C sources
//! are used, compiled by us three ways.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The crates whose bundled C sources the workloads use, pinned so that the
/// numbers stay comparable from run to run.
const CRATES: &[(&str, &str, &str)] = &[
    ("zstd-sys", "=2.1.2", "zstd 1.5.7"),
    ("libsqlite3-sys", "=0.30.1", "SQLite 3.46"),
    ("libz-sys", "=1.1.31", "zlib 1.3.1"),
    ("lz4-sys", "=1.11.1", "LZ4 1.10.0"),
];

/// Where each crate's sources are, by crate name.
#[derive(Debug)]
pub(crate) struct Sources {
    dirs: BTreeMap<String, PathBuf>,
}

impl Sources {
    /// The source directory of `krate` (a name from [`CRATES`]).
    pub(crate) fn dir(&self, krate: &str) -> Result<&Path> {
        self.dirs
            .get(krate)
            .map(PathBuf::as_path)
            .with_context(|| format!("crate {krate} is not among the fetched sources"))
    }

    /// A line per crate for the report: name, version and what it bundles.
    pub(crate) fn describe() -> String {
        CRATES
            .iter()
            .map(|(n, v, what)| format!("{n} {} ({what})", v.trim_start_matches('=')))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// No sources (for a run of Rust workloads only).
pub(crate) fn empty() -> Sources {
    Sources {
        dirs: BTreeMap::new(),
    }
}

/// Downloads (or finds) the crates and returns their source directories.
pub(crate) fn fetch(out: &Path) -> Result<Sources> {
    let dir = out.join("registry");
    std::fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let mut manifest = String::from(
        "# Written by kcsan-bench: only a list of crates whose C sources the\n\
         # workloads compile; never built.\n\
         [package]\nname = \"kcsan-bench-sources\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\
         [lib]\npath = \"src/lib.rs\"\n[dependencies]\n",
    );
    for (name, version, _) in CRATES {
        manifest.push_str(&format!("{name} = \"{version}\"\n"));
    }
    // Its own workspace: not a member of the repository's.
    manifest.push_str("[workspace]\n");
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("src/lib.rs"), "")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            "x86_64-unknown-linux-gnu",
        ])
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .output()
        .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed for {} (are crates.io and the network reachable?):\n{}",
            dir.join("Cargo.toml").display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("cargo metadata printed bad JSON")?;
    let mut dirs = BTreeMap::new();
    for p in meta["packages"]
        .as_array()
        .context("cargo metadata: no packages")?
    {
        let (Some(name), Some(manifest)) = (p["name"].as_str(), p["manifest_path"].as_str()) else {
            continue;
        };
        if CRATES.iter().any(|(n, _, _)| *n == name) {
            let d = Path::new(manifest)
                .parent()
                .unwrap_or(Path::new("/"))
                .to_path_buf();
            dirs.insert(name.to_owned(), d);
        }
    }
    for (name, _, _) in CRATES {
        if !dirs.contains_key(*name) {
            bail!("cargo metadata did not list crate {name}");
        }
    }
    Ok(Sources { dirs })
}
