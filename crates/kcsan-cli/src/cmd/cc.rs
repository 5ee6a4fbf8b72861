//! `kcsan cc` and `kcsan c++`: compiler wrappers.
//!
//! At compile steps they add the ThreadSanitizer instrumentation with KCSAN's
//! parameters (as the kernel's `scripts/Makefile.kcsan` does); at link steps
//! they link our runtime and never libtsan. `-fsanitize=thread` must never
//! reach a link step (gcc would add libtsan, clang its own runtime), so an
//! invocation that compiles *and* links (`kcsan cc a.c b.o -o prog`) is split:
//! each source is compiled to a temporary object, then everything is linked.
//!
//! The compiler is gcc/g++ by default; `KCSAN_CC` / `KCSAN_CXX` (or
//! `--kcsan-cc=PROG` as the first argument) choose another, e.g. `clang-22`.
//! `KCSAN_VERBOSE=1` prints the commands that are run. `KCSAN_WEAK_MEMORY=1`
//! builds for the weak-memory model (function entry/exit instrumentation).
//! With clang, a command that asks for LTO takes the LTO route (`lto.rs`):
//! the runtime's fast paths are inlined into the program.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use super::lto;
use crate::locate;

/// Which compiler family: they spell the instrumentation parameters differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Gcc,
    Clang,
}

/// The compiler to run.
#[derive(Clone, Debug)]
pub(crate) struct Compiler {
    program: String,
    family: Family,
}

impl Compiler {
    fn new(program: String) -> Compiler {
        let base = Path::new(&program)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let family = if base.contains("clang") {
            Family::Clang
        } else {
            Family::Gcc
        };
        Compiler { program, family }
    }

    /// The instrumentation flags for compile steps (`CFLAGS_KCSAN`).
    fn instrumentation(&self, include: &Path, has_debug_flag: bool) -> Vec<String> {
        let mut f: Vec<String> = vec![
            "-fsanitize=thread".into(),
            "-fno-optimize-sibling-calls".into(),
        ];
        let mut params: Vec<&str> = match self.family {
            // GCC 12 has no compound read-before-write parameter: `x++` is a
            // separate read and write (kernel-kcsan.md §1.7).
            Family::Gcc => vec!["tsan-distinguish-volatile=1"],
            Family::Clang => vec![
                "tsan-distinguish-volatile=1",
                "tsan-compound-read-before-write=1",
            ],
        };
        // Function entry/exit calls only scope the weak-memory model; without
        // it they are two calls per function for nothing, so they are on only
        // when asked for (as the kernel drops the flag with WEAK_MEMORY=y).
        if !weak_memory() {
            params.push("tsan-instrument-func-entry-exit=0");
        }
        for p in params {
            match self.family {
                Family::Gcc => f.push(format!("--param={p}")),
                Family::Clang => f.extend(["-mllvm".to_owned(), format!("-{p}")]),
            }
        }
        if self.family == Family::Clang {
            // clang's SLP vectorizer merges neighbouring stores into vector
            // stores, which its ThreadSanitizer pass leaves uninstrumented: a
            // struct assignment's writer would become invisible.
            f.push("-fno-slp-vectorize".into());
        }
        if self.family == Family::Gcc {
            // gcc warns that atomic_thread_fence is "not supported with -fsanitize=thread".
            f.push("-Wno-tsan".into());
        }
        f.push("-DKCSAN_ENABLED=1".into());

        f.push(format!("-I{}", include.display()));
        if !has_debug_flag {
            // Line tables only: reports get file:line at little cost.
            f.push("-g1".into());
        }
        f
    }
}

