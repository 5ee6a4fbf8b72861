//! `cargo kcsan`: KCSAN for Rust crates, as a cargo subcommand (like `cargo miri`).
//!
//! `cargo kcsan test|run|build|bench [cargo arguments]` runs cargo with this
//! binary as `RUSTC_WRAPPER`. The wrapper (wrapper.rs) adds the compiler's
//! ThreadSanitizer pass to the crates that should be checked (the workspace
//! members, plus dependencies named with `--instrument`), never to build
//! scripts, proc macros, their dependencies or kcsan's own crates, and links
//! the kcsan runtime into every executable (runtime.rs explains how).
//!
//! Exit codes: cargo's own (a test binary that reported a race exits with the
//! runtime's `exitcode`, 66, so `cargo test` fails); 2 for a usage or tool
//! error of cargo kcsan itself.

mod cli;
mod config_flags;
mod runner;
mod runtime;
mod toolchain;
mod wrapper;

use std::process::ExitCode;

fn main() -> ExitCode {
    if wrapper::is_wrapper_call() {
        return wrapper::main();
    }
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == runner::RUNNER_ARG) {
        return runner::main(args.collect());
    }
    match cli::main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cargo kcsan: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
