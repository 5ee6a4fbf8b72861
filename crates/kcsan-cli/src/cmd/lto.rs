//! The LTO route of `kcsan cc`: with clang and link-time optimisation, the
//! runtime's `__tsan_*` fast paths are inlined into the program, so an
//! instrumented access costs a few inline instructions instead of a call.
//!
//! How (ARCHITECTURE.md, "The LTO route"): `kcsan` carries the
//! `kcsan-access` crate (the plain and volatile entry points) as LLVM bitcode
//! beside its native archive, both from one build (build.rs). At an LTO link the bitcode modules go first on the command
//! line, so the linker takes the entry points from them and inlines them
//! into the program's bitcode; the rare paths they call (watchpoint setup,
//! reports) and the rest of the runtime come from the native archive as on
//! the call route. Before its first use with a compiler, the bitcode is
//! passed once through that compiler (`clang -x ir -flto=... -c`), which
//! gives it the compiler's target triple and the LTO flavour asked for: a
//! full-LTO program cannot import from ThinLTO modules, and the reverse.
//! The results are kept beside the unpacked runtime, one directory per
//! compiler version and flavour.
//!
//! When: with clang, whenever the command asks for LTO (`-flto`,
//! `-flto=thin`, `-flto=full`); `KCSAN_LTO=thin|full` asks for it on every
//! step of a build that does not, and `KCSAN_LTO=0` keeps the call route
//! (the program's own LTO still happens). gcc cannot read LLVM bitcode:
//! there the route does not exist (cc.rs drops gcc's `-flto`).

use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::locate;

/// The two kinds of LLVM link-time optimisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// ThinLTO (`-flto=thin`): per-module, parallel, incremental.
    Thin,
    /// Full (regular) LTO (`-flto`, `-flto=full`): one merged module.
    Full,
}

impl Flavour {
    fn name(self) -> &'static str {
        match self {
            Flavour::Thin => "thin",
            Flavour::Full => "full",
        }
    }

    /// The compiler flag that asks for this flavour.
    pub(crate) fn flag(self) -> String {
        format!("-flto={}", self.name())
    }
}

/// What a `kcsan cc` command does about LTO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) flavour: Flavour,
    /// `KCSAN_LTO` asked for it: the command itself has no `-flto`, so the
    /// wrapper adds one to compile and link steps.
    pub(crate) added: bool,
}

/// `-flto`, `-flto=auto`, `-flto=N`, `-flto=thin` (not `-fno-lto`).
pub(crate) fn is_lto_flag(a: &str) -> bool {
    a == "-flto" || a.starts_with("-flto=")
}

/// The LTO flavour the command's own flags ask for (clang's meaning: the
/// last of `-flto[=...]` and `-fno-lto` wins; `-flto`, `-flto=full`,
/// `-flto=auto`, `-flto=jobserver` are full LTO).
fn from_flags(args: &[String]) -> Option<Flavour> {
    let mut f = None;
    for a in args {
        if a == "-fno-lto" {
            f = None;
        } else if a == "-flto=thin" {
            f = Some(Flavour::Thin);
        } else if is_lto_flag(a) {
            f = Some(Flavour::Full);
        }
    }
    f
}

/// `KCSAN_LTO`: unset, empty or `auto` follow the command's flags; `0`
/// (`off`, `no`) never takes the LTO route; `1`/`thin` and `full` take it
/// on every step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setting {
    Auto,
    Off,
    Always(Flavour),
}

fn setting() -> Result<Setting> {
    let Some(v) = std::env::var_os("KCSAN_LTO") else {
        return Ok(Setting::Auto);
    };
    Ok(match v.to_string_lossy().as_ref() {
        "" | "auto" => Setting::Auto,
        "0" | "off" | "no" => Setting::Off,
        "1" | "thin" | "yes" | "on" => Setting::Always(Flavour::Thin),
        "full" => Setting::Always(Flavour::Full),
        other => bail!(
            "KCSAN_LTO={other:?} is not understood: use thin, full, 0 (never), or auto \
             (the default: when the command has -flto)"
        ),
    })
}

/// Decides the route for one command. `is_clang`: the compiler is clang.
pub(crate) fn route(args: &[String], is_clang: bool) -> Result<Option<Route>> {
    let setting = setting()?;
    let own = from_flags(args);
    match (setting, is_clang) {
        (Setting::Off, _) => Ok(None),
        (Setting::Auto, false) => Ok(None),
        (Setting::Always(f), false) => bail!(
            "KCSAN_LTO={} needs clang (KCSAN_CC=clang-22): gcc cannot inline the runtime's \
             LLVM bitcode",
            f.name()
        ),
        (Setting::Auto, true) => Ok(own.map(|flavour| Route {
            flavour,
            added: false,
        })),
        (Setting::Always(f), true) => Ok(Some(match own {
            Some(flavour) => Route {
                flavour,
                added: false,
            },
            None => Route {
                flavour: f,
                added: true,
            },
        })),
    }
}

