//! The command line: `cargo kcsan [OPTIONS] <test|run|build|bench|clean> [cargo arguments]`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::toolchain::{Route, Toolchain};
use crate::wrapper;

const USAGE: &str = "\
cargo kcsan: check Rust crates for data races with KCSAN

Usage: cargo kcsan [OPTIONS] <COMMAND> [CARGO ARGUMENTS]...

Commands (run the cargo command of the same name, instrumented):
  test, t     build and run the tests
  run, r      build and run a binary or example
  build, b    build
  bench       build and run the benchmarks
  clean       remove cargo kcsan's build directories (target/kcsan, kcsan-lto)
  runtime     print the path of the runtime object Rust programs link
              (for linking by hand: -Clink-arg=PATH); with --lto, the
              access entry points' bitcode and the object, one per line

Options (before or after the command, before a `--`):
  --instrument <PKG>[,<PKG>...]  also instrument these dependencies (repeatable);
                                 the workspace members always are
  --instrument-c <PKG>[,<PKG>...]  compile the C and C++ these packages' build
                                 scripts build (through the `cc` crate) with
                                 `kcsan cc` / `kcsan c++` (needs `kcsan`)
  --route <stable|nightly>       how to instrument: `stable` (the LLVM pass list,
                                 any toolchain) or `nightly` (-Zsanitizer=thread);
                                 default: nightly on a nightly toolchain
  --build-std                    nightly route: rebuild and instrument std too
                                 (needs rust-src)
  --lto                          the LTO route: the runtime's checks inlined into
                                 the program (linker-plugin LTO with clang-22 and
                                 lld; needs `kcsan`; stable route)
  -h, --help                     print this help
  -V, --version                  print the version

Everything else after the command goes to cargo unchanged. KCSAN_OPTIONS reaches the
programs (`KCSAN_OPTIONS=udelay_task=200 cargo kcsan test`). A program that
reported a race exits with status 66, so `cargo kcsan test` fails.
Builds go to target/kcsan (target/kcsan-lto with --lto), apart from your normal builds.";

/// cargo kcsan's own options.
#[derive(Debug, Default)]
struct Options {
    instrument: Vec<String>,
    /// Packages whose C and C++ (built by their build scripts through the
    /// `cc` crate) are compiled with `kcsan cc` / `kcsan c++`.
    instrument_c: Vec<String>,
    route: Option<String>,
    build_std: bool,
    /// The LTO route: `-Clinker-plugin-lto`, clang and lld, the access
    /// entry points' bitcode.
    lto: bool,
}

/// The cargo subcommands cargo kcsan runs (with cargo's aliases).
fn cargo_command(name: &str) -> Option<&'static str> {
    Some(match name {
        "test" | "t" => "test",
        "run" | "r" => "run",
        "build" | "b" => "build",
        "bench" => "bench",
        "clean" => "clean",
        "runtime" => "runtime",
        _ => return None,
    })
}

/// The whole command line, parsed: options, the command, cargo's arguments.
fn parse(mut args: Vec<OsString>) -> Result<Option<(Options, &'static str, Vec<OsString>)>> {
    // Cargo runs `cargo-kcsan kcsan ARGS...`; `cargo-kcsan ARGS...` works too.
    if args.first().is_some_and(|a| a == "kcsan") {
        args.remove(0);
    }
    let mut opts = Options::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let Some(s) = arg.to_str() else {
            bail!("argument {arg:?} is not valid UTF-8");
        };
        let (name, inline) = match s.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (s, None),
        };
        let mut value = |what: &str| -> Result<String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .with_context(|| format!("{name} needs a value: {name} <{what}>")),
            }
        };
        match name {
            "-h" | "--help" | "help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("cargo-kcsan {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            _ if own_option(&mut opts, name, &mut value)? => {}
            _ if s.starts_with('-') => bail!(
                "unknown option `{s}` for cargo kcsan (its own options go before the command; \
                 cargo's after it: `cargo kcsan test {s}`); see `cargo kcsan --help`"
            ),
            _ => match cargo_command(s) {
                Some(cmd) => {
                    let rest = take_own_options(&mut opts, it.collect())?;
                    return Ok(Some((opts, cmd, rest)));
                }
                None => bail!(
                    "unknown command `{s}`: cargo kcsan runs test, run, build, bench, clean or runtime \
                     (`cargo kcsan test`); see `cargo kcsan --help`"
                ),
            },
        }
    }
    bail!("missing command: try `cargo kcsan test` (see `cargo kcsan --help`)")
}

