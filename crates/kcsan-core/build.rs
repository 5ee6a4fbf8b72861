//! Compiles the one piece of the runtime that Rust cannot express on stable: a
//! weak reference to the program's optional `__kcsan_default_options()`.

// A build script talks to cargo through stdout: the runtime's ban on printing
// (clippy.toml) is for code linked into programs, not for this.
#![allow(clippy::disallowed_macros)]

fn main() {
    println!("cargo:rerun-if-changed=src/default_options.c");
    cc::Build::new()
        .file("src/default_options.c")
        // The runtime is never instrumented, whatever CFLAGS the user exported.
        .flag_if_supported("-fno-sanitize=all")
        .warnings(true)
        .compile("kcsan_core_weak");
}
