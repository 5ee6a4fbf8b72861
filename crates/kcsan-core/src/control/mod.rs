//! Live control: the kernel's debugfs file (`/sys/kernel/debug/kcsan`) for a
//! process, served on a Unix socket and driven by `kcsan ctl <pid> <command>`.
//!
//! The commands keep the debugfs words (`on`, `off`, `!func`, `blacklist`,
//! `whitelist`) and add `stats` (what reading the debugfs file shows), `set`
//! and `get` for the run-time-tunable options (the kernel's writable module
//! parameters), and `help`.
//!
//! This module holds what both ends need: where the socket is
//! ([`socket_dir`], [`socket_path`]), who may connect ([`peer_allowed`]), the
//! wire format, and the command language ([`parse`], [`execute`]). The server
//! thread is in `server.rs`.
//!
//! Wire format: the client writes one command (at most [`MAX_COMMAND`] bytes)
//! ended by a newline or by closing its side; the server answers `ok` and the
//! output, or one `error: <message>` line, and closes the connection.

mod server;

pub use server::CONNECTION_BUDGET;
pub(crate) use server::{after_fork_in_child, is_pending, remove_socket, start, start_if_pending};

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::config::printable;
use crate::config::{self, ConfigError, ConfigErrorKind, FilterMode, Flags};
use crate::stats;

/// The longest command the server reads, in bytes (the kernel truncates at
/// `KSYM_NAME_LEN`; a longer command here is an error, not truncated).
pub const MAX_COMMAND: usize = 4096;

/// The first line of a successful reply.
pub const REPLY_OK: &str = "ok";

/// The prefix of an error reply.
pub const REPLY_ERROR: &str = "error: ";

// ===== Where the socket is =====

/// The directory that holds the control sockets of user `uid`'s processes:
/// `$XDG_RUNTIME_DIR/kcsan` when `xdg_runtime_dir` is an absolute path to a
/// directory owned by `uid` (the XDG rule: a per-user directory), else
/// `/tmp/kcsan-<uid>`.
///
/// `kcsan ctl` calls this with the target process's uid and environment, so
/// both ends agree on the path.
pub fn socket_dir(uid: u32, xdg_runtime_dir: Option<&OsStr>) -> PathBuf {
    if let Some(xdg) = xdg_runtime_dir.map(Path::new) {
        let owned = std::fs::metadata(xdg).is_ok_and(|m| m.is_dir() && m.uid() == uid);
        if xdg.is_absolute() && owned {
            return xdg.join("kcsan");
        }
    }
    PathBuf::from(format!("/tmp/kcsan-{uid}"))
}

/// The control socket of process `pid` in `dir` (see [`socket_dir`]).
pub fn socket_path(dir: &Path, pid: u32) -> PathBuf {
    dir.join(pid.to_string())
}

/// Checks that `dir` is fit to hold our sockets: a real directory (not a
/// symbolic link), owned by `uid`, that no other user can enter. Only the
/// owner can then reach a socket in it; the peer check is the second line.
///
/// # Errors
/// What is wrong, naming the directory.
pub fn check_dir(dir: &Path, uid: u32) -> Result<(), String> {
    let m = std::fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !m.file_type().is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    if m.uid() != uid {
        return Err(format!(
            "{} belongs to uid {}, not to uid {uid}",
            dir.display(),
            m.uid()
        ));
    }
    if m.mode() & 0o077 != 0 {
        return Err(format!(
            "{} has mode {:04o}: other users could reach the sockets in it (it must be 0700)",
            dir.display(),
            m.mode() & 0o7777
        ));
    }
    Ok(())
}

/// Whether a client whose peer credentials say `peer_uid` may control a
/// process running as `own_uid`: only the process's own user may, root
/// included (root can become that user to do it).
pub fn peer_allowed(peer_uid: u32, own_uid: u32) -> bool {
    peer_uid == own_uid
}

/// The user id of the process at the other end of a connected Unix socket
/// (`SO_PEERCRED`, recorded by the kernel when the client connected).
///
/// # Errors
/// `getsockopt` failed (not a Unix socket).
pub fn peer_uid(fd: i32) -> std::io::Result<u32> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY:
    // - `cred` is a writable ucred and `len` holds its size, as SO_PEERCRED needs;
    // - getsockopt reports a bad descriptor as an error, it does not fault.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(cred.uid)
}

// ===== Commands =====

