//! End-to-end tests: symbolize addresses of this test binary, of libc, of a C
//! shared library built and dlopen'ed on the fly, and of garbage.

use std::ffi::CString;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kcsan_symbolize::{Frame, Symbolizer};

/// Line of `kcsan_probe_target`'s `fn` below.
const TARGET_LINE: u32 = line!() + 3;

#[inline(never)]
fn kcsan_probe_target(x: u64) -> u64 {
    let mut acc = black_box(x);
    for i in 0..black_box(3) {
        acc = acc.wrapping_mul(31).wrapping_add(i);
    }
    black_box(acc)
}

/// The non-inlined (last) frame.
fn real(frames: &[Frame]) -> &Frame {
    let f = frames.last().expect("never empty");
    assert!(!f.inlined, "{frames:#?}");
    f
}

#[test]
fn own_function_exact() {
    assert_eq!(kcsan_probe_target(1), kcsan_probe_target(1));
    let addr = kcsan_probe_target as fn(u64) -> u64 as usize;
    let mut s = Symbolizer::new();
    let frames = s.symbolize(addr, true);
    let f = real(&frames);
    assert_eq!(f.pc, addr);
    let name = f.function.as_deref().expect("named");
    assert!(name.contains("kcsan_probe_target"), "{f:#?}");
    assert!(!name.contains("::h"), "hash suffix not stripped: {name}");
    assert_eq!(f.offset, 0);
    assert!(f.size > 4, "{f:#?}");
    let file = f.file.as_deref().expect("file");
    assert!(file.ends_with("tests/symbolize.rs"), "{file}");
    let line = f.line.expect("line");
    assert!(
        (TARGET_LINE..TARGET_LINE + 3).contains(&line),
        "line {line}, fn at {TARGET_LINE}"
    );
    let module = f.module.as_deref().expect("module");
    assert!(Path::new(module).is_file(), "{module}");
    assert_eq!(f.name(), name);
    let shown = f.display();
    assert!(
        shown.starts_with(&format!("{name}+0x0/{:#x} ", f.size)),
        "{shown}"
    );
    assert!(shown.contains(&format!("symbolize.rs:{line}")), "{shown}");
}

#[test]
fn own_function_offsets() {
    let addr = kcsan_probe_target as fn(u64) -> u64 as usize;
    let mut s = Symbolizer::new();
    // Exact pc inside the function.
    let f = real(&s.symbolize(addr + 4, true)).clone();
    assert!(
        f.function
            .as_deref()
            .unwrap()
            .contains("kcsan_probe_target")
    );
    assert_eq!(f.offset, 4);
    assert!(f.line.is_some());
    // As a return address: pc-1 is looked up, the offset is from pc.
    let f = real(&s.symbolize(addr + 4, false)).clone();
    assert!(
        f.function
            .as_deref()
            .unwrap()
            .contains("kcsan_probe_target")
    );
    assert_eq!(f.offset, 4);
    // A return address right after the first byte still belongs to it...
    let f = real(&s.symbolize(addr + 1, false)).clone();
    assert!(
        f.function
            .as_deref()
            .unwrap()
            .contains("kcsan_probe_target")
    );
    assert_eq!(f.offset, 1);
    // ...but pc-1 of a return address at the very start is the previous code.
    let f = real(&s.symbolize(addr, false)).clone();
    assert!(
        !f.function
            .as_deref()
            .is_some_and(|n| n.contains("kcsan_probe_target")),
        "{f:#?}"
    );
}

#[test]
fn rust_std_function_is_demangled() {
    let addr = std::process::id as fn() -> u32 as usize;
    let mut s = Symbolizer::new();
    let f = real(&s.symbolize(addr, true)).clone();
    let name = f.function.expect("named");
    assert!(name.contains("std::process::id"), "{name}");
    assert!(!name.contains("::h"), "{name}");
}

#[test]
fn libc_function() {
    let addr =
        libc::write as unsafe extern "C" fn(i32, *const libc::c_void, usize) -> isize as usize;
    let mut s = Symbolizer::new();
    let frames = s.symbolize(addr, true);
    let f = real(&frames);
    let module = f.module.as_deref().expect("module");
    assert!(module.contains("libc.so"), "{f:#?}");
    let name = f.function.as_deref().expect("libc exports its symbols");
    assert!(name.contains("write"), "{f:#?}");
    assert_eq!(f.offset, 0);
}

