//! The control server: one runtime thread per process that answers
//! `kcsan ctl` on the process's control socket.
//!
//! Design points, each a promise that the server's existence does not change
//! the program:
//! 1. The program's threads never wait for the server: a command changes
//!    atomics or publishes a new option table (`config::update`); the server
//!    never takes the report lock.
//! 2. Connections are read side by side (up to [`MAX_CONNECTIONS`], with
//!    `poll`), each with a budget of [`CONNECTION_BUDGET`] for sending its
//!    command and [`REPLY_BUDGET`] for taking the reply, so clients that
//!    connect and hang delay nobody: every other client is answered as soon
//!    as its command is in.
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

/// How often an idle server looks whether its descriptor is still its own.
const IDLE_CHECK_MS: i32 = 500;

/// Connections read at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 64;

/// A connection whose command is still arriving.
struct Conn {
    stream: UnixStream,
    buf: Vec<u8>,
    deadline: Instant,
}

/// The server thread: accept connections and read their commands side by
/// side (`poll`), answer each as soon as its command is complete, drop
/// each at its own deadline. A client that connects and says nothing
/// delays nobody: every other client is served as it would be alone.
fn serve(listener: UnixListener, ours: Option<(u64, u64)>) {
    crate::ctx::with(|ctx| {
        let _in_runtime = InRuntime::enter(ctx);
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        let fd = listener.as_raw_fd();
        if listener.set_nonblocking(true).is_err() {
            let _ = listener.into_raw_fd();
            return;
        }
        let mut conns: Vec<Conn> = Vec::new();
        loop {
            // A program that closes descriptors it did not open may have
            // closed ours and reused the number: serve only our socket.
            if ours.is_none() || identity(fd) != ours {
                let _ = listener.into_raw_fd();
                return;
            }
            let mut fds = Vec::with_capacity(conns.len() + 1);
            fds.push(libc::pollfd {
                fd,
                events: if conns.len() < MAX_CONNECTIONS {
                    libc::POLLIN
                } else {
                    0
                },
                revents: 0,
            });
            fds.extend(conns.iter().map(|c| libc::pollfd {
                fd: c.stream.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            }));
            // Never an infinite wait: poll re-reads each descriptor by number
            // when it wakes, so if the program closed ours and reused the
            // number, a client of our socket would wake it for nothing, and
            // only the loop's identity check (above) notices.
            let now = Instant::now();
            let timeout = conns
                .iter()
                .map(|c| c.deadline.saturating_duration_since(now).as_millis() as i32 + 1)
                .min()
                .unwrap_or(IDLE_CHECK_MS)
                .min(IDLE_CHECK_MS);
            // SAFETY: `fds` is a valid array of `fds.len()` pollfd entries.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if n < 0 {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                crate::delay::stall(100_000, DelayMode::Sleep);
                continue;
            }
            // poll watched our socket even if the program closed the number
            // meanwhile and reused it: look again before touching it.
            if fds[0].revents & libc::POLLNVAL != 0 || identity(fd) != ours {
                let _ = listener.into_raw_fd();
                return;
            }
            // Commands that arrived (or connections that closed).
            let mut i = conns.len();
            while i > 0 {
                i -= 1;
                if fds[i + 1].revents == 0 && Instant::now() < conns[i].deadline {
                    continue;
                }
                let reply = match read_some(&mut conns[i]) {
                    Progress::Waiting if Instant::now() < conns[i].deadline => continue,
                    Progress::Waiting => Err(timed_out()),
                    Progress::Complete(c) => c.and_then(|c| super::execute(c.trim())),
                    Progress::Gone => {
                        conns.swap_remove(i);
                        continue;
                    }
                };
                let conn = conns.swap_remove(i);
                finish(
                    &conn.stream,
                    &match reply {
                        Ok(out) => format!("{REPLY_OK}\n{out}"),
                        Err(e) => format!("{REPLY_ERROR}{e}\n"),
                    },
                );
            }
            // New connections.
            if fds[0].revents & libc::POLLIN != 0 {
                while conns.len() < MAX_CONNECTIONS {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            if let Some(conn) = admit(stream, me) {
                                conns.push(conn);
                            }
                        }
                        Err(e) => match e.raw_os_error() {
                            Some(libc::EAGAIN) => break,
                            Some(libc::EINTR | libc::ECONNABORTED | libc::EPROTO) => {}
                            // Out of descriptors or memory: the program's
                            // problem; retry later rather than spin.
                            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
                                crate::delay::stall(100_000, DelayMode::Sleep);
                                break;
                            }
                            // The program closed our descriptor (EBADF,
                            // ENOTSOCK, EINVAL): stop serving, and do not
                            // close the number, which may be the program's.
                            _ => {
                                let _ = listener.into_raw_fd();
                                return;
                            }
                        },
                    }
                }
            }
        }
    });
}

