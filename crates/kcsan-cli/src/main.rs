//! `kcsan`: the command-line front end of the kcsan data-race detector.
//!
//! - `kcsan cc` / `kcsan c++`: compiler wrappers (`make CC="kcsan cc"`);
//! - `kcsan run`: run a program under chosen options and summarise its races;
//! - `kcsan flags`: the option table;
//! - `kcsan hunt`: the statistics game: run a program many times, sweep an
//!   argument or an option, and measure how often a race shows up;
//! - `kcsan repro`: rerun a program focused on a reported race's functions,
//!   to make it happen again, or (`--confirm-fix`) to show it is gone;
//! - `kcsan triage`: group the reports in logs (ours and kernel logs);
//! - `kcsan ctl`: live control of a running program (the kernel's debugfs).
//!
//! Exit codes: 0 ran and no race was reported; 1 a race was reported (`run`);
//! 2 a usage or tool error; otherwise the wrapped compiler's or program's own.

mod cmd;
mod locate;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `kcsan --version`: the version and the embedded runtime's digest (`kcsan
/// runtime` says which runtime a link would use, and where it is).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (embedded runtime ",
    env!("KCSAN_EMBEDDED_ID"),
    ")"
);

/// KCSAN, the Kernel Concurrency Sanitizer, for user-space C, C++ and Rust.
#[derive(Parser, Debug)]
#[command(name = "kcsan", version = VERSION, about, long_about = None)]
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
    /// Rerun a program focused on the functions of a reported race: how often
    /// does it come back? (`--confirm-fix`: prove a fix.)
    Repro(cmd::repro::ReproArgs),
    /// Control a running program: `kcsan ctl PID stats | on | off | !FUNC |
    /// blacklist | whitelist | set NAME=VALUE | get [NAME] | help`.
    #[command(after_help = CTL_HELP)]
    Ctl {
        /// List this user's processes that serve live control.
        #[arg(long, conflicts_with_all = ["pid", "command"])]
        list: bool,
        /// The process to control.
        #[arg(required_unless_present = "list")]
        pid: Option<u32>,
        /// The command and its arguments.
        #[arg(
            required_unless_present = "list",
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "COMMAND"
        )]
        command: Vec<String>,
    },
    /// Say which runtime `kcsan cc` links and which kcsan.h it includes, and
    /// where they come from (`--dir`: only the runtime's directory, for
    /// scripts and `cargo kcsan`).
    Runtime {
        /// Print only the directory of libkcsan_rt.a.
        #[arg(long)]
        dir: bool,
        /// Print only the directory of the runtime the LTO route links (the
        /// embedded one, unpacked: libkcsan_rt.a and lto/, the bitcode of
        /// the access entry points); `cargo kcsan --lto` asks for it.
        #[arg(long, conflicts_with = "dir")]
        lto_dir: bool,
    },
    /// Print the manual page (roff), as `scripts/install.sh` installs it.
    #[command(hide = true)]
    Man,
    /// Print the runtime options with their defaults and help.
    Flags {
        /// Print a Markdown table (as in GUIDE.md).
        #[arg(long)]
        markdown: bool,
    },
}

/// The command list under `kcsan ctl --help`.
const CTL_HELP: &str = concat!(
    "Commands:\n",
    "  stats             enabled, the statistics counters and the filter list\n",
    "  on | off          turn checking on or off for the whole process\n",
    "  !FUNC             add FUNC to the function filter list (filter_functions)\n",
    "  blacklist         drop reports whose top frames include a listed function\n",
    "  whitelist         keep only reports whose top frames are all listed\n",
    "  focus [NAMES|off] watch every access of these functions (focus_functions), or stop\n",
    "  set NAME=VALUE    change a run-time option (skip_watch, udelay_task, ...)\n",
    "  get [NAME]        show one option, or all of them\n",
    "  microbench=N      time N fast-path checks on the server's thread\n",
    "  help              the server's command list\n\n",
    "The socket is $XDG_RUNTIME_DIR/kcsan/PID, or /tmp/kcsan-UID/PID (KCSAN_OPTIONS=control=0 turns it off).\n",
    "Exit status: 0 done; 1 the command failed (no such process, no socket, permission denied, an error reply); 2 usage."
);

/// `kcsan man`: the manual page, generated from this command-line
/// definition (so it never disagrees with `--help`).
fn print_man() -> anyhow::Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut page)?;
    std::io::Write::write_all(&mut std::io::stdout(), &page)?;
    Ok(ExitCode::SUCCESS)
}

/// `kcsan runtime`: which runtime archive and header a build would use.
fn print_runtime(dir_only: bool, lto_dir: bool) -> anyhow::Result<ExitCode> {
    if lto_dir {
        let Some((lib, _)) = locate::embedded_lto()? else {
            anyhow::bail!(
                "this kcsan was built without the LTO route's runtime (its build could not \
                 compile kcsan-access to LLVM bitcode)"
            );
        };
        println!("{}", lib.display());
        return Ok(ExitCode::SUCCESS);
    }
    let (dir, source) = locate::runtime()?;
    if dir_only {
        println!("{}", dir.display());
    } else {
        println!(
            "runtime: {} ({})",
            dir.join(locate::RUNTIME_ARCHIVE).display(),
            source.describe()
        );
        println!(
            "header:  {}",
            locate::include_dir()?.join("kcsan.h").display()
        );
        println!(
            "kcsan {} (embedded runtime {})",
            env!("CARGO_PKG_VERSION"),
            locate::EMBEDDED_ID
        );
        println!(
            "LTO route: {}",
            match locate::embedded_lto()? {
                Some((lib, _)) => format!("the embedded runtime, unpacked in {}", lib.display()),
                None => "not available (built without the access entry points' bitcode)".into(),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `println!` panics when stdout is a closed pipe (`kcsan triage log | head`):
/// end quietly then, as an error that reaches `main` does, instead of with a
/// Rust backtrace; every other panic is reported as usual.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    // `kcsan-cc` and `kcsan-c++` (links to this binary) are `kcsan cc` and
    // `kcsan c++`, for build tools that want a compiler as one path.
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    match Path::new(&argv0).file_name().and_then(|n| n.to_str()) {
        Some("kcsan-cc") => return finish(cmd::cc::main(false, args.collect())),
        Some("kcsan-c++") => return finish(cmd::cc::main(true, args.collect())),
        _ => {}
    }
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
        Cmd::Repro(args) => cmd::repro::main(args),
        Cmd::Ctl { list: true, .. } => cmd::ctl::list(),
        Cmd::Ctl { pid, command, .. } => cmd::ctl::main(pid.unwrap_or_default(), &command),
        Cmd::Runtime { dir, lto_dir } => print_runtime(dir, lto_dir),
        Cmd::Man => print_man(),
        Cmd::Flags { markdown } => cmd::flags::print(markdown)
            .map(|()| ExitCode::SUCCESS)
            .map_err(anyhow::Error::from),
    };
    finish(result)
}

/// The exit status of a command's result; errors are printed as one line.
fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
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
