//! The rustc wrapper: decides, per crate, whether it is instrumented, and
//! links the runtime into executables.
//!
//! Cargo runs `cargo-kcsan /path/to/rustc ARGS...` for every crate. cargo
//! kcsan always builds with an explicit `--target`, so cargo passes `--target`
//! to rustc for the crates that end up in the program and omits it for host
//! crates (build scripts, proc macros and their dependencies): that is how
//! host crates are told apart and left alone (they run inside the build,
//! where no runtime is linked).

use std::ffi::{OsStr, OsString};
use std::process::{Command, ExitCode};

use crate::toolchain::Route;

/// Set by cargo kcsan for the cargo it runs: the wrapper's configuration.
pub(crate) const ROLE_ENV: &str = "CARGO_KCSAN_ROLE";
/// Comma-separated package names to instrument.
pub(crate) const INSTRUMENT_ENV: &str = "CARGO_KCSAN_INSTRUMENT";
/// The route's name (`Route::name`).
pub(crate) const ROUTE_ENV: &str = "CARGO_KCSAN_ROUTE";
/// The runtime object to link into executables.
pub(crate) const RUNTIME_ENV: &str = "CARGO_KCSAN_RUNTIME";
/// `--lto`: the access entry points' bitcode, linked into executables.
pub(crate) const LTO_BITCODE_ENV: &str = "CARGO_KCSAN_LTO_BITCODE";
/// `--lto`: the clang that links executables (with lld).
pub(crate) const LTO_LINKER_ENV: &str = "CARGO_KCSAN_LTO_LINKER";
/// The user's own `RUSTC_WRAPPER` (sccache, ...), which we chain to.
pub(crate) const INNER_WRAPPER_ENV: &str = "CARGO_KCSAN_INNER_WRAPPER";

/// The packages that make up kcsan itself: never instrumented (the runtime is
/// a separate library; the `kcsan` API crate checks its own accesses
/// explicitly).
pub(crate) const KCSAN_PACKAGES: &[&str] = &["kcsan", "kcsan-core", "kcsan-rt", "kcsan-symbolize"];

/// Whether this process was started by cargo as the rustc wrapper.
pub(crate) fn is_wrapper_call() -> bool {
    std::env::var_os(ROLE_ENV).is_some_and(|v| v == "rustc")
        && std::env::args_os().nth(1).is_some_and(|a| {
            std::path::Path::new(&a)
                .file_stem()
                .is_some_and(|s| s.to_string_lossy().starts_with("rustc"))
        })
}

/// The value of `--name VALUE` or `--name=VALUE` (every occurrence).
fn values<'a>(args: &'a [OsString], name: &'a str) -> impl Iterator<Item = String> + 'a {
    args.iter().enumerate().filter_map(move |(i, a)| {
        let a = a.to_str()?;
        if a == name {
            args.get(i + 1)?.to_str().map(str::to_owned)
        } else {
            a.strip_prefix(name)?.strip_prefix('=').map(str::to_owned)
        }
    })
}

/// Whether a codegen option `-C name=...` / `-Cname=...` is present.
fn has_codegen_option(args: &[OsString], name: &str) -> bool {
    args.iter().enumerate().any(|(i, a)| {
        let a = a.to_string_lossy();
        let opt = if a == "-C" {
            args.get(i + 1).map(|v| v.to_string_lossy().into_owned())
        } else {
            a.strip_prefix("-C").map(str::to_owned)
        };
        opt.is_some_and(|o| o.starts_with(name))
    })
}

/// Removes `-C strip=debuginfo`: cargo passes it to release builds without
/// debug info, and it would remove the line tables that give reports their
/// `file:line`.
fn remove_strip(args: &mut Vec<OsString>) {
    let mut i = 0;
    while i < args.len() {
        if args[i] == "-C" && args.get(i + 1).is_some_and(|v| v == "strip=debuginfo") {
            args.drain(i..i + 2);
        } else if args[i] == "-Cstrip=debuginfo" {
            args.remove(i);
        } else {
            i += 1;
        }
    }
}

/// What the wrapper does to one rustc call.
#[derive(Debug, Default, PartialEq, Eq)]
struct Plan {
    /// A crate of the program (not a build script, proc macro or their
    /// dependencies).
    is_target: bool,
    instrument: bool,
    link_runtime: bool,
    allow_abi_mismatch: bool,
}

fn plan(args: &[OsString], package: &str, instrument: &[&str], route: Route) -> Plan {
    let Some(crate_name) = values(args, "--crate-name").next() else {
        return Plan::default(); // `rustc -vV`, cargo's `___` probes...
    };
    let is_target = values(args, "--target").next().is_some();
    let types: Vec<String> = values(args, "--crate-type").collect();
    if !is_target
        || crate_name == "___"
        || crate_name.starts_with("build_script_")
        || types.iter().any(|t| t == "proc-macro")
    {
        return Plan::default();
    }
    let ours = KCSAN_PACKAGES.contains(&package);
    let instrument = !ours && (route == Route::NightlyBuildStd || instrument.contains(&package));
    let is_exe = types.iter().any(|t| t == "bin") || args.iter().any(|a| a == "--test");
    Plan {
        is_target: true,
        instrument,
        link_runtime: is_exe,
        // An uninstrumented crate may sit above an instrumented one (a
        // dependency named with --instrument) and every instrumented crate
        // sits above the uninstrumented std: -Zsanitizer wants them all to
        // agree unless told otherwise.
        allow_abi_mismatch: route == Route::Nightly,
    }
}