/// One control command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// `stats`: what reading the kernel's debugfs file shows.
    Stats,
    /// `on` / `off`: the global switch (`kcsan_enabled`).
    Enable(bool),
    /// `blacklist` / `whitelist` (and the aliases `denylist` / `allowlist`).
    Mode(FilterMode),
    /// `!func`: add a function to the filter list.
    Filter(&'a str),
    /// `set NAME=VALUE`.
    Set(&'a str, &'a str),
    /// `get` (every option) or `get NAME`.
    Get(Option<&'a str>),
    /// `focus` (show the list), `focus off` (clear it) or `focus NAMES`.
    Focus(Option<&'a str>),
    /// `microbench=N`: time N checks on the server thread.
    Microbench(u64),
    /// `help`: the command list.
    Help,
}

/// The most iterations `microbench=` runs (about a second): the server
/// answers nobody else meanwhile.
pub const MICROBENCH_MAX: u64 = 100_000_000;

/// The command list, for `help` and for the error reply to an unknown command.
pub const COMMANDS: &str = "\
stats             enabled, the statistics counters and the filter list
on | off          turn checking on or off for the whole process
!FUNC             add FUNC to the function filter list (filter_functions)
blacklist         drop reports whose top frames include a listed function
whitelist         keep only reports whose top frames are all listed
focus [NAMES|off] watch every access of these functions (focus_functions),
                  or stop; without an argument: the list and what was found
set NAME=VALUE    change a run-time option (skip_watch, udelay_task, ...)
get [NAME]        show one option, or all of them
microbench=N      time N fast-path checks (on the server's thread)
help              this list
";

/// Parses one command (already stripped of surrounding whitespace).
///
/// # Errors
/// The message of the error reply.
pub fn parse(line: &str) -> Result<Command<'_>, String> {
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    let no_argument = |cmd: Command<'static>| {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(format!(
                "'{}' takes no argument (got '{}')",
                printable(word),
                printable(rest)
            ))
        }
    };
    match word {
        "" => Err("empty command; try 'help'".to_owned()),
        "stats" => no_argument(Command::Stats),
        "on" => no_argument(Command::Enable(true)),
        "off" => no_argument(Command::Enable(false)),
        "blacklist" | "denylist" => no_argument(Command::Mode(FilterMode::Blacklist)),
        "whitelist" | "allowlist" => no_argument(Command::Mode(FilterMode::Whitelist)),
        "help" => no_argument(Command::Help),
        "focus" => Ok(Command::Focus((!rest.is_empty()).then_some(rest))),
        "get" if rest.contains(char::is_whitespace) => Err(format!(
            "'get' takes one option name (got '{}')",
            printable(rest)
        )),
        "get" => Ok(Command::Get((!rest.is_empty()).then_some(rest))),
        "set" => {
            let (name, value) = rest.split_once('=').ok_or_else(|| {
                format!("expected 'set NAME=VALUE' (got 'set {}')", printable(rest))
            })?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!(
                    "expected 'set NAME=VALUE' (got 'set {}')",
                    printable(rest)
                ));
            }
            Ok(Command::Set(name, value.trim()))
        }
        _ if word.starts_with("microbench=") && rest.is_empty() => {
            let n = &word["microbench=".len()..];
            let iters = match n.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => n.parse().ok(),
            };
            match iters {
                Some(i) if (1..=MICROBENCH_MAX).contains(&i) => Ok(Command::Microbench(i)),
                _ => Err(format!(
                    "microbench={}: expected a number of iterations in 1..={MICROBENCH_MAX}",
                    printable(n)
                )),
            }
        }
        _ if line.starts_with('!') => {
            let func = line[1..].trim();
            if func.is_empty() {
                Err("'!' needs a function name: '!FUNC'".to_owned())
            } else if func.contains(';') {
                Err(format!(
                    "'{}' is not a function name: ';' separates the names of filter_functions",
                    printable(func)
                ))
            } else {
                Ok(Command::Filter(func))
            }
        }
        _ => Err(format!(
            "unknown command '{}'; the commands are:\n{COMMANDS}",
            printable(&truncate(line, 80))
        )),
    }
}

/// At most `max` characters of `s`, marked when cut (error messages quote input).
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

