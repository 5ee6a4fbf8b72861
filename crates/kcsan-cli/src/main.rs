//! `kcsan`: the command-line front end of the kcsan data-race detector.
//!
//! - `kcsan cc` / `kcsan c++`: compiler wrappers (`make CC="kcsan cc"`);
//! - `kcsan run`: run a program under chosen options and summarise its races;
//! - `kcsan flags`: the option table;
//! - `kcsan hunt`: the statistics game: run a program many times, sweep an
//!   argument or an option, and measure how often a race shows up;
//! - `kcsan triage`: group the reports in logs (ours and kernel logs).
//!
//! Exit codes: 0 ran and no race was reported; 1 a race was reported (`run`);
//! 2 a usage or tool error; otherwise the wrapped compiler's or program's own.

mod cmd;
mod locate;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// KCSAN, the Kernel Concurrency Sanitizer, for user-space C, C++ and Rust.
#[derive(Parser, Debug)]
#[command(name = "kcsan", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// C compiler wrapper: `kcsan cc [gcc/clang arguments]` (KCSAN_CC picks the compiler).
    #[command(disable_help_flag = true)]
    Cc {
        /// Arguments for the compiler, passed through.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// C++ compiler wrapper: `kcsan c++ [g++/clang++ arguments]` (KCSAN_CXX picks the compiler).
    #[command(name = "c++", disable_help_flag = true)]
    Cxx {
        /// Arguments for the compiler, passed through.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Run a program under kcsan, show its reports, and summarise them.
    Run {
        /// An option for the program's runtime, `name=value` (repeatable).
        #[arg(short = 'o', long = "option", value_name = "NAME=VALUE")]
        option: Vec<String>,
        /// Options in KCSAN_OPTIONS syntax (`a=1:b=2`).
        #[arg(long, value_name = "OPTIONS")]
        options: Option<String>,
        /// The program and its arguments (after `--`).
        #[arg(required = true, last = true)]
        program: Vec<OsString>,
    },
    /// Group the KCSAN reports in logs (ours or kernel dmesg) by race and count them.
    Triage {
        /// Print JSON Lines (one object per group, then a summary object).
        #[arg(long)]
        json: bool,
        /// Show only the N most frequent groups.
        #[arg(long, value_name = "N")]
        top: Option<usize>,
        /// Log files to read (`-` for standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<OsString>,
    },
    /// Run a program many times (sweeping an argument or option) and estimate
    /// how often KCSAN catches its races.
    Hunt(cmd::hunt::HuntArgs),
    /// Print the runtime options with their defaults and help.
    Flags {
        /// Print a Markdown table (as in GUIDE.md).
        #[arg(long)]
        markdown: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Cc { args } => cmd::cc::main(false, args),
        Cmd::Cxx { args } => cmd::cc::main(true, args),
        Cmd::Run {
            option,
            options,
            program,
        } => cmd::run::main(option, options, program),
        Cmd::Triage { json, top, files } => cmd::triage::main(json, top, files),
        Cmd::Hunt(args) => cmd::hunt::main(args),
        Cmd::Flags { markdown } => {
            cmd::flags::print(markdown);
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("kcsan: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