/// The runtime part of an LTO link of an executable: the bitcode modules,
/// then what the call route links, taken from the embedded runtime (the
/// bitcode and the archive must come from one build), and lld, the linker
/// that comes with clang, unless the command chose a linker itself.
pub(crate) fn link_inputs(
    compiler: &str,
    route: Route,
    args: &[String],
) -> Result<(Vec<String>, PathBuf)> {
    let Some((lib, modules)) = locate::embedded_lto()? else {
        bail!(
            "this kcsan was built without the LTO route's runtime (its build could not \
             compile kcsan-rt to LLVM bitcode; see the build's warnings): link without \
             -flto, or set KCSAN_LTO=0 to keep the program's LTO on the call route"
        );
    };
    let target: Vec<String> = target_args(args);
    let converted = converted_modules(compiler, route.flavour, &target, &lib, &modules)?;
    let mut f: Vec<String> = converted.iter().map(|m| m.display().to_string()).collect();
    if route.added {
        f.push(route.flavour.flag());
    }
    if !args.iter().any(|a| a.starts_with("-fuse-ld=")) && has_lld(compiler) {
        f.push("-fuse-ld=lld".to_owned());
    }
    Ok((f, lib))
}

/// The command's target selection (`--target=T`, `-target T`), which the
/// bitcode conversion must share.
fn target_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a.starts_with("--target=") {
            out.push(a.clone());
        } else if a == "-target" || a == "--target" {
            out.push(a.clone());
            if let Some(v) = it.next() {
                out.push(v.clone());
            }
        }
    }
    out
}

/// Whether clang finds `ld.lld` (it prints the bare name when it does not).
fn has_lld(compiler: &str) -> bool {
    Command::new(compiler)
        .arg("-print-prog-name=ld.lld")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|p| Path::new(p.trim()).is_absolute() && Path::new(p.trim()).is_file())
}

/// The runtime's bitcode as `compiler` needs it for `flavour`, converted
/// once (see the file comment) into `lib/lto/<flavour>-<key>/`.
fn converted_modules(
    compiler: &str,
    flavour: Flavour,
    target: &[String],
    lib: &Path,
    modules: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    let version = Command::new(compiler)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run the compiler `{compiler}`"))?;
    let mut key = std::hash::DefaultHasher::new();
    key.write(compiler.as_bytes());
    key.write(&version.stdout);
    for t in target {
        key.write(t.as_bytes());
    }
    let dir = lib
        .join("lto")
        .join(format!("{}-{:016x}", flavour.name(), key.finish()));
    let names: Vec<PathBuf> = modules
        .iter()
        .map(|m| dir.join(m.file_name().unwrap_or_default()))
        .collect();
    if names.iter().all(|n| n.is_file()) {
        return Ok(names);
    }
    // Converted beside the final place and renamed into it, so that parallel
    // links (make -j) never see half a directory.
    let tmp = tempfile::Builder::new()
        .prefix(".converting-")
        .tempdir_in(lib.join("lto"))
        .with_context(|| format!("cannot write in {}", lib.join("lto").display()))?;
    for m in modules {
        let out = tmp.path().join(m.file_name().unwrap_or_default());
        let mut cmd = Command::new(compiler);
        cmd.args(["-x", "ir", "-O2", "-Wno-override-module", "-c"])
            .arg(flavour.flag())
            .args(target)
            .arg(m)
            .arg("-o")
            .arg(&out);
        let result = cmd
            .output()
            .with_context(|| format!("cannot run the compiler `{compiler}`"))?;
        if !result.status.success() {
            bail!(
                "`{compiler}` cannot read the runtime's LLVM bitcode ({}): the LTO route needs \
                 clang of LLVM 22 or later; set KCSAN_LTO=0 to link on the call route\n{}",
                m.display(),
                String::from_utf8_lossy(&result.stderr).trim_end()
            );
        }
    }
    let tmp = tmp.keep();
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another link converted them first: use theirs.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if !names.iter().all(|n| n.is_file()) {
        bail!(
            "cannot convert the runtime's bitcode into {}",
            dir.display()
        );
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn flavour_from_flags() {
        assert_eq!(from_flags(&s(&["-O2", "a.c"])), None);
        assert_eq!(from_flags(&s(&["-flto"])), Some(Flavour::Full));
        assert_eq!(from_flags(&s(&["-flto=full"])), Some(Flavour::Full));
        assert_eq!(from_flags(&s(&["-flto=auto"])), Some(Flavour::Full));
        assert_eq!(from_flags(&s(&["-flto=thin"])), Some(Flavour::Thin));
        assert_eq!(from_flags(&s(&["-flto=thin", "-fno-lto"])), None);
        assert_eq!(
            from_flags(&s(&["-fno-lto", "-flto=thin"])),
            Some(Flavour::Thin)
        );
    }

    #[test]
    fn target_selection_is_kept() {
        assert_eq!(
            target_args(&s(&[
                "-O2",
                "-target",
                "x86_64-linux-gnu",
                "--target=y",
                "-march=x"
            ])),
            s(&["-target", "x86_64-linux-gnu", "--target=y"])
        );
    }
}
