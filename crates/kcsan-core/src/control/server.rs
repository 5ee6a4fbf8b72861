//! The control server: one runtime thread per process that answers
//! `kcsan ctl` on the process's control socket.
//!
//! Design points, each a promise that the server's existence does not change
//! the program:
//! 1. The program's threads never wait for the server: a command changes
//!    atomics or publishes a new option table (`config::update`); the server
//!    never takes the report lock.
//! 2. One connection at a time, each with a budget of [`CONNECTION_BUDGET`]
//!    for sending its command and [`REPLY_BUDGET`] for taking the reply
//!    (socket timeouts), so a client that connects and hangs delays the next
//!    client by at most that, and blocks nobody else.
//! 3. The thread blocks every signal, so the program's signals are delivered
//!    to the program's threads, as without kcsan; its replies use
//!    `MSG_NOSIGNAL`, so a client that goes away raises no `SIGPIPE`.
//! 4. The thread is inside the runtime for its whole life: nothing it calls
//!    is checked or watched.
//! 5. The socket is created before `main` (at initialisation), removed at
//!    exit, and not inherited across `exec` (`SOCK_CLOEXEC`). A forked child
//!    closes its copy and serves its own socket under its own pid, started at
//!    its first watchpoint, so a child that only calls `exec` never makes one.

use core::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};
use std::ffi::CString;
use std::io::{ErrorKind, Read};
use std::os::fd::{AsRawFd, IntoRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

use super::{MAX_COMMAND, REPLY_ERROR, REPLY_OK};
use crate::config::DelayMode;
use crate::ctx::InRuntime;

/// How long a client has, from accept, to send its command. A client slower
/// than this gets an error reply and is dropped (see design point 2).
pub const CONNECTION_BUDGET: Duration = Duration::from_secs(2);

/// How long writing a reply may take (a client that does not read).
const REPLY_BUDGET: Duration = Duration::from_millis(500);

/// The socket this process made: removed at exit by the process that made it
/// (a forked child must not remove its parent's).
struct Socket {
    path: CString,
    pid: i32,
}

/// The socket of this process, or null. Leaked boxes: a child replaces its
/// parent's entry, and the exit hook may read it at any time.
static SOCKET: AtomicPtr<Socket> = AtomicPtr::new(core::ptr::null_mut());
/// The listening descriptor, closed in a forked child (`-1`: none).
static LISTEN_FD: AtomicI32 = AtomicI32::new(-1);
/// Set in a forked child of a serving process: start a server of its own.
static PENDING: AtomicBool = AtomicBool::new(false);

// ===== Life cycle =====

/// Creates this process's control socket and starts the server thread
/// (`control=1`, at initialisation). A failure costs only live control: it
/// is one `kcsan: warning:` line and the program runs on.
///
/// Precondition: the calling thread is inside the runtime.
pub(crate) fn start() {
    if let Err(e) = try_start() {
        crate::report::sink::write_stderr(
            format!("kcsan: warning: live control is off: {e}\n").as_bytes(),
        );
    }
}

fn try_start() -> Result<(), String> {
    // SAFETY: geteuid and getpid have no preconditions.
    let (uid, pid) = unsafe { (libc::geteuid(), libc::getpid()) };
    let dir = super::socket_dir(uid, std::env::var_os("XDG_RUNTIME_DIR").as_deref());
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
    }
    super::check_dir(&dir, uid)?;
    let path = super::socket_path(&dir, pid as u32);
    // A socket left by a process that died with this pid, or by the program
    // this process replaced with exec.
    let _ = std::fs::remove_file(&path);
    let listener =
        UnixListener::bind(&path).map_err(|e| format!("cannot bind {}: {e}", path.display()))?;
    let listener = out_of_the_way(listener);
    // The directory already keeps other users out; the mode says so too.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("cannot chmod {}: {e}", path.display()))?;
    let fd = listener.as_raw_fd();
    if let Err(e) = spawn(listener) {
        let _ = std::fs::remove_file(&path);
        return Err(format!("cannot start the control thread: {e}"));
    }
    let socket = Socket {
        path: CString::new(path.as_os_str().as_bytes()).map_err(|e| e.to_string())?,
        pid,
    };
    SOCKET.store(Box::leak(Box::new(socket)), Ordering::Release);
    LISTEN_FD.store(fd, Ordering::Relaxed);
    Ok(())
}