/// A new connection: refused at once (with a reply) unless its peer may
/// control this process; else waiting for its command until its deadline.
fn admit(stream: UnixStream, me: u32) -> Option<Conn> {
    match super::peer_uid(stream.as_raw_fd()) {
        Err(_) => None,
        Ok(uid) if !super::peer_allowed(uid, me) => {
            finish(
                &stream,
                &format!(
                    "{REPLY_ERROR}permission denied: uid {uid} may not control this process \
                     (only its own user, uid {me}, may)\n"
                ),
            );
            None
        }
        Ok(_) => stream.set_nonblocking(true).is_ok().then(|| Conn {
            stream,
            buf: Vec::with_capacity(128),
            deadline: Instant::now() + CONNECTION_BUDGET,
        }),
    }
}

/// What reading a connection gave.
enum Progress {
    /// More of the command is to come.
    Waiting,
    /// The command (up to a newline or the client's end of input), or why
    /// there is none.
    Complete(Result<String, String>),
    /// The connection failed.
    Gone,
}

/// Reads what a connection has sent so far (without blocking).
fn read_some(conn: &mut Conn) -> Progress {
    let mut chunk = [0u8; 512];
    loop {
        match (&conn.stream).read(&mut chunk) {
            Ok(0) => return Progress::Complete(command_of(&conn.buf)),
            Ok(n) => {
                conn.buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = conn.buf.iter().position(|&b| b == b'\n') {
                    conn.buf.truncate(end);
                    return Progress::Complete(command_of(&conn.buf));
                }
                if conn.buf.len() > MAX_COMMAND {
                    return Progress::Complete(command_of(&conn.buf));
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Progress::Waiting,
            Err(_) => return Progress::Gone,
        }
    }
}

/// The command in a connection's input, or why it is not one.
fn command_of(buf: &[u8]) -> Result<String, String> {
    if buf.len() > MAX_COMMAND {
        return Err(format!("command longer than {MAX_COMMAND} bytes"));
    }
    String::from_utf8(buf.to_vec()).map_err(|_| "the command is not valid UTF-8".to_owned())
}

/// Sends the reply and closes the connection, within [`REPLY_BUDGET`].
fn finish(stream: &UnixStream, reply: &str) {
    let _ = stream.set_nonblocking(false);
    send_all(stream, reply.as_bytes(), Instant::now() + REPLY_BUDGET);
    // Unread input (a command that was too long, or one we did not read
    // from a refused client) would turn our close into a reset that may
    // reach the client before the reply: drain a little first.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    drain(stream, Instant::now() + DRAIN_BUDGET);
}

/// How long a finished connection's leftover input is drained.
const DRAIN_BUDGET: Duration = Duration::from_millis(100);

/// What file descriptor `fd` refers to: its device and inode.
fn identity(fd: i32) -> Option<(u64, u64)> {
    // SAFETY: `st` is a writable stat buffer; fstat reports a bad descriptor
    // as an error.
    unsafe {
        let mut st: libc::stat = core::mem::zeroed();
        (libc::fstat(fd, &mut st) == 0).then_some((st.st_dev, st.st_ino))
    }
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
