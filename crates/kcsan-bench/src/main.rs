//! `kcsan-bench`: the two numbers that decide whether people keep kcsan on.
//!
//! * `kcsan-bench workloads`: real multithreaded programs (C libraries from
//!   crates.io's `*-sys` crates driven by our own multithreaded drivers, and
//!   Rust programs), each built plain, with libtsan and with kcsan, and run
//!   side by side, interleaved, under several `KCSAN_OPTIONS` configurations.
//!   It prints CPU-time and peak-RSS ratios against the plain build.
//! * `kcsan-bench corpus`: the racy corpus (each program has one real race)
//!   and its clean twins, each run many times under kcsan configurations and
//!   ThreadSanitizer (libtsan) side by side: one-run and 5-run recall, 5-run
//!   precision, and a program × configuration matrix (`--detail`: per-program
//!   Wilson intervals and times to the first report; `--json`: every run).
//!   Any kcsan report from a clean program is a false positive and fails the
//!   run; libtsan's are shown, as its precision.
//!
//! Both can rewrite their marked section of BENCHMARKS.md
//! (`--write-benchmarks`). They are benchmarks, not tests: they take minutes
//! and their numbers depend on the machine's load.

mod configs;
mod corpus;
mod markdown;
mod measure;
mod sources;
mod stats;
mod toolchain;
mod workloads;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// kcsan's overhead and detection benchmarks (BENCHMARKS.md).
#[derive(Parser, Debug)]
#[command(name = "kcsan-bench", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// CPU time and peak RSS of real programs: plain, libtsan, kcsan configs.
    Workloads(workloads::WorkloadsArgs),
    /// Detection on the racy corpus, false positives on the clean one; kcsan and libtsan.
    Corpus(corpus::CorpusArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.cmd {
        Cmd::Workloads(a) => workloads::main(a),
        Cmd::Corpus(a) => corpus::main(a),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kcsan-bench: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