/// The lowest descriptor number the listening socket moves to.
const HIGH_FD: i32 = 512;

/// Moves the listening socket to a high descriptor number. A program that
/// closes every descriptor it did not open (a daemon's `closefrom(3)`) and
/// then opens its own gets the lowest free numbers; with ours far above
/// them, the number is not reused under the server's feet. If the move
/// fails (a low descriptor limit), the socket keeps its number.
fn out_of_the_way(listener: UnixListener) -> UnixListener {
    use std::os::fd::FromRawFd;
    // SAFETY: F_DUPFD_CLOEXEC duplicates a descriptor we own; on success the
    // new descriptor is owned by the returned listener and the old one is
    // closed when `listener` drops.
    unsafe {
        let high = libc::fcntl(listener.as_raw_fd(), libc::F_DUPFD_CLOEXEC, HIGH_FD);
        if high < 0 {
            return listener;
        }
        UnixListener::from_raw_fd(high)
    }
}

/// Starts the server thread with every signal blocked (it inherits the mask).
/// The socket's identity is taken here, before the program can touch its
/// descriptor: a server thread that starts late must not adopt whatever
/// the number refers to by then.
fn spawn(listener: UnixListener) -> std::io::Result<()> {
    let ours = identity(listener.as_raw_fd());
    // SAFETY:
    // - the sigset_t values are plain data, initialised by sigfillset or
    //   written by pthread_sigmask before use;
    // - pthread_sigmask changes only this thread's mask, restored below.
    let old = unsafe {
        let mut all: libc::sigset_t = core::mem::zeroed();
        let mut old: libc::sigset_t = core::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
        old
    };
    let spawned = std::thread::Builder::new()
        .name("kcsan-control".into())
        .stack_size(256 << 10)
        .spawn(move || serve(listener, ours));
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, core::ptr::null_mut()) };
    spawned.map(drop)
}

/// Whether this process is a forked child that should start its own server.
#[inline]
pub(crate) fn is_pending() -> bool {
    PENDING.load(Ordering::Relaxed)
}

/// In a forked child, at its first watchpoint: serve a socket of its own.
///
/// Precondition: the calling thread is inside the runtime.
#[cold]
#[inline(never)]
pub(crate) fn start_if_pending() {
    if PENDING.swap(false, Ordering::Relaxed) {
        start();
    }
}

/// In a forked child: the server thread did not come along. Close the copy of
/// the parent's listening socket and serve later under the child's own pid.
pub(crate) fn after_fork_in_child() {
    let fd = LISTEN_FD.swap(-1, Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: `fd` is the child's copy of the listening socket; nothing
        // else in the child uses it (its owner, the server thread, is gone).
        unsafe { libc::close(fd) };
        PENDING.store(true, Ordering::Relaxed);
    }
}

/// At exit: remove the socket, if this process made it.
pub(crate) fn remove_socket() {
    let p = SOCKET.load(Ordering::Acquire);
    if p.is_null() {
        return;
    }
    // SAFETY: non-null SOCKET values are leaked boxes, valid forever.
    let socket = unsafe { &*p };
    // SAFETY: getpid has no preconditions; the path is NUL-terminated.
    unsafe {
        if socket.pid == libc::getpid() {
            libc::unlink(socket.path.as_ptr());
        }
    }
}

// ===== Serving =====

