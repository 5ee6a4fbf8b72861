//! Where reports go: stderr, or `<log_path>.<pid>` with `log_path`.
//!
//! A report is formatted in full first and then written with as few `write(2)`
//! calls as the kernel allows, under the report lock, so two reports never
//! interleave. The log file is reopened when the pid changes (after `fork`),
//! so every process gets its own file.

use core::sync::atomic::{AtomicI32, Ordering::Relaxed};

use crate::config;

/// The open log file and the pid it belongs to (`-1`: none).
static LOG_FD: AtomicI32 = AtomicI32::new(-1);
static LOG_PID: AtomicI32 = AtomicI32::new(-1);

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
fn write_all(fd: i32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a valid readable buffer of the given length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// Writes to stderr directly (no Rust std buffering or locking).
pub(crate) fn write_stderr(bytes: &[u8]) {
    write_all(2, bytes);
}

/// Writes a finished report (or statistics) to the configured destination.
///
/// Precondition: the report lock is held (it serialises the file handling).
pub(crate) fn emit(bytes: &[u8]) {
    let path = &config::flags().log_path;
    if path.is_empty() {
        return write_stderr(bytes);
    }
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    if LOG_PID.load(Relaxed) != pid {
        let name = format!("{path}.{pid}\0");
        // SAFETY: `name` is NUL-terminated; flags and mode are valid for open(2).
        let fd = unsafe {
            libc::open(
                name.as_ptr().cast(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND | libc::O_CLOEXEC,
                0o644,
            )
        };
        if fd < 0 {
            let err = std::io::Error::last_os_error();
            write_stderr(
                format!("kcsan: cannot open log file {path}.{pid}: {err}; writing to stderr\n")
                    .as_bytes(),
            );
        }
        LOG_FD.store(fd, Relaxed);
        LOG_PID.store(pid, Relaxed);
    }
    match LOG_FD.load(Relaxed) {
        fd if fd >= 0 => write_all(fd, bytes),
        _ => write_stderr(bytes),
    }
}