/// `KCSAN_WEAK_MEMORY=1`: build for the weak-memory model (`weak_memory=1` at
/// run time): function entry/exit instrumentation on.
fn weak_memory() -> bool {
    std::env::var_os("KCSAN_WEAK_MEMORY").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The runtime and its dependencies, for link steps of executables.
fn runtime_link_args(runtime_dir: &Path, is_static: bool) -> Vec<String> {
    let mut f = vec![
        // Pull the runtime in even if only shared libraries are instrumented.
        "-Wl,-u,__tsan_init".to_owned(),
        // Instrumented libraries dlopen'ed later resolve the hooks in the exe.
        "-Wl,--export-dynamic-symbol=__tsan_*".to_owned(),
        "-Wl,--export-dynamic-symbol=kcsan_*".to_owned(),
        "-Wl,--export-dynamic-symbol=__kcsan_*".to_owned(),
        runtime_dir
            .join(locate::RUNTIME_ARCHIVE)
            .display()
            .to_string(),
        "-pthread".to_owned(),
        "-ldl".to_owned(),
        "-lm".to_owned(),
        "-lrt".to_owned(),
    ];
    if !is_static {
        // gcc leaves memcpy/memmove/memset as libc calls: route the program's
        // calls through the runtime's checks (kcsan-rt/src/wrap.c). Not in
        // static links, where --wrap would also catch libc's own start-up
        // copies, made before thread-local storage exists.
        f.push("-Wl,--wrap=memcpy,--wrap=memmove,--wrap=memset".to_owned());
        // Release points inside the C library and libgomp, seen by the
        // weak-memory model (kcsan-rt/src/sync_wrap_*.c).
        f.push(format!(
            "-Wl,{}",
            SYNC_WRAPS
                .iter()
                .map(|s| format!("--wrap={s}"))
                .collect::<Vec<_>>()
                .join(",")
        ));
        // The runtime unwinds stacks with libgcc's unwinder (libgcc_eh in
        // static links, which gcc adds itself).
        f.push("-lgcc_s".to_owned());
    }
    f
}

/// The C library's and libgomp's release points the weak-memory model is
/// told about (kcsan-rt/src/sync_wrap_pthread.c and sync_wrap_gomp.c).
const SYNC_WRAPS: &[&str] = &[
    "pthread_mutex_unlock",
    "pthread_spin_unlock",
    "pthread_rwlock_unlock",
    "sem_post",
    "pthread_cond_wait",
    "pthread_cond_timedwait",
    "pthread_barrier_wait",
    "pthread_create",
    // std::thread::_M_start_thread (libstdc++ starts std::threads itself).
    "_ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE",
    "GOMP_parallel",
    "GOMP_parallel_reductions",
    "GOMP_parallel_sections",
    "GOMP_parallel_loop_static",
    "GOMP_parallel_loop_dynamic",
    "GOMP_parallel_loop_guided",
    "GOMP_parallel_loop_nonmonotonic_dynamic",
    "GOMP_parallel_loop_nonmonotonic_guided",
    "GOMP_parallel_loop_runtime",
    "GOMP_parallel_loop_nonmonotonic_runtime",
    "GOMP_parallel_loop_maybe_nonmonotonic_runtime",
    "GOMP_barrier",
    "GOMP_barrier_cancel",
    "GOMP_loop_end",
    "GOMP_loop_end_cancel",
    "GOMP_sections_end",
    "GOMP_sections_end_cancel",
    "GOMP_critical_end",
    "GOMP_critical_name_end",
    "GOMP_atomic_end",
    "GOMP_taskwait",
    "GOMP_taskgroup_end",
    "GOMP_task",
    "GOMP_taskloop",
    "GOMP_taskloop_ull",
    "GOMP_ordered_end",
    "omp_unset_lock",
    "omp_unset_nest_lock",
];

/// What an invocation does, from its flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// `-E`, `-M`, `-MM`: preprocess only.
    Preprocess,
    /// `-c` or `-S`: compile only.
    Compile,
    /// Link (possibly compiling sources first).
    Link,
}

/// One command-line argument, classified.
#[derive(Clone, Debug)]
enum Arg {
    /// A source file to compile, with the `-x` language in effect for it.
    Source(String, Option<String>),
    /// Any other input (objects, archives, shared libraries).
    Input(String),
    /// `-o FILE`.
    Output(String),
    /// Options only meaningful at link time (`-l`, `-L`, `-Wl,`, `-static`, ...).
    LinkOnly(Vec<String>),
    /// `-x LANG` (dropped at link steps, whose inputs are objects).
    Language,
    /// Everything else: used at compile and link steps alike.
    Common(Vec<String>),
}

/// Options whose value is the next argument.
const TAKES_VALUE: &[&str] = &[
    "-I",
    "-D",
    "-U",
    "-include",
    "-imacros",
    "-isystem",
    "-iquote",
    "-idirafter",
    "-isysroot",
    "-MF",
    "-MT",
    "-MQ",
    "--param",
    "-mllvm",
    "-Xclang",
    "-Xassembler",
    "-Xpreprocessor",
    "-target",
    "--target",
    "-aux-info",
    "-B",
    "--sysroot",
    "-std",
];
/// Link-only options whose value is the next argument.
const LINK_TAKES_VALUE: &[&str] = &["-L", "-l", "-Xlinker", "-u", "-T", "-z", "-e"];
const SOURCE_EXTENSIONS: &[&str] = &[
    "c", "cc", "cp", "cxx", "cpp", "CPP", "c++", "C", "i", "ii", "s", "S", "sx", "m", "mm",
];

