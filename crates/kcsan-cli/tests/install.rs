//! An installed `kcsan` works outside the source tree (issue "Installed like a
//! real tool"): `cargo install` copies nothing but the binaries, so this test
//! copies `kcsan` and `cargo-kcsan` alone into a temporary `bin/`, with a
//! fresh cache directory, and uses them from another directory: the runtime
//! archive and `kcsan.h` come from the copies embedded in `kcsan`, unpacked
//! once; `cargo kcsan` gets the runtime from the `kcsan` beside it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `bin/kcsan` and `bin/cargo-kcsan` copied into `root`, nothing else.
fn install(root: &Path) -> PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let built = support::kcsan();
    for name in ["kcsan", "cargo-kcsan"] {
        std::fs::copy(built.with_file_name(name), bin.join(name))
            .unwrap_or_else(|e| panic!("copy {name}: {e} (run `cargo build --release` first)"));
    }
    bin
}

/// A command as a user's shell would run it: the cache and home in `root`,
/// none of kcsan's location variables set.
fn user_command(root: &Path, program: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root.join("work"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env_remove("KCSAN_RUNTIME_DIR")
        .env_remove("KCSAN_INCLUDE_DIR")
        .env_remove("KCSAN_OPTIONS");
    c
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const RACY_C: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <kcsan.h>

static long counter;

static void *bump(void *arg)
{
	(void)arg;
	for (long i = 0; i < 2000000; i++) {
		ASSERT_EXCLUSIVE_WRITER(counter);
		counter = counter + 1;
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, bump, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("counter %ld\n", counter);
	return 0;
}
"#;

#[test]
fn an_installed_kcsan_compiles_links_and_reports_outside_the_source_tree() {
    let root = tempfile::tempdir().unwrap();
    let bin = install(root.path());
    std::fs::create_dir_all(root.path().join("work")).unwrap();
    let kcsan = bin.join("kcsan");

    let o = user_command(root.path(), &kcsan)
        .arg("runtime")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        shown.contains("(embedded in the kcsan binary)")
            && shown.contains(&*root.path().join("cache/kcsan").to_string_lossy()),
        "the runtime comes from the embedded copy, unpacked into the cache:\n{shown}"
    );
    let version = user_command(root.path(), &kcsan)
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    assert!(
        version.starts_with("kcsan ") && version.contains("embedded runtime "),
        "{version}"
    );

    std::fs::write(root.path().join("work/racy.c"), RACY_C).unwrap();
    let o = user_command(root.path(), &kcsan)
        .args(["cc", "-O2", "-g", "racy.c", "-o", "racy", "-pthread"])
        .output()
        .unwrap();
    assert!(o.status.success(), "kcsan cc: {}", text(&o));
    let mut reported = None;
    for _ in 0..20 {
        let o = user_command(root.path(), &root.path().join("work/racy"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        if err.contains("BUG: KCSAN:") {
            assert_eq!(o.status.code(), Some(66), "{}", text(&o));
            reported = Some(err);
            break;
        }
    }
    let err = reported.expect("the race is reported within 20 runs");
    assert!(
        err.contains("racy.c:"),
        "symbolized from the program's lines:\n{err}"
    );

    // Unpacked once: a second use finds it in place.
    let archive = PathBuf::from(shown.lines().next().unwrap().split(' ').nth(1).unwrap());
    let before = std::fs::metadata(&archive).unwrap().modified().unwrap();
    let o = user_command(root.path(), &kcsan)
        .args(["runtime", "--dir"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        std::fs::metadata(&archive).unwrap().modified().unwrap(),
        before
    );
}

#[test]
fn an_installed_cargo_kcsan_gets_the_runtime_from_kcsan() {
    let root = tempfile::tempdir().unwrap();
    let bin = install(root.path());
    let work = root.path().join("work");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        work.join("src/main.rs"),
        "fn main() { let v: Vec<u64> = (0..10).collect(); println!(\"sum {}\", v.iter().sum::<u64>()); }\n",
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = user_command(root.path(), &bin.join("cargo-kcsan"))
        .args(["kcsan", "run", "--release", "--quiet"])
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", root.path().join("target"))
        .output()
        .unwrap();
    let all = text(&o);
    assert!(o.status.success(), "cargo kcsan run: {all}");
    assert!(all.contains("sum 45"), "{all}");
    assert!(
        !all.contains("building the kcsan runtime"),
        "the runtime came from kcsan, not from a build of the checkout: {all}"
    );
    assert!(
        std::fs::read_dir(root.path().join("cache/kcsan"))
            .unwrap()
            .flatten()
            .any(|d| d.path().join("lib/libkcsan_rt-rust.o").is_file()),
        "the localized object for Rust was made beside the unpacked archive"
    );
}

#[test]
fn the_install_script_fills_a_prefix_and_uninstall_empties_it() {
    let root = tempfile::tempdir().unwrap();
    let prefix = root.path().join("prefix");
    let script = support::repo_root().join("scripts/install.sh");
    let o = Command::new(&script)
        .args(["--no-build", "--prefix"])
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(o.status.success(), "install.sh: {}", text(&o));
    for f in [
        "bin/kcsan",
        "bin/kcsan-cc",
        "bin/kcsan-c++",
        "bin/cargo-kcsan",
        "lib/kcsan/libkcsan_rt.a",
        "lib/kcsan/libkcsan_rt.so",
        "include/kcsan.h",
        "share/man/man1/kcsan.1",
    ] {
        assert!(prefix.join(f).exists(), "{f} is installed");
    }
    let man = std::fs::read_to_string(prefix.join("share/man/man1/kcsan.1")).unwrap();
    assert!(
        man.contains(".TH kcsan 1") && man.contains("kcsan\\-cc"),
        "a roff page listing the commands"
    );

    // The prefix's runtime, found beside the binary, and a single-path compiler.
    std::fs::create_dir_all(root.path().join("work")).unwrap();
    let o = user_command(root.path(), &prefix.join("bin/kcsan"))
        .arg("runtime")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        shown.contains("lib/kcsan/libkcsan_rt.a (beside the kcsan binary)"),
        "{shown}"
    );
    let cc = prefix.join("bin/kcsan-cc");
    let o = user_command(root.path(), &cc)
        .arg("--version")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "kcsan-cc --version, as configure probes it: {}",
        text(&o)
    );
    std::fs::write(root.path().join("work/racy.c"), RACY_C).unwrap();
    let o = user_command(root.path(), &cc)
        .args(["-O2", "-g", "racy.c", "-o", "racy", "-pthread"])
        .output()
        .unwrap();
    assert!(o.status.success(), "kcsan-cc: {}", text(&o));
    let reported = (0..20).any(|_| {
        let o = user_command(root.path(), &root.path().join("work/racy"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stderr).contains("BUG: KCSAN:")
    });
    assert!(reported, "the race is reported within 20 runs");

    let o = Command::new(&script)
        .args(["--uninstall", "--prefix"])
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(o.status.success(), "install.sh --uninstall: {}", text(&o));
    let left: Vec<PathBuf> = walk(&prefix)
        .into_iter()
        .filter(|p| !p.is_dir() || p.is_symlink())
        .collect();
    assert!(left.is_empty(), "uninstall left {left:?}");
    let o = Command::new(&script)
        .args(["--uninstall", "--prefix"])
        .arg(&prefix)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "nothing to uninstall: {}",
        text(&o)
    );
}

/// Every path under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() && !p.is_symlink() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

/// A runtime of another version is refused at the link, naming both
/// versions; code built with `kcsan.h` asks for the C API's ABI by name.
#[test]
fn a_runtime_of_another_version_is_refused_clearly() {
    let root = tempfile::tempdir().unwrap();
    let work = root.path().join("work");
    let old = root.path().join("old-runtime");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&old).unwrap();
    // An "old runtime": an archive whose version symbol says 0.0.9.
    std::fs::write(
        work.join("v.c"),
        "const char v __asm__(\"__kcsan_runtime_version_0.0.9\") = 1;\n",
    )
    .unwrap();
    let ok = |c: &mut Command| {
        let o = c.current_dir(&work).output().unwrap();
        assert!(o.status.success(), "{}", text(&o));
    };
    ok(Command::new("gcc").args(["-c", "v.c", "-o", "v.o"]));
    ok(Command::new("ar")
        .args(["rcs"])
        .arg(old.join("libkcsan_rt.a"))
        .arg("v.o"));
    std::fs::write(work.join("racy.c"), RACY_C).unwrap();
    let o = user_command(root.path(), &support::kcsan())
        .args(["cc", "-O2", "racy.c", "-o", "racy", "-pthread"])
        .env("KCSAN_RUNTIME_DIR", &old)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        err.contains("is kcsan 0.0.9's, but this is kcsan ") && err.contains("KCSAN_RUNTIME_DIR"),
        "{err}"
    );

    // Code that includes kcsan.h refers to the ABI symbol.
    let o = user_command(root.path(), &support::kcsan())
        .args(["cc", "-O2", "-c", "racy.c", "-o", "racy.o"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let nm = Command::new("nm")
        .arg(work.join("racy.o"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&nm.stdout).contains("U __kcsan_runtime_abi_1"),
        "{}",
        String::from_utf8_lossy(&nm.stdout)
    );
}
