//! One measured run: the child's own CPU time and peak RSS from `wait4(2)`.
//!
//! CPU time (user + system) is the robust measure on a shared 2-vCPU VM; wall
//! time flips between about 1x and 0.5x of it depending on whether both vCPUs
//! run (BENCHMARKS.md, "Machine and method"). `ru_maxrss` is the child's peak
//! resident set in KiB.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result};

/// What one run used.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Usage {
    /// User + system CPU time.
    pub(crate) cpu: Duration,
    /// Peak resident set size, KiB.
    pub(crate) maxrss_kib: u64,
    /// The exit code, or `None` if a signal ended the child.
    pub(crate) code: Option<i32>,
    /// The signal that ended the child.
    pub(crate) signal: Option<i32>,
}

fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// Runs `cmd` to completion with stdin on /dev/null, stdout written to
/// `stdout_path` and stderr to `stderr_path`, and returns its resource usage.
pub(crate) fn run(cmd: &mut Command, stdout_path: &Path, stderr_path: &Path) -> Result<Usage> {
    let out = File::create(stdout_path)
        .with_context(|| format!("cannot create {}", stdout_path.display()))?;
    let err = File::create(stderr_path)
        .with_context(|| format!("cannot create {}", stderr_path.display()))?;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: all-zero bytes are a valid `rusage` (plain integers and timevals).
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (`Child` only reaps
        // in `wait`, which is never called); `status` and `ru` are valid for
        // writes for the duration of the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e).context("wait4 failed");
        }
    }
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Ok(Usage {
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        maxrss_kib: ru.ru_maxrss as u64,
        code,
        signal,
    })
}

/// How a run ended, in words.
pub(crate) fn describe_exit(code: Option<i32>, signal: Option<i32>) -> String {
    match (code, signal) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "an unknown status".to_owned(),
    }
}

/// The last `n` lines of a file, for error messages.
pub(crate) fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_busy_child() {
        let dir = std::env::temp_dir().join(format!("kcsan-bench-measure-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = dir.join("stderr");
        // A shell loop that burns some CPU and writes to stderr, then exits 3.
        let u = run(
            Command::new("sh").args([
                "-c",
                "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo oops >&2; exit 3",
            ]),
            &dir.join("stdout"),
            &err,
        )
        .unwrap();
        assert_eq!(u.code, Some(3));
        assert!(u.cpu > Duration::ZERO);
        assert!(u.maxrss_kib > 0);
        assert_eq!(tail(&err, 1), "oops");
        assert_eq!(describe_exit(u.code, u.signal), "exit status 3");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
