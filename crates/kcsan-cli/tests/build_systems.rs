//! kcsan's compilers in the build systems C and C++ users have: the project
//! of `tests/build_systems/` (a C library and a C++ program that races
//! through it) built with plain make, CMake (compiler from `CC`/`CXX`, and
//! as one path with `-DCMAKE_C_COMPILER=kcsan-cc`), Meson, and an autoconf
//! `./configure` (whose probes must pass: the compiler works, makes
//! executables, answers `--version`, `-E`). Each build must report the race.
//! CMake, Meson, Ninja and autoconf come from `scripts/setup.sh`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of the project in a fresh directory, and a `bin/` with
/// `kcsan-cc` / `kcsan-c++` links to the built `kcsan`, first on `PATH`.
struct Project {
    _dir: tempfile::TempDir,
    src: PathBuf,
    path: String,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("project");
        std::fs::create_dir_all(&src).unwrap();
        let from = support::repo_root().join("tests/build_systems");
        for e in std::fs::read_dir(&from).unwrap().flatten() {
            std::fs::copy(e.path(), src.join(e.file_name())).unwrap();
        }
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let kcsan = support::kcsan();
        for link in ["kcsan", "kcsan-cc", "kcsan-c++"] {
            std::os::unix::fs::symlink(&kcsan, bin.join(link)).unwrap();
        }
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Project {
            _dir: dir,
            src,
            path,
        }
    }

    /// Runs one build step in the project; fails the test with its output.
    fn step(&self, program: &str, args: &[&str], env: &[(&str, &str)]) {
        if !program.contains('/') {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {program}")])
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(
                found,
                "{program} is not installed: scripts/setup.sh installs it"
            );
        }
        let mut c = Command::new(program);
        c.args(args)
            .current_dir(&self.src)
            .env("PATH", &self.path)
            .env_remove("KCSAN_OPTIONS")
            .env_remove("CC")
            .env_remove("CXX");
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "`{program} {}` failed ({:?}):\n{}\n{}",
            args.join(" "),
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// Runs the built program until it reports the race (at most 20 runs).
    fn catches_the_race(&self, app: &str) {
        let app = self.src.join(app);
        for _ in 0..20 {
            let o = Command::new(&app)
                .env_remove("KCSAN_OPTIONS")
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            if err.contains("BUG: KCSAN: data-race in stats_bump") {
                assert!(
                    err.contains("stats.c:"),
                    "symbolized to the library's source:\n{err}"
                );
                assert_eq!(o.status.code(), Some(66), "{err}");
                return;
            }
        }
        panic!("{} never reported its race in 20 runs", app.display());
    }
}

const WRAPPERS: [(&str, &str); 2] = [("CC", "kcsan cc"), ("CXX", "kcsan c++")];

#[test]
fn plain_make() {
    let p = Project::new();
    p.step("make", &["CC=kcsan cc", "CXX=kcsan c++"], &[]);
    p.catches_the_race("app");
}

#[test]
fn cmake_with_cc_and_cxx_from_the_environment() {
    let p = Project::new();
    p.step("cmake", &["-S", ".", "-B", "build"], &WRAPPERS);
    p.step("cmake", &["--build", "build"], &[]);
    p.catches_the_race("build/app");
}

#[test]
fn cmake_with_single_path_compilers() {
    let p = Project::new();
    p.step(
        "cmake",
        &[
            "-S",
            ".",
            "-B",
            "build",
            "-DCMAKE_C_COMPILER=kcsan-cc",
            "-DCMAKE_CXX_COMPILER=kcsan-c++",
        ],
        &[],
    );
    p.step("cmake", &["--build", "build"], &[]);
    p.catches_the_race("build/app");
}

#[test]
fn meson() {
    let p = Project::new();
    p.step("meson", &["setup", "build"], &WRAPPERS);
    p.step("ninja", &["-C", "build"], &[]);
    p.catches_the_race("build/app");
}

#[test]
fn autoconf_configure() {
    let p = Project::new();
    p.step("autoconf", &[], &[]);
    p.step("./configure", &["CC=kcsan cc", "CXX=kcsan c++"], &[]);
    p.step("make", &[], &[]);
    p.catches_the_race("app");
}