#[test]
fn garbage_pcs() {
    let mut s = Symbolizer::default();
    for pc in [0, 1, 4096, usize::MAX, usize::MAX / 2, 0xdead_beef] {
        for exact in [false, true] {
            let frames = s.symbolize(pc, exact);
            assert_eq!(frames.len(), 1, "{frames:#?}");
            assert_eq!(frames[0].function, None);
            assert_eq!(frames[0].pc, pc);
            assert_eq!(frames[0].name(), format!("{pc:#x}"));
            assert_eq!(frames[0].display(), format!("{pc:#x}"));
        }
    }
    // Data (not code) of the executable: in a module, but no function.
    static DATA: [u8; 64] = [0; 64];
    let frames = s.symbolize(DATA.as_ptr() as usize, true);
    assert!(!frames.is_empty());
}

#[test]
fn cached_lookups_are_fast() {
    let addr = kcsan_probe_target as fn(u64) -> u64 as usize;
    let mut s = Symbolizer::new();
    let t = Instant::now();
    let first = s.symbolize(addr, true);
    eprintln!(
        "first symbolization (loads the test binary): {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    for i in 0..64 {
        s.symbolize(addr + i, false);
    }
    eprintln!("64 new pcs in a loaded module: {:?}", t.elapsed());
    let t = Instant::now();
    for _ in 0..10_000 {
        assert_eq!(s.symbolize(addr, true), first);
    }
    let cached = t.elapsed();
    eprintln!("10000 cached: {cached:?}");
    assert!(cached < Duration::from_secs(2), "{cached:?}");
}

/// C source of the dlopen'ed library. Line numbers matter.
const C_LIB: &str = r#"#include <stddef.h>
static inline __attribute__((always_inline)) int inner(int x) {
    int y = x * 3;
    y += 7;
    return y;
}
int target(int x) {
    return x * 2;
}
int outer(int x) {
    int r = inner(x);
    return r + 1;
}
"#;