/// Runs one command line and returns its output.
///
/// # Errors
/// The message of the error reply: a malformed or unknown command, an
/// unknown option, a bad value, an option that is read only at start-up.
pub fn execute(line: &str) -> Result<String, String> {
    match parse(line)? {
        Command::Stats => Ok(render_stats(crate::runtime::is_enabled(), config::flags())),
        Command::Enable(on) => {
            crate::runtime::set_enabled(on);
            Ok(String::new())
        }
        Command::Focus(None) => Ok(crate::focus::describe()),
        Command::Focus(Some(names)) => update(|f| {
            f.focus_functions = if names == "off" {
                String::new()
            } else {
                names.to_owned()
            };
            Ok(())
        }),
        Command::Mode(mode) => update(|f| {
            f.filter_mode = mode;
            Ok(())
        }),
        Command::Filter(func) => update(|f| {
            // No deduplication, as in the kernel: the list is matched by name.
            if !f.filter_functions.is_empty() {
                f.filter_functions.push(';');
            }
            f.filter_functions.push_str(func);
            Ok(())
        }),
        Command::Set(name, value) => {
            match Flags::startup_only_reason(name) {
                None => return Err(unknown_option(name)),
                Some("") => {}
                Some(why) => {
                    return Err(format!(
                        "option '{}' can only be set at start-up (in KCSAN_OPTIONS): {why}",
                        printable(name)
                    ));
                }
            }
            update(|f| f.set(name, value))
        }
        Command::Get(Some(name)) => config::flags()
            .get(name)
            .map(|v| format!("{name}={v}\n"))
            .ok_or_else(|| unknown_option(name)),
        Command::Get(None) => {
            let f = config::flags();
            let mut out = String::new();
            for info in Flags::describe() {
                let _ = writeln!(
                    out,
                    "{}={}",
                    info.name,
                    f.get(info.name).unwrap_or_default()
                );
            }
            Ok(out)
        }
        Command::Microbench(iters) => Ok(microbench(iters)),
        Command::Help => Ok(COMMANDS.to_owned()),
    }
}

/// The kernel's debugfs `microbench=`: `iters` calls of the check on a
/// buffer of the server thread's, with its access mix (every 128th access
/// marked, every 16th a write, the rest reads). The server thread is inside
/// the runtime, so it never sets up or consumes a watchpoint: this times the
/// fast path (and the skip-count resets), without switching checking off for
/// the program as the kernel does.
fn microbench(iters: u64) -> String {
    let buf = vec![0u64; 4096];
    let start = crate::delay::now_ns();
    for i in 0..iters {
        let ty = if i % 128 == 0 {
            crate::AccessType::ATOMIC
        } else if i % 16 == 0 {
            crate::AccessType::WRITE
        } else {
            crate::AccessType::READ
        };
        let p = &buf[(i % 4096) as usize] as *const u64;
        // SAFETY: `p` points into `buf`, live for the whole loop.
        unsafe { crate::check_access(core::hint::black_box(p).cast(), 8, ty) };
    }
    let ns = crate::delay::now_ns() - start;
    format!(
        "microbench: {iters} checks in {ns} ns ({:.2} ns per check)\n",
        ns as f64 / iters as f64
    )
}

/// Applies a change to the options in force; the error names the option.
fn update(change: impl FnOnce(&mut Flags) -> Result<(), ConfigError>) -> Result<String, String> {
    let result = config::update(change).map(|()| String::new()).map_err(|e| {
        // The source says where a bad value came from; here it is obvious.
        let e = ConfigError { source: None, ..e };
        match e.kind {
            // The unknown-option hint names KCSAN_OPTIONS; say `get` instead.
            ConfigErrorKind::Unknown => unknown_option(&e.option),
            _ => e.to_string(),
        }
    });
    // A changed focus list is looked up in the program's symbols now, on the
    // server's thread, so that the next command sees it in force.
    crate::focus::sync(&config::flags().focus_functions);
    result
}

fn unknown_option(name: &str) -> String {
    let hint = config::nearest_option(name)
        .map(|n| format!(" (did you mean '{n}'?)"))
        .unwrap_or_default();
    format!(
        "unknown option '{}'{hint}; 'get' lists them",
        printable(name)
    )
}