fn is_source(path: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| SOURCE_EXTENSIONS.iter().any(|s| e == *s))
}

fn classify(args: &[String]) -> Result<(Mode, Vec<Arg>, bool, bool)> {
    let mut mode = Mode::Link;
    let mut out = Vec::new();
    let (mut has_debug, mut is_static) = (false, false);
    let mut lang: Option<String> = None;
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let a = a.as_str();
        let mut value = |name: &str| -> Result<String> {
            it.next()
                .cloned()
                .with_context(|| format!("option {name} needs a value"))
        };
        match a {
            "-c" | "-S" => {
                if mode != Mode::Preprocess {
                    mode = Mode::Compile;
                }
                out.push(Arg::Common(vec![a.to_owned()]));
            }
            "-E" | "-M" | "-MM" => {
                mode = Mode::Preprocess;
                out.push(Arg::Common(vec![a.to_owned()]));
            }
            "-o" => out.push(Arg::Output(value(a)?)),
            "-x" => {
                let l = value(a)?;
                lang = (l != "none").then(|| l.clone());
                out.push(Arg::Language);
            }
            "-shared" | "-static" | "-static-pie" | "-pie" | "-no-pie" | "-rdynamic"
            | "-nostdlib" | "-nodefaultlibs" | "-nostartfiles" | "-static-libgcc"
            | "-static-libstdc++" => {
                is_static |= a == "-static";
                out.push(Arg::LinkOnly(vec![a.to_owned()]));
            }
            _ if LINK_TAKES_VALUE.contains(&a) => {
                out.push(Arg::LinkOnly(vec![a.to_owned(), value(a)?]))
            }
            _ if a.starts_with("-l")
                || a.starts_with("-L")
                || a.starts_with("-Wl,")
                || a.starts_with("-fuse-ld=") =>
            {
                out.push(Arg::LinkOnly(vec![a.to_owned()]))
            }
            _ if TAKES_VALUE.contains(&a) => out.push(Arg::Common(vec![a.to_owned(), value(a)?])),
            _ if a.starts_with("-fsanitize=") && a.contains("thread") => {
                bail!(
                    "do not pass {a}: kcsan adds the instrumentation itself (and must keep libtsan out of the link)"
                )
            }
            _ if a.starts_with('-') && a != "-" => {
                has_debug |= a.starts_with("-g");
                out.push(Arg::Common(vec![a.to_owned()]));
            }
            _ if lang.is_some() || is_source(a) || a == "-" => {
                out.push(Arg::Source(a.to_owned(), lang.clone()))
            }
            _ => out.push(Arg::Input(a.to_owned())),
        }
    }
    Ok((mode, out, has_debug, is_static))
}

/// Replaces every `@FILE` argument with the arguments in FILE, as gcc and
/// clang read them: separated by whitespace, with `'...'`, `"..."` and
/// backslash escapes, nested response files expanded too. An `@FILE` whose
/// file does not exist stays as it is (the compiler then treats it as a
/// file name, as gcc does).
fn expand_response_files(args: Vec<String>, depth: u32) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        let Some(file) = a.strip_prefix('@').filter(|f| !f.is_empty()) else {
            out.push(a);
            continue;
        };
        if !Path::new(file).is_file() {
            out.push(a);
            continue;
        }
        if depth >= 10 {
            bail!("response files nested more than 10 deep (at @{file})");
        }
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the response file {file}"))?;
        out.extend(expand_response_files(
            split_response_file(&text),
            depth + 1,
        )?);
    }
    Ok(out)
}

/// The arguments in a response file's text.
fn split_response_file(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut in_arg = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_arg = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_arg = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_arg {
                    args.push(std::mem::take(&mut cur));
                    in_arg = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_arg = true;
            }
        }
    }
    if in_arg {
        args.push(cur);
    }
    args
}

