//! The `rustflags` and `rustdocflags` of the user's cargo configuration,
//! kept when cargo kcsan adds its own.
//!
//! cargo kcsan passes its flags (`--cfg kcsan`, the build stamp) in
//! `RUSTFLAGS`, and cargo takes its extra flags from exactly one source, the
//! first present of: `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, the
//! `target.<triple>.rustflags` of the configuration, `build.rustflags`.
//! Setting `RUSTFLAGS` would silently drop what `.cargo/config.toml` asks
//! for (a crate needing a `--cfg` from there would not even compile), so
//! when the environment has no flags of its own, the configuration's are
//! read here, as cargo reads them, and passed on first.
//!
//! What is read: `.cargo/config.toml` (or `.cargo/config`) in the current
//! directory and every parent, then `$CARGO_HOME/config.toml`; arrays joined
//! (ancestors and home first), strings split on whitespace; the
//! environment's `CARGO_BUILD_RUSTFLAGS` and `CARGO_TARGET_<TRIPLE>_RUSTFLAGS`.
//! Not read: `target.'cfg(...)'` tables (cargo kcsan says so) and
//! `--config` arguments.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The flags the configuration gives, by cargo's precedence for `key`
/// (`rustflags` or `rustdocflags`) on `host`; warnings for what is skipped.
pub(crate) fn configured(key: &str, host: &str) -> Result<(Vec<String>, Vec<String>)> {
    let env_triple = host.to_uppercase().replace(['-', '.'], "_");
    let env_key = key.to_uppercase();
    if let Ok(v) = std::env::var(format!("CARGO_TARGET_{env_triple}_{env_key}")) {
        return Ok((split(&v), Vec::new()));
    }
    let files = config_files(&std::env::current_dir()?);
    let mut target = Vec::new();
    let mut build = Vec::new();
    let mut warnings = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let doc: toml::Table = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", file.display()))?;
        if let Some(t) = doc.get("target").and_then(|t| t.as_table()) {
            for (name, table) in t {
                let Some(flags) = table.get(key) else {
                    continue;
                };
                if name == host {
                    target.extend(flags_of(flags));
                } else if name.starts_with("cfg(") {
                    warnings.push(format!(
                        "the {key} of [target.'{name}'] in {} are not applied under cargo kcsan \
                         (put them in [build] or [target.{host}])",
                        file.display()
                    ));
                }
            }
        }
        if let Some(flags) = doc.get("build").and_then(|b| b.get(key)) {
            build.extend(flags_of(flags));
        }
    }
    if !target.is_empty() {
        return Ok((target, warnings));
    }
    if let Ok(v) = std::env::var(format!("CARGO_BUILD_{env_key}")) {
        return Ok((split(&v), warnings));
    }
    Ok((build, warnings))
}

/// Whether the user's cargo configuration sets a runner for `host`
/// (`target.<host>.runner`, or one under a `cfg(...)` table, which may apply).
pub(crate) fn has_runner(host: &str) -> bool {
    let Ok(cwd) = std::env::current_dir() else {
        return false;
    };
    config_files(&cwd).iter().any(|file| {
        let Some(doc) = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        else {
            return false;
        };
        doc.get("target")
            .and_then(|t| t.as_table())
            .is_some_and(|t| {
                t.iter().any(|(name, table)| {
                    (name == host || name.starts_with("cfg(")) && table.get("runner").is_some()
                })
            })
    })
}

fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// A `rustflags` value: an array of strings, or one string of flags.
fn flags_of(v: &toml::Value) -> Vec<String> {
    match v {
        toml::Value::String(s) => split(s),
        toml::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The configuration files cargo reads from `cwd`, lowest precedence first:
/// `$CARGO_HOME/config.toml`, then from the root down to `cwd`.
fn config_files(cwd: &Path) -> Vec<PathBuf> {
    let in_dir = |d: &Path| {
        ["config.toml", "config"]
            .iter()
            .map(|n| d.join(n))
            .find(|p| p.is_file())
    };
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let mut files: Vec<PathBuf> = cwd
        .ancestors()
        .filter_map(|d| in_dir(&d.join(".cargo")))
        .collect();
    files.reverse();
    if let Some(h) = home.as_deref().and_then(in_dir)
        && !files.contains(&h)
    {
        files.insert(0, h);
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_arrays_of_flags() {
        let doc: toml::Table =
            toml::from_str("a = \"--cfg x  -Cfoo\"\nb = [\"--cfg\", \"y z\"]\n").unwrap();
        assert_eq!(flags_of(&doc["a"]), ["--cfg", "x", "-Cfoo"]);
        assert_eq!(flags_of(&doc["b"]), ["--cfg", "y z"]);
    }

    #[test]
    fn files_are_found_from_the_root_down() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(deep.join(".cargo")).unwrap();
        std::fs::create_dir_all(dir.path().join("a/.cargo")).unwrap();
        std::fs::write(deep.join(".cargo/config.toml"), "").unwrap();
        std::fs::write(dir.path().join("a/.cargo/config"), "").unwrap();
        let files = config_files(&deep);
        let a = files.iter().position(|f| f.ends_with("a/.cargo/config"));
        let b = files
            .iter()
            .position(|f| f.ends_with("b/.cargo/config.toml"));
        assert!(a.is_some() && b.is_some() && a < b, "{files:?}");
    }
}