/// The wrapper's entry point: rewrites the arguments and runs rustc.
pub(crate) fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let rustc = args.remove(0);
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let route = Route::from_name(&env(ROUTE_ENV)).unwrap_or(Route::Stable);
    let list = env(INSTRUMENT_ENV);
    let instrument: Vec<&str> = list.split(',').filter(|s| !s.is_empty()).collect();
    let plan = plan(&args, &env("CARGO_PKG_NAME"), &instrument, route);

    if plan.instrument {
        args.extend(route.instrument_flags().into_iter().map(OsString::from));
        if !has_codegen_option(&args, "debuginfo") {
            // Line tables for `file:line`, and the functions' linkage names, so
            // that inlined frames show full paths (line-tables-only gives
            // `{closure#0}`).
            args.push("-Cdebuginfo=limited".into());
        }
    }
    if plan.allow_abi_mismatch {
        args.push("-Cunsafe-allow-abi-mismatch=sanitizer".into());
    }
    // The LTO route: every crate of the program is LLVM bitcode, which the
    // linker (clang with lld) optimises with the access entry points'
    // bitcode, inlining them into the instrumented code.
    let lto_bitcode = std::env::var_os(LTO_BITCODE_ENV).filter(|b| !b.is_empty());
    if lto_bitcode.is_some() && plan.is_target {
        args.push("-Clinker-plugin-lto".into());
    }
    if plan.link_runtime {
        remove_strip(&mut args);
        if let Some(bitcode) = &lto_bitcode {
            let mut linker = OsString::from("-Clinker=");
            linker.push(std::env::var_os(LTO_LINKER_ENV).unwrap_or_else(|| "clang-22".into()));
            args.push(linker);
            args.push("-Clink-arg=-fuse-ld=lld".into());
            let mut arg = OsString::from("-Clink-arg=");
            arg.push(bitcode);
            args.push(arg);
        }
        let mut arg = OsString::from("-Clink-arg=");
        arg.push(std::env::var_os(RUNTIME_ENV).unwrap_or_default());
        args.push(arg);
    }

    let mut cmd = match std::env::var_os(INNER_WRAPPER_ENV).filter(|w| !w.is_empty()) {
        Some(w) => {
            let mut c = Command::new(w);
            c.arg(&rustc);
            c
        }
        None => Command::new(&rustc),
    };
    cmd.args(&args);
    match cmd.status() {
        Ok(s) => ExitCode::from(s.code().unwrap_or(101).clamp(0, 255) as u8),
        Err(e) => {
            eprintln!(
                "cargo kcsan: error: cannot run {}: {e}",
                OsStr::new(&rustc).to_string_lossy()
            );
            ExitCode::from(101)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<OsString> {
        s.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn host_crates_are_left_alone() {
        let members = ["app"];
        for a in [
            // a build script
            "--crate-name build_script_build --crate-type bin src/build.rs",
            // a proc macro (host: no --target)
            "--crate-name derive --crate-type proc-macro src/lib.rs",
            // a member compiled for the host (a dependency of a build script)
            "--crate-name app --crate-type lib src/lib.rs",
            // cargo's probe
            "- --crate-name ___ --print=file-names --target x86_64-unknown-linux-gnu",
        ] {
            assert_eq!(
                plan(&args(a), "app", &members, Route::Stable),
                Plan::default(),
                "{a} must not be touched"
            );
        }
    }

    #[test]
    fn members_are_instrumented_and_executables_linked() {
        let t = "--target x86_64-unknown-linux-gnu";
        let p = plan(
            &args(&format!("--crate-name app --crate-type lib {t}")),
            "app",
            &["app"],
            Route::Stable,
        );
        assert!(p.instrument && !p.link_runtime, "a member library: {p:?}");
        let p = plan(
            &args(&format!("--crate-name app --test {t}")),
            "app",
            &["app"],
            Route::Stable,
        );
        assert!(p.instrument && p.link_runtime, "a member's tests: {p:?}");
        let p = plan(
            &args(&format!("--crate-name libc --crate-type lib {t}")),
            "libc",
            &["app"],
            Route::Nightly,
        );
        assert!(
            !p.instrument && p.allow_abi_mismatch,
            "a dependency on the nightly route: {p:?}"
        );
        let p = plan(
            &args(&format!("--crate-name=kcsan --crate-type=lib {t}")),
            "kcsan",
            &["kcsan"],
            Route::NightlyBuildStd,
        );
        assert!(
            !p.instrument,
            "the kcsan crate is never instrumented: {p:?}"
        );
    }

    #[test]
    fn strip_is_removed_in_both_spellings() {
        let mut a = args("-C strip=debuginfo x -Cstrip=debuginfo -C opt-level=3");
        remove_strip(&mut a);
        assert_eq!(a, args("x -C opt-level=3"));
        assert!(has_codegen_option(&args("-C debuginfo=2"), "debuginfo"));
        assert!(has_codegen_option(&args("-Cdebuginfo=2"), "debuginfo"));
        assert!(!has_codegen_option(&args("-C opt-level=2"), "debuginfo"));
    }
}
