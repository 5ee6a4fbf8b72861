//! Builds the `--wrap` targets: `src/wrap.c` (memcpy, memmove, memset) and
//! `src/sync_wrap_*.c` (release points in the C library and libgomp, for
//! the weak-memory model); see the files' comments.

// A build script talks to cargo through stdout: the runtime's ban on printing
// (clippy.toml) is for code linked into programs, not for this.
#![allow(clippy::disallowed_macros)]

fn main() {
    for f in [
        "src/wrap.c",
        "src/sync_wrap_pthread.c",
        "src/sync_wrap_gomp.c",
    ] {
        println!("cargo:rerun-if-changed={f}");
    }
    cc::Build::new()
        .file("src/wrap.c")
        .file("src/sync_wrap_pthread.c")
        .file("src/sync_wrap_gomp.c")
        // The runtime is never instrumented, whatever CFLAGS the user exported.
        .flag_if_supported("-fno-sanitize=all")
        .warnings(true)
        .compile("kcsan_rt_wrap");
}
