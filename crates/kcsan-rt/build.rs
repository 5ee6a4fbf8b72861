//! Builds `src/wrap.c`, the `--wrap=memcpy` targets (see the file's comment).

// A build script talks to cargo through stdout: the runtime's ban on printing
// (clippy.toml) is for code linked into programs, not for this.
#![allow(clippy::disallowed_macros)]

fn main() {
    println!("cargo:rerun-if-changed=src/wrap.c");
    cc::Build::new()
        .file("src/wrap.c")
        // The runtime is never instrumented, whatever CFLAGS the user exported.
        .flag_if_supported("-fno-sanitize=all")
        .warnings(true)
        .compile("kcsan_rt_wrap");
}