#[test]
fn compiler_probes_answer_as_the_compiler_does() {
    // What configure scripts and CMake ask a compiler, with nothing extra
    // on stdout and the compiler's own exit status.
    let p = Project::new();
    let cc = Path::new(&p.src).join("probe.c");
    std::fs::write(&cc, "#include <stdio.h>\nint main(void) { return 0; }\n").unwrap();
    for (args, want_ok) in [
        (&["--version"][..], true),
        (&["-v"][..], true),
        (&["-E", "probe.c"][..], true),
        (&["-M", "probe.c"][..], true),
        (&["-c", "probe.c", "-o", "probe.o"][..], true),
        (&["probe.c", "-o", "probe"][..], true),
        (&["-c", "missing.c"][..], false),
    ] {
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!("kcsan-cc {}", args.join(" ")))
            .current_dir(&p.src)
            .env("PATH", &p.path)
            .output()
            .unwrap();
        assert_eq!(
            o.status.success(),
            want_ok,
            "kcsan-cc {}: {:?}\n{}",
            args.join(" "),
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            !out.contains("kcsan:"),
            "kcsan-cc {} printed on stdout: {out}",
            args.join(" ")
        );
    }
}

#[test]
fn cmake_with_clang() {
    let p = Project::new();
    let env = [
        ("CC", "kcsan cc"),
        ("CXX", "kcsan c++"),
        ("KCSAN_CC", "clang-22"),
        ("KCSAN_CXX", "clang++-22"),
    ];
    p.step("cmake", &["-S", ".", "-B", "build"], &env);
    let cache = std::fs::read_to_string(p.src.join("build/CMakeCache.txt")).unwrap();
    let id = walk_files(&p.src.join("build/CMakeFiles"))
        .into_iter()
        .filter(|f| f.ends_with("CMakeCCompiler.cmake"))
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .any(|t| t.contains("set(CMAKE_C_COMPILER_ID \"Clang\")"));
    assert!(id, "CMake saw clang behind kcsan cc:\n{cache}");
    p.step("cmake", &["--build", "build"], &env);
    p.catches_the_race("build/app");
}

/// CMake's link-time optimisation with clang behind `kcsan-cc`: the LTO
/// route (the library's checks inlined into the program), with `llvm-ar`
/// named as GUIDE §2 says (CMake looks for it only beside the compiler).
#[test]
fn cmake_ipo_with_clang_takes_the_lto_route() {
    if !support::have_clang() || !Path::new("/usr/bin/llvm-ar-22").is_file() {
        eprintln!("skipped: clang-22 and llvm-ar-22 are not installed");
        return;
    }
    let p = Project::new();
    let env = [("KCSAN_CC", "clang-22"), ("KCSAN_CXX", "clang++-22")];
    p.step(
        "cmake",
        &[
            "-S",
            ".",
            "-B",
            "build",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DCMAKE_C_COMPILER=kcsan-cc",
            "-DCMAKE_CXX_COMPILER=kcsan-c++",
            "-DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON",
            "-DCMAKE_C_COMPILER_AR=/usr/bin/llvm-ar-22",
            "-DCMAKE_CXX_COMPILER_AR=/usr/bin/llvm-ar-22",
            "-DCMAKE_C_COMPILER_RANLIB=/usr/bin/llvm-ranlib-22",
            "-DCMAKE_CXX_COMPILER_RANLIB=/usr/bin/llvm-ranlib-22",
        ],
        &env,
    );
    p.step("cmake", &["--build", "build"], &env);
    let dis = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn"])
        .arg(p.src.join("build/app"))
        .output()
        .expect("objdump (binutils) is installed");
    let dis = String::from_utf8_lossy(&dis.stdout);
    let bump: Vec<&str> = dis
        .lines()
        .skip_while(|l| !l.ends_with("<stats_bump>:"))
        .take_while(|l| !l.is_empty())
        .collect();
    let calls_hooks = bump
        .iter()
        .any(|l| l.contains("<__tsan_read") || l.contains("<__tsan_write"));
    let inlined = bump.iter().any(|l| l.contains("check_window"));
    assert!(
        !calls_hooks && inlined,
        "the checks are inlined into stats_bump:\n{}",
        bump.join("\n")
    );
    p.catches_the_race("build/app");
}

/// Every file under `dir`.
fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}