/// The server thread: accept, answer, close; forever.
fn serve(listener: UnixListener, ours: Option<(u64, u64)>) {
    crate::ctx::with(|ctx| {
        let _in_runtime = InRuntime::enter(ctx);
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        let fd = listener.as_raw_fd();
        loop {
            // A program that closes descriptors it did not open may have
            // closed ours and reused the number: accept only on our socket.
            // (Only a reuse between this check and the accept, a few
            // instructions after a client was served, slips through.)
            if ours.is_none() || identity(fd) != ours {
                let _ = listener.into_raw_fd();
                return;
            }
            match listener.accept() {
                Ok((stream, _)) => answer(&stream, me),
                Err(e) => match e.raw_os_error() {
                    Some(libc::EINTR | libc::ECONNABORTED | libc::EPROTO) => {}
                    // Out of descriptors or memory: the program's problem;
                    // retry later rather than spin.
                    Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
                        crate::delay::stall(100_000, DelayMode::Sleep);
                    }
                    // The program closed our descriptor (EBADF, ENOTSOCK,
                    // EINVAL): stop serving, and do not close the number,
                    // which may belong to the program by now.
                    _ => {
                        let _ = listener.into_raw_fd();
                        return;
                    }
                },
            }
        }
    });
}

/// What file descriptor `fd` refers to: its device and inode.
fn identity(fd: i32) -> Option<(u64, u64)> {
    // SAFETY: `st` is a writable stat buffer; fstat reports a bad descriptor
    // as an error.
    unsafe {
        let mut st: libc::stat = core::mem::zeroed();
        (libc::fstat(fd, &mut st) == 0).then_some((st.st_dev, st.st_ino))
    }
}

/// Answers one connection within [`CONNECTION_BUDGET`].
fn answer(stream: &UnixStream, me: u32) {
    let deadline = Instant::now() + CONNECTION_BUDGET;
    let reply = match super::peer_uid(stream.as_raw_fd()) {
        Err(_) => return,
        Ok(uid) if !super::peer_allowed(uid, me) => format!(
            "{REPLY_ERROR}permission denied: uid {uid} may not control this process \
             (only its own user, uid {me}, may)\n"
        ),
        Ok(_) => match read_command(stream, deadline).and_then(|c| super::execute(c.trim())) {
            Ok(out) => format!("{REPLY_OK}\n{out}"),
            Err(e) => format!("{REPLY_ERROR}{e}\n"),
        },
    };
    send_all(stream, reply.as_bytes(), Instant::now() + REPLY_BUDGET);
    // Unread input (a command that was too long, or one we did not read
    // from a refused client) would turn our close into a reset that may
    // reach the client before the reply: drain a little first.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    drain(stream, Instant::now() + REPLY_BUDGET);
}

/// Reads and discards what the client still sends, until it closes, up to
/// a deadline and a bound.
fn drain(mut stream: &UnixStream, deadline: Instant) {
    let mut chunk = [0u8; 4096];
    for _ in 0..64 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(n) if n > 0 => {}
            _ => return,
        }
    }
}

/// Reads one command: up to a newline or the end of the client's input.
fn read_command(mut stream: &UnixStream, deadline: Instant) -> Result<String, String> {
    let mut buf = Vec::with_capacity(128);
    let mut chunk = [0u8; 512];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(timed_out());
        }
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.iter().position(|&b| b == b'\n') {
                    buf.truncate(end);
                    break;
                }
                if buf.len() > MAX_COMMAND {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(timed_out());
            }
            Err(e) => return Err(format!("cannot read the command: {e}")),
        }
    }
    if buf.len() > MAX_COMMAND {
        return Err(format!("command longer than {MAX_COMMAND} bytes"));
    }
    String::from_utf8(buf).map_err(|_| "the command is not valid UTF-8".to_owned())
}

fn timed_out() -> String {
    format!(
        "no command within {} s (send one line, or close the connection's write side)",
        CONNECTION_BUDGET.as_secs()
    )
}

/// Writes the reply, giving up at the deadline (a client that does not read).
fn send_all(stream: &UnixStream, mut bytes: &[u8], deadline: Instant) {
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_write_timeout(Some(left)).is_err() {
            return;
        }
        // SAFETY: `bytes` is a valid readable buffer of the given length.
        let n = unsafe {
            libc::send(
                stream.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        match n {
            n if n > 0 => bytes = &bytes[n as usize..],
            _ if std::io::Error::last_os_error().kind() == ErrorKind::Interrupted => {}
            _ => return,
        }
    }
}