fn verbose() -> bool {
    std::env::var_os("KCSAN_VERBOSE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Runs one compiler command; returns its exit code.
fn run(program: &str, args: &[String]) -> Result<i32> {
    if verbose() {
        eprintln!("kcsan: {program} {}", args.join(" "));
    }
    let status = Command::new(program).args(args).status().with_context(|| {
        format!("cannot run the compiler `{program}` (set KCSAN_CC / KCSAN_CXX to choose one)")
    })?;
    Ok(status.code().unwrap_or(1))
}

fn flatten(args: &[Arg], f: impl Fn(&Arg) -> Option<Vec<String>>) -> Vec<String> {
    args.iter().filter_map(f).flatten().collect()
}

/// `kcsan cc ARGS...` / `kcsan c++ ARGS...`.
pub(crate) fn main(cxx: bool, raw: Vec<OsString>) -> Result<ExitCode> {
    let mut args: Vec<String> = raw
        .into_iter()
        .map(|a| {
            a.into_string()
                .map_err(|a| anyhow::anyhow!("argument is not valid UTF-8: {a:?}"))
        })
        .collect::<Result<_>>()?;
    let mut program = std::env::var(if cxx { "KCSAN_CXX" } else { "KCSAN_CC" })
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| if cxx { "g++" } else { "gcc" }.to_owned());
    if let Some(p) = args.first().and_then(|a| a.strip_prefix("--kcsan-cc=")) {
        program = p.to_owned();
        args.remove(0);
    }
    // `kcsan c++ --kcsan-cc=clang-22` means clang++-22.
    if cxx && program.starts_with("clang") && !program.starts_with("clang++") {
        program = program.replacen("clang", "clang++", 1);
    }
    // Under `cargo kcsan --instrument-c PKGS`, a build script's compiles are
    // instrumented only for the packages listed; others compile as usual.
    if let (Some(listed), Ok(pkg)) = (
        std::env::var("KCSAN_C_PACKAGES")
            .ok()
            .filter(|l| !l.is_empty()),
        std::env::var("CARGO_PKG_NAME"),
    ) && !listed.split(',').any(|p| p == pkg)
    {
        return Ok(ExitCode::from(run(&program, &args)? as u8));
    }
    let compiler = Compiler::new(program);
    // Sources named only inside a response file would otherwise be compiled
    // by the compiler itself, in a compile-and-link step we must split.
    let mut args = expand_response_files(args, 0)?;
    if compiler.family == Family::Gcc && args.iter().any(|a| lto::is_lto_flag(a)) {
        // gcc instruments at the LTO link, where -fsanitize=thread would
        // also link libtsan: build without LTO rather than uninstrumented.
        eprintln!(
            "kcsan: warning: -flto dropped: gcc would lose the instrumentation at the LTO link \
             (use KCSAN_CC=clang-22 for LTO)"
        );
        args.retain(|a| !lto::is_lto_flag(a));
    }
    if args.is_empty() {
        bail!(
            "no input files (usage: kcsan {} [compiler arguments...])",
            if cxx { "c++" } else { "cc" }
        );
    }
    let (mode, parsed, has_debug, is_static) = classify(&args)?;
    let include = locate::include_dir()?;
    let mut instr = compiler.instrumentation(&include, has_debug);
    let lto = lto::route(&args, compiler.family == Family::Clang)?;
    if let Some(r) = lto.filter(|r| r.added) {
        instr.push(r.flavour.flag());
    }

    // A query with nothing to compile or link (`-v`, `--version`,
    // `-dumpmachine`, `-print-search-dirs`, as configure and CMake ask):
    // the compiler's own answer and exit status, nothing added.
    if mode == Mode::Link
        && !parsed
            .iter()
            .any(|a| matches!(a, Arg::Source(..) | Arg::Input(_)))
    {
        return Ok(ExitCode::from(run(&compiler.program, &args)? as u8));
    }
    // Compile-only and preprocess steps: the original command plus the flags.
    if mode != Mode::Link {
        let mut cmd = instr;
        cmd.extend(args);
        return Ok(ExitCode::from(run(&compiler.program, &cmd)? as u8));
    }

    let is_shared = parsed
        .iter()
        .any(|a| matches!(a, Arg::LinkOnly(v) if v[0] == "-shared"));
    let common = flatten(&parsed, |a| match a {
        Arg::Common(v) => Some(v.clone()),
        _ => None,
    });

    // Split: compile each source to a temporary object first.
    let tmp = tempfile::Builder::new()
        .prefix("kcsan-cc-")
        .tempdir()
        .context("cannot create a scratch directory")?;
    let mut objects: Vec<Option<PathBuf>> = Vec::new();
    for (i, a) in parsed.iter().enumerate() {
        let Arg::Source(src, lang) = a else {
            objects.push(None);
            continue;
        };
        let stem = Path::new(src)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let obj = tmp.path().join(format!("{i}-{stem}.o"));
        let mut cmd = instr.clone();
        cmd.extend(common.iter().cloned());
        if let Some(l) = lang {
            cmd.extend(["-x".to_owned(), l.clone()]);
        }
        cmd.extend([
            src.clone(),
            "-c".to_owned(),
            "-o".to_owned(),
            obj.display().to_string(),
        ]);
        let code =
            run(&compiler.program, &cmd).with_context(|| format!("while compiling {src}"))?;
        if code != 0 {
            return Ok(ExitCode::from(code as u8));
        }
        objects.push(Some(obj));
    }

    // Link: the original arguments with sources replaced by their objects,
    // `-x` dropped (the inputs are objects now), and the runtime appended.
    let mut cmd = Vec::new();
    for (a, obj) in parsed.iter().zip(&objects) {
        match (a, obj) {
            (Arg::Source(..), Some(o)) => cmd.push(o.display().to_string()),
            (Arg::Input(i), _) => cmd.push(i.clone()),
            (Arg::Output(o), _) => cmd.extend(["-o".to_owned(), o.clone()]),
            (Arg::LinkOnly(v) | Arg::Common(v), _) => cmd.extend(v.iter().cloned()),
            (Arg::Language, _) | (Arg::Source(..), None) => {}
        }
    }
    // A shared library gets no runtime: the executable (or an LD_PRELOADed
    // libkcsan_rt.so) provides the hooks, once per process.
    if !is_shared {
        match lto {
            // The LTO route: the runtime's bitcode first, then the archive it
            // was built with (lto.rs).
            Some(route) => {
                let (inputs, dir) = lto::link_inputs(&compiler.program, route, &args)?;
                cmd.extend(inputs);
                cmd.extend(runtime_link_args(&dir, is_static));
            }
            None => cmd.extend(runtime_link_args(&locate::runtime_dir()?, is_static)),
        }
    } else if let Some(r) = lto.filter(|r| r.added) {
        cmd.push(r.flavour.flag());
    }
    let code = run(&compiler.program, &cmd).context("while linking")?;
    Ok(ExitCode::from(code as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn modes() {
        assert_eq!(classify(&s(&["-c", "a.c"])).unwrap().0, Mode::Compile);
        assert_eq!(
            split_response_file("a.c -DX='a b' \"c d\"\\ e\n -o\tprog\n"),
            ["a.c", "-DX=a b", "c d e", "-o", "prog"]
        );
        assert!(
            lto::is_lto_flag("-flto")
                && lto::is_lto_flag("-flto=auto")
                && !lto::is_lto_flag("-fno-lto")
        );
        assert_eq!(classify(&s(&["-E", "a.c"])).unwrap().0, Mode::Preprocess);
        assert_eq!(classify(&s(&["a.o", "-o", "p"])).unwrap().0, Mode::Link);
    }

    #[test]
    fn sources_inputs_and_values_are_told_apart() {
        let (_, args, dbg, st) = classify(&s(&[
            "-O2", "-I", "inc", "a.c", "b.o", "-lm", "-o", "p", "-static",
        ]))
        .unwrap();
        assert!(!dbg && st);
        assert!(matches!(&args[1], Arg::Common(v) if v == &s(&["-I", "inc"])));
        assert!(matches!(&args[2], Arg::Source(p, None) if p == "a.c"));
        assert!(matches!(&args[3], Arg::Input(p) if p == "b.o"));
        assert!(matches!(&args[4], Arg::LinkOnly(v) if v == &s(&["-lm"])));
        assert!(matches!(&args[5], Arg::Output(p) if p == "p"));
        let (_, args, ..) = classify(&s(&["-x", "c", "prog.txt"])).unwrap();
        assert!(matches!(&args[1], Arg::Source(p, Some(l)) if p == "prog.txt" && l == "c"));
    }

    #[test]
    fn user_tsan_flags_are_refused() {
        let e = classify(&s(&["-fsanitize=thread", "a.c"])).unwrap_err();
        assert!(
            e.to_string().contains("do not pass -fsanitize=thread"),
            "{e}"
        );
    }

    #[test]
    fn missing_values_are_errors() {
        let e = classify(&s(&["a.c", "-o"])).unwrap_err();
        assert!(e.to_string().contains("-o needs a value"), "{e}");
    }
}
