//! `kcsan ctl`: live control of a running program, the user-space form of
//! the kernel's debugfs file (`echo off > /sys/kernel/debug/kcsan`).
//!
//! `kcsan ctl PID COMMAND...` finds the process's control socket the way the
//! runtime made it (`kcsan_core::control::socket_dir`, with the target's uid
//! and its `XDG_RUNTIME_DIR`), sends the command, and prints the reply.
//! `kcsan ctl --list` lists the user's processes that serve one.
//!
//! Exit status: 0 the command ran; 1 it failed (no such process, no socket,
//! permission denied, an error reply); 2 a usage error.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use kcsan_core::control::{self, REPLY_ERROR, REPLY_OK};

/// How long to wait for a reply. The server answers one connection at a
/// time, each within `CONNECTION_BUDGET`, so a few hung clients ahead of us
/// cost a few budgets.
const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

/// `kcsan ctl PID COMMAND...`
pub(crate) fn main(pid: u32, command: &[String]) -> Result<ExitCode> {
    Ok(match send(pid, &command.join(" ")) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(out.as_bytes())?;
            stdout.flush()?;
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("kcsan: error: {msg}");
            ExitCode::from(1)
        }
    })
}

/// What `/proc` says about a process: its effective uid and the
/// `XDG_RUNTIME_DIR` it started with (if we may read its environment).
struct Target {
    euid: u32,
    xdg_runtime_dir: Option<std::ffi::OsString>,
    name: String,
}

fn inspect(pid: u32) -> Result<Target, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| {
        if e.kind() == ErrorKind::NotFound {
            format!("no such process: {pid}")
        } else {
            format!("cannot inspect process {pid}: {e}")
        }
    })?;
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::trim)
            .unwrap_or("")
            .to_owned()
    };
    // "Uid:  real  effective  saved  filesystem"
    let euid = field("Uid:")
        .split_whitespace()
        .nth(1)
        .and_then(|u| u.parse().ok())
        .ok_or_else(|| format!("cannot read the uid of process {pid}"))?;
    let xdg_runtime_dir = std::fs::read(format!("/proc/{pid}/environ"))
        .ok()
        .and_then(|env| {
            env.split(|&b| b == 0)
                .find_map(|kv| kv.strip_prefix(b"XDG_RUNTIME_DIR="))
                .map(|v| {
                    <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(v).to_owned()
                })
        });
    Ok(Target {
        euid,
        xdg_runtime_dir,
        name: field("Name:"),
    })
}

/// The path of `pid`'s control socket, as its runtime chose it.
fn socket_of(pid: u32, t: &Target) -> PathBuf {
    control::socket_path(
        &control::socket_dir(t.euid, t.xdg_runtime_dir.as_deref()),
        pid,
    )
}

/// Sends one command to process `pid` and returns its output.
fn send(pid: u32, command: &str) -> Result<String, String> {
    if command.contains('\n') {
        return Err("a command is one line; send one command per `kcsan ctl`".to_owned());
    }
    if command.len() > control::MAX_COMMAND {
        return Err(format!(
            "the command is longer than {} bytes",
            control::MAX_COMMAND
        ));
    }
    let target = inspect(pid)?;
    let path = socket_of(pid, &target);
    let mut stream = UnixStream::connect(&path).map_err(|e| {
        let name = &target.name;
        match e.kind() {
            ErrorKind::NotFound => format!(
                "process {pid} ({name}) has no control socket ({}): it is not a kcsan \
                 program, or it runs with control=0",
                path.display()
            ),
            ErrorKind::PermissionDenied => format!(
                "permission denied: {}: process {pid} ({name}) runs as uid {}; only its own \
                 user may control it",
                path.display(),
                target.euid
            ),
            ErrorKind::ConnectionRefused => format!(
                "the control socket {} is stale: process {pid} ({name}) does not serve it \
                 (it may have called exec)",
                path.display()
            ),
            _ => format!("cannot connect to {}: {e}", path.display()),
        }
    })?;
    let io = |e: std::io::Error| format!("talking to process {pid} ({}): {e}", path.display());
    stream
        .set_read_timeout(Some(REPLY_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(REPLY_TIMEOUT)))
        .map_err(io)?;
    // A server that refuses us replies without reading: a failed write is
    // reported only if no reply explains it.
    let sent = stream
        .write_all(format!("{command}\n").as_bytes())
        .and_then(|()| stream.shutdown(std::net::Shutdown::Write));
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // A reset after the reply changes nothing.
            Err(_) if !reply.is_empty() => break,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(format!(
                    "no reply from process {pid} within {} s",
                    REPLY_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(io(sent.err().unwrap_or(e))),
        }
    }
    if reply.is_empty() {
        sent.map_err(io)?;
    }
    let reply = String::from_utf8_lossy(&reply);
    if let Some(out) = reply
        .strip_prefix(REPLY_OK)
        .and_then(|r| r.strip_prefix('\n'))
    {
        return Ok(out.to_owned());
    }
    if let Some(msg) = reply.strip_prefix(REPLY_ERROR) {
        return Err(msg.trim_end().to_owned());
    }
    if reply.is_empty() {
        return Err(format!(
            "process {pid} closed the connection without a reply"
        ));
    }
    Err(format!(
        "process {pid} sent a malformed reply: {:?}",
        reply.chars().take(80).collect::<String>()
    ))
}

/// `kcsan ctl --list`: the user's processes with a control socket. Sockets of
/// processes that are gone (killed before they could remove them) are removed.
pub(crate) fn list() -> Result<ExitCode> {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let mut dirs = vec![control::socket_dir(
        uid,
        std::env::var_os("XDG_RUNTIME_DIR").as_deref(),
    )];
    let tmp = control::socket_dir(uid, None);
    if !dirs.contains(&tmp) {
        dirs.push(tmp);
    }
    let mut found = Vec::new();
    for dir in &dirs {
        // A directory that is not ours or not private is not read: the
        // runtime would not have used it either.
        if control::check_dir(dir, uid).is_err() {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let path = entry.path();
            if is_stale(pid, &path) {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            found.push((pid, path));
        }
    }
    found.sort();
    let mut out = std::io::stdout().lock();
    if found.is_empty() {
        eprintln!("kcsan ctl: no process of uid {uid} serves live control");
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{:>8}  {:<40}  SOCKET", "PID", "COMMAND")?;
    for (pid, path) in found {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|c| {
                String::from_utf8_lossy(&c)
                    .split('\0')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        writeln!(out, "{pid:>8}  {cmdline:<40}  {}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the socket at `path` is left over: its process is gone, or does
/// not accept on it (it called exec, or a new process got the pid).
fn is_stale(pid: u32, path: &Path) -> bool {
    if !Path::new(&format!("/proc/{pid}")).exists() {
        return true;
    }
    matches!(
        UnixStream::connect(path),
        Err(e) if e.kind() == ErrorKind::ConnectionRefused
    )
}