/// Applies one of cargo kcsan's own options (`name`, its value from
/// `value`); `false` if `name` is not one. The one table for both places
/// the options may stand.
fn own_option(
    opts: &mut Options,
    name: &str,
    value: &mut dyn FnMut(&str) -> Result<String>,
) -> Result<bool> {
    let list = |v: String| -> Vec<String> {
        v.split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match name {
        "--instrument" => opts.instrument.extend(list(value("PKG")?)),
        "--instrument-c" => opts.instrument_c.extend(list(value("PKG")?)),
        "--route" => opts.route = Some(value("stable|nightly")?),
        "--build-std" => opts.build_std = true,
        "--lto" => opts.lto = true,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Cargo users put options after the command (`cargo kcsan test --route
/// nightly`): cargo kcsan's own options are taken from there too, up to a
/// `--` (after which everything is the test binary's). Cargo has no options
/// of these names, so nothing of cargo's is taken.
fn take_own_options(opts: &mut Options, args: Vec<OsString>) -> Result<Vec<OsString>> {
    let mut rest = Vec::with_capacity(args.len());
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            rest.push(arg);
            rest.extend(it);
            break;
        }
        let s = arg.to_string_lossy().into_owned();
        let (name, inline) = match s.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (s.clone(), None),
        };
        let mut value = |what: &str| -> Result<String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .with_context(|| format!("{name} needs a value: {name} <{what}>")),
            }
        };
        if !own_option(opts, &name, &mut value)? {
            rest.push(arg);
        }
    }
    Ok(rest)
}

/// The route to use, after checking that the toolchain can take it.
fn choose_route(opts: &Options, tc: &Toolchain) -> Result<Route> {
    let route = match opts.route.as_deref() {
        None if opts.build_std => Route::NightlyBuildStd,
        None if tc.is_nightly() => Route::Nightly,
        None => Route::Stable,
        Some("stable") if opts.build_std => {
            bail!("--build-std needs the nightly route, not --route stable")
        }
        Some("stable") => Route::Stable,
        Some("nightly") if opts.build_std => Route::NightlyBuildStd,
        Some("nightly") => Route::Nightly,
        Some(r) => bail!("unknown route `{r}`: use --route stable or --route nightly"),
    };
    if route.is_zsanitizer() && !tc.is_nightly() {
        bail!(
            "the nightly route (-Zsanitizer=thread{}) needs a nightly toolchain, but rustc is \
             {}; run `cargo +nightly kcsan ...` (install one with `rustup toolchain install \
             nightly`), or use the stable route (`--route stable`, the default on stable)",
            if opts.build_std { ", --build-std" } else { "" },
            tc.release
        );
    }
    if route == Route::NightlyBuildStd && !tc.has_rust_src()? {
        bail!(
            "--build-std needs the standard library's sources, which toolchain {} lacks: run \
             `rustup component add rust-src --toolchain {}`",
            tc.rustup_name(),
            tc.rustup_name()
        );
    }
    Ok(route)
}

/// The linker of the LTO route: `KCSAN_CC` if set (a clang of LLVM 22 or
/// later), else clang-22; it must find lld.
fn lto_linker() -> Result<String> {
    let clang = std::env::var("KCSAN_CC")
        .ok()
        .filter(|c| c.contains("clang"))
        .unwrap_or_else(|| "clang-22".to_owned());
    let lld = Command::new(&clang)
        .arg("-print-prog-name=ld.lld")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|p| PathBuf::from(p.trim()))
        .filter(|p| p.is_absolute() && p.is_file());
    if lld.is_none() {
        bail!(
            "--lto links with {clang} and lld, which were not found: install clang-22 and lld-22 \
             (scripts/setup.sh does), or set KCSAN_CC to a clang of LLVM 22 or later"
        );
    }
    Ok(clang)
}

/// The parts of `cargo metadata` cargo kcsan needs.
struct Metadata {
    members: Vec<String>,
    all_packages: Vec<String>,
    target_dir: PathBuf,
}

/// `--manifest-path` from cargo's arguments (before `--`), if any.
fn manifest_path(cargo_args: &[OsString]) -> Option<OsString> {
    let mut it = cargo_args.iter().take_while(|a| *a != "--");
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--manifest-path" {
            return it.next().cloned();
        }
        if let Some(v) = s.strip_prefix("--manifest-path=") {
            return Some(v.into());
        }
    }
    None
}