/// What reading the kernel's debugfs file shows: `enabled`, the counters, a
/// blank line, then the filter mode and the listed functions.
pub fn render_stats(enabled: bool, f: &Flags) -> String {
    let mut out = stats::render(enabled);
    let listed = match f.filter_mode {
        FilterMode::Blacklist => "blacklisted",
        FilterMode::Whitelist => "whitelisted",
    };
    let funcs: Vec<&str> = f
        .filter_functions
        .split(';')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let _ = write!(out, "\n{listed} functions: ");
    if funcs.is_empty() {
        out += "none\n";
    } else {
        out += "\n";
        for func in funcs {
            let _ = writeln!(out, " {func}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_debugfs_words_and_ours() {
        assert_eq!(parse("stats"), Ok(Command::Stats));
        assert_eq!(parse("on"), Ok(Command::Enable(true)));
        assert_eq!(parse("off"), Ok(Command::Enable(false)));
        assert_eq!(parse("whitelist"), Ok(Command::Mode(FilterMode::Whitelist)));
        assert_eq!(parse("allowlist"), Ok(Command::Mode(FilterMode::Whitelist)));
        assert_eq!(parse("denylist"), Ok(Command::Mode(FilterMode::Blacklist)));
        assert_eq!(parse("!do_work"), Ok(Command::Filter("do_work")));
        assert_eq!(parse("! do_work"), Ok(Command::Filter("do_work")));
        assert_eq!(
            parse("set skip_watch = 10"),
            Ok(Command::Set("skip_watch", "10"))
        );
        assert_eq!(parse("get"), Ok(Command::Get(None)));
        assert_eq!(parse("microbench=1000"), Ok(Command::Microbench(1000)));
        assert_eq!(parse("microbench=0x10"), Ok(Command::Microbench(16)));
        assert!(parse("microbench=0").is_err());
        assert!(parse("microbench=lots").unwrap_err().contains("1..="));
        assert_eq!(
            parse("get udelay_task"),
            Ok(Command::Get(Some("udelay_task")))
        );
    }

    #[test]
    fn malformed_commands_are_errors_that_say_why() {
        let err = |s: &str| parse(s).unwrap_err();
        assert!(err("").contains("empty command"));
        assert!(err("frobnicate now").contains("unknown command 'frobnicate now'"));
        assert!(
            err("frobnicate").contains("stats"),
            "the reply lists the commands"
        );
        assert!(err("on please").contains("takes no argument"));
        assert!(err("!").contains("needs a function name"));
        assert!(err("!a;b").contains("';' separates"));
        assert!(err("set skip_watch").contains("set NAME=VALUE"));
        assert!(err("set =3").contains("set NAME=VALUE"));
        assert!(err("get a b").contains("one option name"));
        let long = "x".repeat(500);
        let e = err(&long);
        assert!(
            !e.contains(&long) && e.contains(&format!("'{}...'", &long[..80])),
            "the reply quotes a long command cut short: {e}"
        );
    }

    #[test]
    fn only_the_owner_may_connect() {
        assert!(peer_allowed(1000, 1000));
        assert!(!peer_allowed(0, 1000), "not even root");
        assert!(!peer_allowed(1001, 1000));
    }

    #[test]
    fn peer_credentials_name_this_process_user() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&a);
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        assert_eq!(peer_uid(fd).unwrap(), me);
        assert!(
            peer_uid(-1).is_err(),
            "a bad descriptor is an error, not a uid"
        );
    }

    #[test]
    fn the_socket_dir_follows_xdg_only_when_it_is_ours() {
        let tmp = std::env::temp_dir().join(format!("kcsan-ctl-unit-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let uid = std::fs::metadata(&tmp).unwrap().uid();
        assert_eq!(socket_dir(uid, Some(tmp.as_os_str())), tmp.join("kcsan"));
        assert_eq!(
            socket_dir(uid + 1, Some(tmp.as_os_str())),
            PathBuf::from(format!("/tmp/kcsan-{}", uid + 1)),
            "another user's XDG_RUNTIME_DIR is not used"
        );
        assert_eq!(
            socket_dir(uid, Some(OsStr::new("relative"))),
            PathBuf::from(format!("/tmp/kcsan-{uid}"))
        );
        assert_eq!(socket_path(&tmp, 42), tmp.join("42"));
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn the_socket_dir_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = std::env::temp_dir().join(format!("kcsan-ctl-mode-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let uid = std::fs::metadata(&tmp).unwrap().uid();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(check_dir(&tmp, uid), Ok(()));
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(check_dir(&tmp, uid).unwrap_err().contains("mode 0755"));
        assert!(
            check_dir(&tmp, uid + 1)
                .unwrap_err()
                .contains("belongs to uid")
        );
        let link = tmp.with_extension("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&tmp, &link).unwrap();
        assert!(
            check_dir(&link, uid)
                .unwrap_err()
                .contains("not a directory")
        );
        std::fs::remove_file(&link).unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn stats_show_the_filter_list_as_debugfs_does() {
        let mut f = Flags::DEFAULT;
        let s = render_stats(true, &f);
        assert!(s.starts_with("enabled: 1\nused_watchpoints: "), "{s}");
        assert!(s.ends_with("\n\nblacklisted functions: none\n"), "{s}");
        f.filter_functions = "reader; writer".into();
        f.filter_mode = FilterMode::Whitelist;
        let s = render_stats(false, &f);
        assert!(s.starts_with("enabled: 0\n"), "{s}");
        assert!(
            s.ends_with("\n\nwhitelisted functions: \n reader\n writer\n"),
            "{s}"
        );
    }
}