/// Compiles `C_LIB` into a shared library in `dir` with extra compiler
/// `flags`; None if there is no C compiler or it rejects the flags.
fn build_c_lib(dir: &Path, flags: &[&str]) -> Option<PathBuf> {
    let src = dir.join("kcsan_demo.c");
    let so = dir.join("libkcsan_demo.so");
    std::fs::write(&src, C_LIB).unwrap();
    for cc in ["cc", "gcc", "clang"] {
        let Ok(out) = Command::new(cc)
            .args(["-O0", "-shared", "-fPIC"])
            .args(flags)
            .arg("-o")
            .arg(&so)
            .arg(&src)
            .output()
        else {
            continue;
        };
        if !out.status.success() {
            eprintln!(
                "{cc} {flags:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        return Some(so);
    }
    eprintln!("no C compiler");
    None
}

/// A dlopen'ed library, dlclose'd on drop.
struct Lib(*mut libc::c_void);

impl Lib {
    fn open(path: &Path) -> Lib {
        let c_path = CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY:
        // - `c_path` is a valid NUL-terminated path;
        // - the library (C_LIB) has no constructors.
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        assert!(!handle.is_null(), "dlopen {} failed", path.display());
        Lib(handle)
    }

    fn sym(&self, name: &str) -> usize {
        let c = CString::new(name).unwrap();
        // SAFETY:
        // - `self.0` is a live dlopen handle and `c` a valid C string.
        let p = unsafe { libc::dlsym(self.0, c.as_ptr()) };
        assert!(!p.is_null(), "dlsym {name}");
        p as usize
    }
}

impl Drop for Lib {
    fn drop(&mut self) {
        // SAFETY:
        // - `self.0` came from dlopen, and no pointer into the library is
        //   used after the `Lib` is gone (addresses are only symbolized).
        unsafe { libc::dlclose(self.0) };
    }
}

/// Checks the frame of `target`'s first instruction in the library at `so`.
fn check_target(s: &mut Symbolizer, lib: &Lib, so: &Path, with_dwarf: bool) {
    let target = lib.sym("target");
    let frames = s.symbolize(target, true);
    assert_eq!(frames.len(), 1, "{frames:#?}");
    let f = &frames[0];
    assert_eq!(f.function.as_deref(), Some("target"), "{f:#?}");
    assert_eq!(f.offset, 0);
    assert!(f.size > 0);
    assert_eq!(f.module.as_deref(), so.to_str());
    assert_eq!(f.name(), "target");
    let shown = f.display();
    assert!(
        shown.starts_with(&format!("target+0x0/{:#x}", f.size)),
        "{shown}"
    );
    if with_dwarf {
        assert!(
            f.file.as_deref().unwrap().ends_with("kcsan_demo.c"),
            "{f:#?}"
        );
        assert_eq!(f.line, Some(7), "{f:#?}");
        assert!(shown.ends_with("kcsan_demo.c:7"), "{shown}");
    } else {
        assert_eq!((f.file.as_deref(), f.line), (None, None), "{f:#?}");
        assert_eq!(shown, format!("target+0x0/{:#x}", f.size));
    }

    // A return address inside `target`.
    let f = real(&s.symbolize(target + 5, false)).clone();
    assert_eq!(f.function.as_deref(), Some("target"));
    assert_eq!(f.offset, 5);
    if with_dwarf {
        assert!(matches!(f.line, Some(7 | 8)), "{f:#?}");
    }
}

#[test]
fn dlopened_c_library() {
    let dir = tempfile::tempdir().unwrap();
    let Some(so) = build_c_lib(dir.path(), &["-g"]) else {
        eprintln!("skipping");
        return;
    };

    // Scan the modules before the library is loaded, to check the re-scan on a miss.
    let mut s = Symbolizer::new();
    let own = kcsan_probe_target as fn(u64) -> u64 as usize;
    assert!(real(&s.symbolize(own, true)).function.is_some());

    let lib = Lib::open(&so);
    check_target(&mut s, &lib, &so, true);

    // Some pc of `outer` is inside the always_inline `inner`.
    let outer = lib.sym("outer");
    let size = real(&s.symbolize(outer, true)).size;
    assert!(size > 0);
    let inlined = (outer..outer + size)
        .map(|pc| s.symbolize(pc, true))
        .find(|frames| frames.len() > 1)
        .expect("a pc inside inlined code");
    assert_eq!(inlined.len(), 2, "{inlined:#?}");
    let (inner, caller) = (&inlined[0], &inlined[1]);
    assert!(inner.inlined && !caller.inlined, "{inlined:#?}");
    assert_eq!(inner.function.as_deref(), Some("inner"));
    assert!(matches!(inner.line, Some(3..=5)), "{inlined:#?}");
    assert!(inner.file.as_deref().unwrap().ends_with("kcsan_demo.c"));
    assert_eq!((inner.offset, inner.size), (0, 0));
    assert_eq!(caller.function.as_deref(), Some("outer"));
    assert_eq!(caller.line, Some(11), "call site: {inlined:#?}");
    assert!(caller.offset > 0);
    assert!(inner.display().starts_with("inner "), "{}", inner.display());
    assert!(
        inner.display().ends_with(" [inline]"),
        "{}",
        inner.display()
    );

    // After dlclose the library's addresses are no longer attributed to it
    // (neither from the module list nor from the per-pc cache).
    let target = lib.sym("target");
    drop(lib);
    for exact in [true, false] {
        let frames = s.symbolize(target + 1, exact);
        assert_ne!(real(&frames).module.as_deref(), so.to_str(), "{frames:#?}");
    }
}

#[test]
fn dlopened_c_library_compressed_debug_info() {
    let dir = tempfile::tempdir().unwrap();
    let Some(so) = build_c_lib(dir.path(), &["-g", "-gz=zlib"]) else {
        eprintln!("skipping");
        return;
    };
    let lib = Lib::open(&so);
    check_target(&mut Symbolizer::new(), &lib, &so, true);
}

#[test]
fn dlopened_c_library_stripped() {
    let dir = tempfile::tempdir().unwrap();
    // -s: no .symtab and no DWARF, only .dynsym.
    let Some(so) = build_c_lib(dir.path(), &["-s"]) else {
        eprintln!("skipping");
        return;
    };
    let lib = Lib::open(&so);
    check_target(&mut Symbolizer::new(), &lib, &so, false);
}