fn metadata(cargo: &OsString, cargo_args: &[OsString], with_deps: bool) -> Result<Metadata> {
    let mut cmd = Command::new(cargo);
    cmd.args(["metadata", "--format-version", "1"]);
    if !with_deps {
        cmd.arg("--no-deps");
    }
    if let Some(m) = manifest_path(cargo_args) {
        cmd.arg("--manifest-path").arg(m);
    }
    let out = cmd.output().context("cannot run `cargo metadata`")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("could not find `Cargo.toml`") {
            let cwd = std::env::current_dir().unwrap_or_default();
            bail!(
                "no Cargo.toml in {} or any parent directory: run cargo kcsan inside a crate, or \
                 pass --manifest-path PATH after the command",
                cwd.display()
            );
        }
        bail!("`cargo metadata` failed: {}", err.trim());
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("cannot parse `cargo metadata` output")?;
    let names = |filter: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        v["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| filter(p))
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    };
    let members_ids: Vec<&str> = v["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str())
        .collect();
    Ok(Metadata {
        members: names(&|p| p["id"].as_str().is_some_and(|id| members_ids.contains(&id))),
        all_packages: names(&|_| true),
        target_dir: PathBuf::from(
            v["target_directory"]
                .as_str()
                .context("`cargo metadata` gave no target_directory")?,
        ),
    })
}

/// Appends flags to the rustflags cargo will see, in whichever variable the
/// user already uses (`CARGO_ENCODED_RUSTFLAGS` wins over `RUSTFLAGS`).
fn append_flags(
    cmd: &mut Command,
    (var, encoded_var): (&str, &str),
    config_key: &str,
    host: &str,
    extra: &[String],
) -> Result<()> {
    if let Ok(enc) = std::env::var(encoded_var) {
        let mut parts: Vec<String> = enc
            .split('\x1f')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        parts.extend(extra.iter().cloned());
        cmd.env(encoded_var, parts.join("\x1f"));
        return Ok(());
    }
    if let Ok(mut v) = std::env::var(var) {
        for f in extra {
            if !v.is_empty() {
                v.push(' ');
            }
            v.push_str(f);
        }
        cmd.env(var, v);
        return Ok(());
    }
    // Nothing in the environment: cargo would have used the configuration's
    // flags, which ours would now replace; keep them, first.
    let (mut parts, warnings) = crate::config_flags::configured(config_key, host)?;
    for w in warnings {
        eprintln!("cargo kcsan: warning: {w}");
    }
    parts.extend(extra.iter().cloned());
    cmd.env(encoded_var, parts.join("\x1f"));
    Ok(())
}

/// Runs cargo kcsan; returns cargo's exit code.
pub(crate) fn main() -> Result<ExitCode> {
    let Some((opts, command, mut cargo_args)) = parse(std::env::args_os().skip(1).collect())?
    else {
        return Ok(ExitCode::SUCCESS);
    };
    if command == "runtime" {
        if opts.lto {
            // The LTO route's two inputs: the bitcode, then the object.
            let (bitcode, object) = crate::runtime::lto_objects()?;
            println!("{}\n{}", bitcode.display(), object.display());
        } else {
            println!("{}", crate::runtime::object()?.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let meta = metadata(
        &cargo,
        &cargo_args,
        !opts.instrument.is_empty() || !opts.instrument_c.is_empty(),
    )?;
    // The LTO route's builds have other flags for every crate and the same
    // artifact names: apart, so that the two routes do not rebuild over
    // each other.
    let target_dir = meta
        .target_dir
        .join(if opts.lto { "kcsan-lto" } else { "kcsan" });

    if command == "clean" {
        for dir in ["kcsan", "kcsan-lto"].map(|d| meta.target_dir.join(d)) {
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("cannot remove {}", dir.display()))?;
                eprintln!("cargo kcsan: removed {}", dir.display());
            }
        }
        return Ok(ExitCode::SUCCESS);
    }

    let tc = Toolchain::detect()?;
    let route = choose_route(&opts, &tc)?;
    for (flag, list) in [
        ("--instrument", &opts.instrument),
        ("--instrument-c", &opts.instrument_c),
    ] {
        for p in list {
            if !meta.all_packages.contains(p) {
                bail!(
                    "{flag} {p}: no package named `{p}` among the dependencies (see `cargo tree`)"
                );
            }
        }
    }

    // An explicit target: cargo then passes --target to rustc for the
    // program's crates only, which is how the wrapper recognises host crates.
    let before_dashdash = cargo_args.iter().take_while(|a| *a != "--");
    let given_target = before_dashdash
        .clone()
        .position(|a| a == "--target")
        .and_then(|i| {
            cargo_args
                .get(i + 1)
                .map(|t| t.to_string_lossy().into_owned())
        })
        .or_else(|| {
            cargo_args
                .iter()
                .take_while(|a| *a != "--")
                .find_map(|a| a.to_str()?.strip_prefix("--target=").map(str::to_owned))
        });
    match given_target {
        Some(t) if t != tc.host => bail!(
            "--target {t}: cargo kcsan builds for the host ({}) only, the platform the runtime \
             is built for",
            tc.host
        ),
        Some(_) => {}
        None => {
            cargo_args.splice(0..0, ["--target".into(), tc.host.clone().into()]);
        }
    }
    if route == Route::NightlyBuildStd {
        cargo_args.insert(0, "-Zbuild-std".into());
    }

    // The LTO route links the access entry points as bitcode, which rustc's
    // LLVM must be able to read and whose few calls into std must find the
    // program's std: the stable route, with the toolchain the runtime was
    // built with (checked by the link).
    let lto = if opts.lto {
        if route != Route::Stable {
            bail!("--lto works on the stable route (--route stable), not with -Zsanitizer");
        }
        let (bitcode, object) = crate::runtime::lto_objects()?;
        Some((bitcode, object, lto_linker()?))
    } else {
        None
    };
    let runtime = match &lto {
        Some((_, object, _)) => object.clone(),
        None => crate::runtime::object()?,
    };
    let mut instrument: Vec<String> = meta
        .members
        .iter()
        .chain(&opts.instrument)
        .filter(|p| !wrapper::KCSAN_PACKAGES.contains(&p.as_str()))
        .cloned()
        .collect();
    instrument.dedup();

    // One line, so that a log says what was checked and how.
    eprintln!(
        "cargo kcsan: instrumenting {} ({} route{}){}; runtime {}",
        if route == Route::NightlyBuildStd {
            "every crate of the program, std included".to_owned()
        } else {
            instrument.join(", ")
        },
        route.name(),
        match route {
            Route::Stable => ": -Cpasses=...tsan",
            _ => ": -Zsanitizer=thread",
        },
        if lto.is_some() {
            ", LTO route (checks inlined)"
        } else {
            ""
        },
        runtime.display()
    );
    let mut cmd = Command::new(&cargo);
    cmd.arg(command).args(&cargo_args);
    if let Some((bitcode, _, linker)) = &lto {
        cmd.env(wrapper::LTO_BITCODE_ENV, bitcode)
            .env(wrapper::LTO_LINKER_ENV, linker);
    }
    cmd.env(wrapper::ROLE_ENV, "rustc")
        .env(wrapper::ROUTE_ENV, route.name())
        .env(wrapper::INSTRUMENT_ENV, instrument.join(","))
        .env(wrapper::RUNTIME_ENV, &runtime)
        .env(
            wrapper::INNER_WRAPPER_ENV,
            std::env::var_os("RUSTC_WRAPPER").unwrap_or_default(),
        )
        .env("RUSTC_WRAPPER", std::env::current_exe()?);
    if !opts.instrument_c.is_empty() {
        // The `cc` crate runs $CC / $CXX (a command with arguments is
        // fine); `kcsan cc` instruments only the packages listed in
        // KCSAN_C_PACKAGES (a build script's compiler runs with its
        // CARGO_PKG_NAME) and passes every other package's compiles through.
        // As single paths (`kcsan-cc`, links to `kcsan`, which dispatches
        // on its name): the `cc` crate probes a compiler given with
        // arguments as if the first word were a wrapper.
        let kcsan = crate::runtime::resolve_kcsan(&std::env::current_exe()?)?;
        let bin = target_dir.join("bin");
        std::fs::create_dir_all(&bin)
            .with_context(|| format!("cannot create {}", bin.display()))?;
        for (var, name, inner) in [
            ("CC", "kcsan-cc", "KCSAN_CC"),
            ("CXX", "kcsan-c++", "KCSAN_CXX"),
        ] {
            let link = bin.join(name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&kcsan, &link)
                .with_context(|| format!("cannot make the link {}", link.display()))?;
            if let Some(user) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                cmd.env(inner, user);
            }
            cmd.env(var, &link);
        }
        cmd.env("KCSAN_C_PACKAGES", opts.instrument_c.join(","));
    }
    if command == "test" {
        // Test binaries run through cargo kcsan, which then says which tests
        // raced (runner.rs); a runner of the user's own stays.
        let var = format!(
            "CARGO_TARGET_{}_RUNNER",
            tc.host.to_uppercase().replace(['-', '.'], "_")
        );
        if std::env::var_os(&var).is_none() && !crate::config_flags::has_runner(&tc.host) {
            let me = std::env::current_exe()?;
            cmd.env(
                var,
                format!("{} {}", me.display(), crate::runner::RUNNER_ARG),
            );
        }
    }
    let user_target_dir = cargo_args
        .iter()
        .any(|a| a == "--target-dir" || a.to_string_lossy().starts_with("--target-dir="));
    if !user_target_dir {
        cmd.env("CARGO_TARGET_DIR", &target_dir);
    }
    // `--cfg kcsan` turns the kcsan crate's checks on (and the user's own
    // `#[cfg(kcsan)]` code). `kcsan_build` makes cargo rebuild when the route,
    // the instrumented set or the runtime changes: cargo does not see what
    // the wrapper adds, but it does fingerprint RUSTFLAGS.
    // The wrapper's own binary counts too: a new cargo-kcsan may add other flags.
    let mtime = |p: &std::path::Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs())
    };
    let stamp = mtime(&runtime).max(mtime(&std::env::current_exe()?));
    let mut list = instrument.clone();
    list.sort();
    let rustflags = vec![
        "--cfg=kcsan".to_owned(),
        format!(
            "--cfg=kcsan_build=\"{}{}-{}-{stamp}\"",
            route.name(),
            if lto.is_some() { "-lto" } else { "" },
            list.join("+")
        ),
    ];
    append_flags(
        &mut cmd,
        ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"),
        "rustflags",
        &tc.host,
        &rustflags,
    )?;
    // Doctests are compiled by rustdoc, not through the wrapper: instrument
    // them and link the runtime (they link the instrumented library).
    let mut docflags = rustflags.clone();
    docflags.extend(route.instrument_flags().iter().map(|s| s.to_string()));
    if route == Route::Nightly {
        docflags.push("-Cunsafe-allow-abi-mismatch=sanitizer".into());
    }
    // Doctests are linked by rustdoc on the call route even under --lto
    // (rustdoc takes no linker plugin): the runtime object with the entry
    // points in it.
    let doc_runtime = match &lto {
        Some(_) => crate::runtime::object()?,
        None => runtime.clone(),
    };
    docflags.push(format!("-Clink-arg={}", doc_runtime.display()));
    append_flags(
        &mut cmd,
        ("RUSTDOCFLAGS", "CARGO_ENCODED_RUSTDOCFLAGS"),
        "rustdocflags",
        &tc.host,
        &docflags,
    )?;

    let status = cmd.status().context("cannot run cargo")?;
    Ok(match status.code() {
        Some(c) => ExitCode::from(c.clamp(0, 255) as u8),
        None => ExitCode::from(101),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Option<(Options, &'static str, Vec<OsString>)>> {
        parse(s.split_whitespace().map(OsString::from).collect())
    }

    #[test]
    fn options_go_before_the_command() {
        let (o, c, rest) = parse_str("kcsan --instrument a,b --instrument=c t --release -- x")
            .unwrap()
            .unwrap();
        assert_eq!(o.instrument, ["a", "b", "c"]);
        assert_eq!(c, "test");
        assert_eq!(rest, ["--release", "--", "x"]);
    }

    #[test]
    fn own_options_after_the_command_are_taken_too() {
        let (o, c, rest) = parse_str(
            "kcsan test --route nightly --release --build-std --instrument=a -- --route x",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (o.route.as_deref(), o.build_std, o.instrument.as_slice(), c),
            (Some("nightly"), true, &["a".to_owned()][..], "test")
        );
        assert_eq!(
            rest,
            ["--release", "--", "--route", "x"],
            "after `--`: the test binary's"
        );
        let e = parse_str("kcsan test --route").unwrap_err().to_string();
        assert!(e.contains("--route needs a value"), "{e}");
    }

    #[test]
    fn bad_input_says_what_to_run() {
        let e = parse_str("kcsan frobnicate").unwrap_err().to_string();
        assert!(
            e.contains("unknown command `frobnicate`") && e.contains("cargo kcsan test"),
            "{e}"
        );
        let e = parse_str("kcsan --frob test").unwrap_err().to_string();
        assert!(e.contains("unknown option `--frob`"), "{e}");
        let e = parse_str("kcsan").unwrap_err().to_string();
        assert!(e.contains("missing command"), "{e}");
        let e = parse_str("kcsan --instrument").unwrap_err().to_string();
        assert!(e.contains("--instrument needs a value"), "{e}");
    }

    #[test]
    fn manifest_path_is_found_before_the_program_arguments() {
        let a = |s: &str| s.split_whitespace().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            manifest_path(&a("--manifest-path x/Cargo.toml")),
            Some("x/Cargo.toml".into())
        );
        assert_eq!(manifest_path(&a("--manifest-path=y")), Some("y".into()));
        assert_eq!(manifest_path(&a("-- --manifest-path z")), None);
    }
}
