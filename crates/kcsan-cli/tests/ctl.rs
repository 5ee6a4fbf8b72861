//! Tests of live control: `kcsan ctl` against real C programs built with
//! `kcsan cc`, while they run.
//!
//! Each program gets its own `XDG_RUNTIME_DIR` (a scratch directory), so its
//! socket is `<scratch>/xdg/kcsan/<pid>` and tests never meet each other's
//! processes. Effects are observed the way a user would: the counters of
//! `stats`, the reports on stderr, the exit status. Waits loop until what
//! they wait for happens or a generous deadline passes (then they fail with
//! what was seen), never on a fixed sleep.
//!
//! The refusal of other users needs two uids: when the tests run as root
//! (CI), one side drops to `nobody` (65534). Otherwise the peer-credential
//! logic and the modes are covered by the unit tests in
//! `kcsan_core::control` and by the mode checks here.

mod support;

use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::Outcome;

/// How long any wait may take before the test fails: far above what a
/// loaded 2-core machine needs.
const LIMIT: Duration = Duration::from_secs(90);
const NOBODY: u32 = 65534;

/// Two threads race (`writer` / `reader`, the write_read_race scenario) in
/// uninstrumented loops until the file `argv[1]` exists. With `fork` as
/// `argv[2]`, the process forks first and the child does the racing while
/// the parent waits for it. With `closefds`, it first closes every
/// descriptor above 2 (a daemon's `closefrom`) and listens on a Unix socket
/// of its own, `argv[1].app`, duplicated onto descriptors 512..519 (where
/// kcsan keeps its socket, so the number is reused); at the end it must find
/// a connection waiting there (exit status 4 if not). Each racing process prints `ready <pid>`.
const PROGRAM: &str = r#"
#include "scenario.h"
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

long shared;
static volatile long sink;
static int stop;

SCENARIO_BODY void writer(long i) { shared = i; }
SCENARIO_BODY void reader(long i) { (void)i; sink = shared; }

static SCENARIO_UNINSTRUMENTED void *loop(void *arg)
{
	scenario_body body = (scenario_body)arg;
	for (long i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++)
		body(i);
	return NULL;
}

static SCENARIO_UNINSTRUMENTED void wait_for(const char *file)
{
	struct stat st;
	while (stat(file, &st) != 0)
		usleep(20000);
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	int app = -1;
	if (argc > 2 && strcmp(argv[2], "closefds") == 0) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		snprintf(a.sun_path, sizeof(a.sun_path), "%s.app", argv[1]);
		app = socket(AF_UNIX, SOCK_STREAM, 0);
		if (app < 0 || bind(app, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(app, 4) != 0)
			return 5;
		/* Reuse the numbers kcsan moves its socket to (512 and up). */
		for (int fd = 512; fd < 520; fd++)
			if (dup2(app, fd) != fd)
				return 6;
		printf("app %d\n", app);
	}
	if (argc > 2 && strcmp(argv[2], "fork") == 0) {
		pid_t child = fork();
		if (child > 0) {
			int status;
			printf("parent %d\n", getpid());
			fflush(stdout);
			waitpid(child, &status, 0);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
		}
	}
	scenario_spawn(&t[0], loop, (void *)writer);
	scenario_spawn(&t[1], loop, (void *)reader);
	printf("ready %d\n", getpid());
	fflush(stdout);
	wait_for(argv[1]);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	if (app >= 0) {
		fcntl(app, F_SETFL, O_NONBLOCK);
		if (accept(app, NULL, NULL) < 0)
			return 4;
	}
	return 0;
}
"#;

/// The test program, built once for all tests, in a directory every user
/// may read (the refusal tests run it as `nobody`).
fn program() -> PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let mut dir = support::scratch("ctl-build");
        let dir = support::keep(&mut dir);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let src = dir.join("racer.c");
        std::fs::write(&src, PROGRAM).unwrap();
        let exe = dir.join("racer");
        let mut cmd = support::clean_command(support::kcsan());
        cmd.args(["cc", "-O2", "-g", "-pthread", "-I"])
            .arg(support::scenario_dir())
            .arg(&src)
            .arg("-o")
            .arg(&exe);
        let o = support::run_captured(&mut cmd, &dir, "cc", LIMIT);
        assert_eq!(
            o.code(),
            Some(0),
            "building the test program:\n{}",
            o.describe()
        );
        exe
    })
    .clone()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Polls `what` until it returns `Some`, or fails the test after [`LIMIT`]
/// with `describe()`.
fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>, describe: impl Fn() -> String) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < LIMIT,
            "gave up waiting for {what}\n{}",
            describe()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One running test program.
struct Prog {
    child: Child,
    /// The racing process (the forked child in `fork` mode).
    pid: u32,
    xdg: PathBuf,
    stop: PathBuf,
    out: PathBuf,
    err: PathBuf,
}

impl Prog {
    /// Starts the program in `dir` with `KCSAN_OPTIONS=options`, its own
    /// `XDG_RUNTIME_DIR` (`dir/xdg`, owned by `uid`), as `uid` if given.
    fn start(dir: &Path, options: &str, args: &[&str], uid: Option<u32>) -> Prog {
        let xdg = dir.join("xdg");
        std::fs::create_dir_all(&xdg).unwrap();
        std::fs::set_permissions(&xdg, std::fs::Permissions::from_mode(0o700)).unwrap();
        let (out, err) = (dir.join("prog.stdout"), dir.join("prog.stderr"));
        let stop = dir.join("stop");
        let mut cmd = support::clean_command(program());
        cmd.arg(&stop)
            .args(args)
            .env("KCSAN_OPTIONS", options)
            .env("XDG_RUNTIME_DIR", &xdg)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap());
        if let Some(uid) = uid {
            std::os::unix::fs::chown(&xdg, Some(uid), Some(uid)).unwrap();
            cmd.uid(uid).gid(uid);
        }
        let child = cmd.spawn().expect("cannot start the test program");
        let mut p = Prog {
            child,
            pid: 0,
            xdg,
            stop,
            out,
            err,
        };
        p.pid = p.wait_line("ready");
        p
    }

    /// The pid printed on the program's `<word> <pid>` line, once it is there.
    fn wait_line(&self, word: &str) -> u32 {
        wait_until(
            &format!("the program's '{word}' line"),
            || {
                std::fs::read_to_string(&self.out)
                    .ok()?
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix(word)
                            .and_then(|p| p.trim().parse::<u32>().ok())
                    })
            },
            || self.describe(),
        )
    }

    fn socket(&self, pid: u32) -> PathBuf {
        self.xdg.join("kcsan").join(pid.to_string())
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    fn describe(&self) -> String {
        format!(
            "--- program stdout ---\n{}--- program stderr ---\n{}",
            std::fs::read_to_string(&self.out).unwrap_or_default(),
            support::clip(&self.stderr(), 6000)
        )
    }

    /// Tells the program to finish and waits for it.
    fn finish(&mut self) -> ExitStatus {
        std::fs::write(&self.stop, "").unwrap();
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                start.elapsed() < LIMIT,
                "the program did not finish after the stop file appeared\n{}",
                self.describe()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Prog {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.stop, "");
        if matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(500));
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `kcsan ctl ARGS...` (as `uid` if given).
fn ctl(dir: &Path, args: &[&str], uid: Option<u32>) -> Outcome {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut cmd = support::clean_command(support::kcsan());
    cmd.arg("ctl").args(args);
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    support::run_captured(&mut cmd, dir, &format!("ctl-{n}"), LIMIT)
}

/// `kcsan ctl PID ARGS...`, which must succeed; returns its stdout.
fn ctl_ok(dir: &Path, p: &Prog, args: &[&str]) -> String {
    let pid = p.pid.to_string();
    let all: Vec<&str> = std::iter::once(pid.as_str())
        .chain(args.iter().copied())
        .collect();
    let o = ctl(dir, &all, None);
    assert_eq!(o.code(), Some(0), "{}\n{}", o.describe(), p.describe());
    o.stdout
}

/// `kcsan ctl PID ARGS...`, which must fail with exit status 1 and a
/// `kcsan: error:` message containing `expect`.
fn ctl_err(dir: &Path, p: &Prog, args: &[&str], expect: &str) {
    let pid = p.pid.to_string();
    let all: Vec<&str> = std::iter::once(pid.as_str())
        .chain(args.iter().copied())
        .collect();
    let o = ctl(dir, &all, None);
    assert_eq!(o.code(), Some(1), "{args:?} must fail:\n{}", o.describe());
    assert!(
        o.stderr.starts_with("kcsan: error: ") && o.stderr.contains(expect),
        "{args:?}: the error must say '{expect}':\n{}",
        o.describe()
    );
}

/// One counter from `stats` output.
fn counter(stats: &str, name: &str) -> u64 {
    stats
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no counter {name} in:\n{stats}"))
}

fn reports(p: &Prog) -> usize {
    p.stderr()
        .matches("BUG: KCSAN: data-race in reader / writer")
        .count()
}

/// Waits until the program's report count stops growing while its
/// `data_races` counter still grows: races happen, and are filtered.
fn wait_filtered(dir: &Path, p: &Prog, why: &str) {
    let mut last = (
        reports(p),
        counter(&ctl_ok(dir, p, &["stats"]), "data_races"),
    );
    let mut quiet = 0;
    wait_until(
        why,
        || {
            std::thread::sleep(Duration::from_millis(300));
            let now = (
                reports(p),
                counter(&ctl_ok(dir, p, &["stats"]), "data_races"),
            );
            quiet = if now.0 == last.0 && now.1 > last.1 {
                quiet + 1
            } else {
                0
            };
            last = now;
            (quiet >= 3).then_some(())
        },
        || p.describe(),
    );
}

/// Waits until the program prints a new report.
fn wait_report(p: &Prog, why: &str) {
    let before = reports(p);
    wait_until(why, || (reports(p) > before).then_some(()), || p.describe());
}

// ===== Tests =====

#[test]
fn commands_work_on_a_running_program() {
    let dir = support::scratch("ctl-commands");
    let d = dir.path();
    let mut p = Prog::start(d, "early_enable=0:report_once_in_ms=0", &[], None);

    // The socket: a private directory and a socket only the owner may use.
    let meta = std::fs::symlink_metadata(p.xdg.join("kcsan")).unwrap();
    assert!(
        meta.is_dir() && meta.mode() & 0o7777 == 0o700,
        "mode {:o}",
        meta.mode()
    );
    let meta = std::fs::symlink_metadata(p.socket(p.pid)).unwrap();
    assert!(meta.file_type().is_socket(), "{meta:?}");
    assert_eq!(meta.mode() & 0o777, 0o600, "the socket's mode");

    // --list finds it (the XDG directory of this test) and removes a socket
    // left by a process that is gone.
    let stale = p.xdg.join("kcsan").join("999999999");
    std::os::unix::net::UnixListener::bind(&stale).unwrap();
    let mut cmd = support::clean_command(support::kcsan());
    cmd.args(["ctl", "--list"]).env("XDG_RUNTIME_DIR", &p.xdg);
    let o = support::run_captured(&mut cmd, d, "ctl-list", LIMIT);
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    let line = o
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{} ", p.pid)))
        .unwrap_or_else(|| panic!("pid {} not listed:\n{}", p.pid, o.describe()));
    assert!(
        line.contains("racer") && line.contains(p.socket(p.pid).to_str().unwrap()),
        "{line}"
    );
    assert!(!o.stdout.contains("999999999"), "{}", o.describe());
    assert!(!stale.exists(), "the stale socket is removed");

    // Started switched off: nothing is watched.
    let stats = ctl_ok(d, &p, &["stats"]);
    assert!(stats.starts_with("enabled: 0\n"), "{stats}");
    assert_eq!(counter(&stats, "setup_watchpoints"), 0, "{stats}");
    assert!(
        stats.ends_with("\nblacklisted functions: none\n"),
        "{stats}"
    );

    // get / set.
    assert_eq!(ctl_ok(d, &p, &["get", "skip_watch"]), default_skip_watch());
    assert_eq!(ctl_ok(d, &p, &["set", "skip_watch=500"]), "");
    assert_eq!(ctl_ok(d, &p, &["get", "skip_watch"]), "skip_watch=500\n");
    let all = ctl_ok(d, &p, &["get"]);
    for info in kcsan_core::config::Flags::describe() {
        assert!(all.contains(&format!("\n{}=", info.name)) || all.starts_with(info.name));
    }
    assert!(all.contains("\nskip_watch=500\n"), "{all}");

    // microbench: the kernel's fast-path timer, on the server's thread.
    let out = ctl_ok(d, &p, &["microbench=100000"]);
    assert!(out.starts_with("microbench: 100000 checks in "), "{out}");

    // on: reports start.
    assert_eq!(ctl_ok(d, &p, &["on"]), "");
    wait_report(&p, "a report after `on`");
    let stats = ctl_ok(d, &p, &["stats"]);
    assert!(stats.starts_with("enabled: 1\n"), "{stats}");
    assert!(counter(&stats, "setup_watchpoints") > 0, "{stats}");

    // !writer (blacklist): races go on, reports stop.
    ctl_ok(d, &p, &["!writer"]);
    let stats = ctl_ok(d, &p, &["stats"]);
    assert!(
        stats.ends_with("\nblacklisted functions: \n writer\n"),
        "{stats}"
    );
    wait_filtered(d, &p, "reports to stop after `!writer`");

    // whitelist: only reports whose top frames are all listed; reader is not.
    ctl_ok(d, &p, &["whitelist"]);
    let stats = ctl_ok(d, &p, &["stats"]);
    assert!(
        stats.ends_with("\nwhitelisted functions: \n writer\n"),
        "{stats}"
    );
    wait_filtered(d, &p, "reports to stay off in whitelist mode");
    ctl_ok(d, &p, &["!reader"]);
    wait_report(&p, "reports again once both top frames are whitelisted");

    // off: the number of watchpoints set up stops growing.
    ctl_ok(d, &p, &["off"]);
    let mut last = u64::MAX;
    wait_until(
        "setup_watchpoints to stop growing after `off`",
        || {
            std::thread::sleep(Duration::from_millis(200));
            let stats = ctl_ok(d, &p, &["stats"]);
            assert!(stats.starts_with("enabled: 0\n"), "{stats}");
            let now = counter(&stats, "setup_watchpoints");
            std::mem::replace(&mut last, now).eq(&now).then_some(())
        },
        || p.describe(),
    );

    // The program ends as it would without control: its reports make the
    // exit status 66, the closing line is there, and the socket is gone.
    let status = p.finish();
    assert_eq!(status.code(), Some(66), "{}", p.describe());
    assert!(p.stderr().contains("kcsan: reported "), "{}", p.describe());
    assert!(!p.socket(p.pid).exists(), "the socket is removed at exit");
}

#[test]
fn focus_is_set_shown_and_cleared_while_the_program_runs() {
    let dir = support::scratch("ctl-focus");
    let d = dir.path();
    let mut p = Prog::start(d, "report_once_in_ms=0", &[], None);

    assert_eq!(ctl_ok(d, &p, &["focus"]), "focus functions: none\n");
    // A name the program has, and one it does not: both accepted, the
    // second shown as not found.
    assert_eq!(ctl_ok(d, &p, &["focus", "writer,no_such_function"]), "");
    assert_eq!(
        ctl_ok(d, &p, &["get", "focus_functions"]),
        "focus_functions=writer,no_such_function\n"
    );
    wait_until(
        "the focused writer to be entered",
        || {
            let shown = ctl_ok(d, &p, &["focus"]);
            assert!(
                shown.starts_with("focus functions:\n writer (1 code range, ")
                    && shown.ends_with(" no_such_function (not found)\n"),
                "{shown}"
            );
            shown
                .contains("writer (1 code range, entered)")
                .then_some(())
        },
        || p.describe(),
    );
    // Cleared: the list is gone, and so is the exit note about it.
    assert_eq!(ctl_ok(d, &p, &["focus", "off"]), "");
    assert_eq!(ctl_ok(d, &p, &["focus"]), "focus functions: none\n");
    assert_eq!(
        ctl_ok(d, &p, &["get", "focus_functions"]),
        "focus_functions=\n"
    );
    wait_report(&p, "reports from sampling after the focus is cleared");
    let status = p.finish();
    assert_eq!(status.code(), Some(66), "{}", p.describe());
    assert!(!p.stderr().contains("kcsan: focus:"), "{}", p.describe());
}

#[test]
fn wrong_commands_get_error_replies_and_change_nothing() {
    let dir = support::scratch("ctl-errors");
    let d = dir.path();
    let mut p = Prog::start(d, "early_enable=0:report_value_change_only=0", &[], None);
    let before = ctl_ok(d, &p, &["get"]);

    ctl_err(d, &p, &["frobnicate"], "unknown command 'frobnicate'");
    ctl_err(d, &p, &["frobnicate"], "set NAME=VALUE");
    ctl_err(d, &p, &["on", "please"], "'on' takes no argument");
    ctl_err(d, &p, &["!"], "needs a function name");
    ctl_err(d, &p, &["microbench=0"], "expected a number of iterations");
    ctl_err(d, &p, &["set", "skip_watch"], "expected 'set NAME=VALUE'");
    ctl_err(
        d,
        &p,
        &["set", "skip_watch=lots"],
        "invalid value 'lots' for option 'skip_watch'",
    );
    ctl_err(d, &p, &["set", "udelay_task=-1"], "invalid value '-1'");
    ctl_err(
        d,
        &p,
        &["set", "no_such_option=1"],
        "unknown option 'no_such_option'",
    );
    ctl_err(
        d,
        &p,
        &["get", "no_such_option"],
        "unknown option 'no_such_option'",
    );
    ctl_err(
        d,
        &p,
        &["set", "num_watchpoints=128"],
        "can only be set at start-up",
    );
    ctl_err(
        d,
        &p,
        &["set", "num_watchpoints=128"],
        "sets the watchpoint capacity",
    );
    ctl_err(
        d,
        &p,
        &["set", "log_path=/tmp/x"],
        "can only be set at start-up",
    );
    // A contradiction between options is refused as a whole.
    ctl_err(
        d,
        &p,
        &["set", "permissive=1"],
        "requires report_value_change_only=1",
    );
    assert_eq!(
        ctl_ok(d, &p, &["get"]),
        before,
        "failed commands change nothing"
    );

    // Raw protocol abuse: too long, not UTF-8, nothing at all.
    let path = p.socket(p.pid);
    let raw = |bytes: &[u8]| -> String {
        let mut s = UnixStream::connect(&path).unwrap();
        s.set_read_timeout(Some(LIMIT)).unwrap();
        // The server may stop reading once the command is too long.
        let _ = s.write_all(bytes);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut reply = Vec::new();
        let _ = s.read_to_end(&mut reply);
        String::from_utf8_lossy(&reply).into_owned()
    };
    let reply = raw(&vec![b'x'; 100_000]);
    assert!(
        reply.starts_with("error: command longer than 4096 bytes"),
        "{reply}"
    );
    let reply = raw(b"get \xff\xfe\n");
    assert!(
        reply.starts_with("error: the command is not valid UTF-8"),
        "{reply}"
    );
    let reply = raw(b"");
    assert!(reply.starts_with("error: empty command"), "{reply}");
    let reply = raw(b"  get skip_watch  \nignored\n");
    assert_eq!(reply, format!("ok\n{}", default_skip_watch()));

    // The CLI's own errors: no such process, a process without a socket.
    let o = ctl(d, &["999999999", "stats"], None);
    assert_eq!(o.code(), Some(1), "{}", o.describe());
    assert!(
        o.stderr.contains("no such process: 999999999"),
        "{}",
        o.describe()
    );
    let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
    let o = ctl(d, &[&sleeper.id().to_string(), "stats"], None);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(o.code(), Some(1), "{}", o.describe());
    assert!(
        o.stderr.contains("has no control socket") && o.stderr.contains("control=0"),
        "{}",
        o.describe()
    );
    let o = ctl(d, &["not-a-pid", "stats"], None);
    assert_eq!(o.code(), Some(2), "a usage error:\n{}", o.describe());

    // The program is unharmed: it answers and ends normally (no reports:
    // it ran switched off).
    assert!(ctl_ok(d, &p, &["stats"]).starts_with("enabled: 0\n"));
    let status = p.finish();
    assert_eq!(status.code(), Some(0), "{}", p.describe());
    assert!(
        !p.stderr().contains("kcsan"),
        "no runtime message:\n{}",
        p.describe()
    );
}

#[test]
fn hung_clients_block_neither_the_server_nor_the_program() {
    let dir = support::scratch("ctl-hung");
    let d = dir.path();
    let mut p = Prog::start(d, "", &[], None);
    let path = p.socket(p.pid);

    // One client connects and says nothing; another sends half a command.
    let mut silent = UnixStream::connect(&path).unwrap();
    let mut partial = UnixStream::connect(&path).unwrap();
    partial.write_all(b"sta").unwrap();

    // A well-behaved client behind them still gets its answer.
    let stats = ctl_ok(d, &p, &["stats"]);
    assert!(stats.starts_with("enabled: 1\n"), "{stats}");

    // The hung clients were dropped with an error reply after their budget.
    for s in [&mut silent, &mut partial] {
        s.set_read_timeout(Some(LIMIT)).unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("error: no command within"), "{reply}");
    }

    // Twenty idle clients: a well-behaved one is answered at once, while
    // they are all still waiting (none has had its timeout reply yet), not
    // after their timeouts one by one.
    let idle: Vec<UnixStream> = (0..20)
        .map(|_| UnixStream::connect(&path).unwrap())
        .collect();
    let stats = ctl_ok(d, &p, &["stats"]);
    assert!(stats.starts_with("enabled: 1\n"), "{stats}");
    for mut s in &idle {
        s.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        match s.read(&mut byte) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("an idle client was answered before the busy one: {other:?}"),
        }
    }
    drop(idle);

    // A payload over the command limit gets an error reply, not a reset.
    let mut big = UnixStream::connect(&path).unwrap();
    big.write_all(&vec![b'x'; 10_000]).unwrap();
    big.shutdown(std::net::Shutdown::Write).unwrap();
    big.set_read_timeout(Some(LIMIT)).unwrap();
    let mut reply = String::new();
    big.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("error: command longer than 4096 bytes"),
        "{reply}"
    );

    // A client hangs while the program ends: the program does not wait.
    let _hung = UnixStream::connect(&path).unwrap();
    let status = p.finish();
    assert!(
        matches!(status.code(), Some(0 | 66)),
        "the program ends normally: {status:?}\n{}",
        p.describe()
    );
    assert!(!path.exists(), "the socket is removed at exit");
}

#[test]
fn control_off_means_no_socket_and_no_thread() {
    let dir = support::scratch("ctl-off");
    let d = dir.path();
    let threads = |pid: u32| -> Vec<String> {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .flatten()
            .map(|t| {
                std::fs::read_to_string(t.path().join("comm"))
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
            .collect()
    };

    let mut on = Prog::start(&d.join("on"), "", &[], None);
    assert!(
        threads(on.pid).contains(&"kcsan-control".to_owned()),
        "{:?}",
        threads(on.pid)
    );
    on.finish();

    let mut off = Prog::start(&d.join("off"), "control=0", &[], None);
    assert!(
        !threads(off.pid).contains(&"kcsan-control".to_owned()),
        "{:?}",
        threads(off.pid)
    );
    assert!(!off.socket(off.pid).exists());
    let o = ctl(d, &[&off.pid.to_string(), "stats"], None);
    assert_eq!(o.code(), Some(1), "{}", o.describe());
    assert!(
        o.stderr.contains("has no control socket"),
        "{}",
        o.describe()
    );
    off.finish();
}

#[test]
fn a_forked_child_serves_its_own_socket() {
    let dir = support::scratch("ctl-fork");
    let d = dir.path();
    let mut p = Prog::start(d, "", &["fork"], None);
    let parent = p.wait_line("parent");
    assert_ne!(parent, p.pid, "the racing process is the child");

    // The parent serves its socket; the child starts its own at its first
    // watchpoint (it races, so that comes soon).
    let o = ctl(d, &[&parent.to_string(), "stats"], None);
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    wait_until(
        "the child's socket",
        || p.socket(p.pid).exists().then_some(()),
        || p.describe(),
    );
    let stats = ctl_ok(d, &p, &["stats"]);
    assert!(
        counter(&stats, "setup_watchpoints") > 0,
        "the child's own counters: {stats}"
    );
    // The child's options are its own.
    ctl_ok(d, &p, &["set", "skip_watch=77"]);
    let o = ctl(d, &[&parent.to_string(), "get", "skip_watch"], None);
    assert_eq!(o.stdout, default_skip_watch(), "{}", o.describe());

    p.finish();
    assert!(!p.socket(p.pid).exists(), "the child removed its socket");
    assert!(!p.socket(parent).exists(), "the parent removed its socket");
}

#[test]
fn a_program_that_closes_our_descriptor_is_unharmed() {
    let dir = support::scratch("ctl-closefds");
    let d = dir.path();
    // exitcode=0: the program's own exit status, not the one for reports.
    let mut p = Prog::start(d, "exitcode=0", &["closefds"], None);
    // The program's socket also holds the number kcsan's socket had.
    let _ = p.wait_line("app");
    // The server may still be in the accept it started on its socket before
    // the program closed the descriptor; it answers that connection, then
    // sees that the number now belongs to the program's socket and stops.
    let first = ctl(d, &[&p.pid.to_string(), "stats"], None);
    assert!(matches!(first.code(), Some(0 | 1)), "{}", first.describe());
    wait_until(
        "the server to stop",
        || {
            let o = ctl(d, &[&p.pid.to_string(), "stats"], None);
            (o.code() == Some(1) && o.stderr.contains("is stale")).then_some(())
        },
        || p.describe(),
    );
    // A client of the program's socket is the program's, not kcsan's.
    let app = p.stop.with_extension("app");
    let _client = UnixStream::connect(&app).unwrap();
    let status = p.finish();
    assert_ne!(
        status.code(),
        Some(4),
        "kcsan's server took the program's connection"
    );
    assert_eq!(status.code(), Some(0), "{}", p.describe());
    assert!(
        !p.socket(p.pid).exists(),
        "the socket file is still removed at exit"
    );
}

#[test]
fn another_user_is_refused() {
    let dir = support::scratch("ctl-users");
    let d = dir.path();
    if !is_root() {
        // One uid only: the directory and socket modes are checked in
        // `commands_work_on_a_running_program`, the peer check by the unit
        // tests of kcsan_core::control.
        eprintln!("another_user_is_refused: not root, only the modes are checked");
        let mut p = Prog::start(d, "", &[], None);
        let meta = std::fs::metadata(p.xdg.join("kcsan")).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o700);
        p.finish();
        return;
    }
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();

    // 1. A root program; a client that dropped to nobody cannot reach the
    //    socket: the directory keeps it out (EACCES), whatever the socket.
    let mut p = Prog::start(&d.join("root"), "", &[], None);
    let path =
        std::ffi::CString::new(p.socket(p.pid).into_os_string().into_encoded_bytes()).unwrap();
    assert_eq!(
        connect_as(NOBODY, &path),
        Err(libc::EACCES),
        "nobody must not connect"
    );
    assert_eq!(connect_as(0, &path), Ok(()), "the owner connects");
    // `kcsan ctl` run by nobody says so.
    let o = ctl(d, &[&p.pid.to_string(), "stats"], Some(NOBODY));
    assert_eq!(o.code(), Some(1), "{}", o.describe());
    assert!(o.stderr.contains("permission denied"), "{}", o.describe());
    p.finish();

    // 2. A program run by nobody; root passes the directory and socket
    //    modes (it may), so the server's peer-credential check refuses it.
    let mut p = Prog::start(&d.join("nobody"), "", &[], Some(NOBODY));
    let o = ctl(d, &[&p.pid.to_string(), "stats"], None);
    assert_eq!(o.code(), Some(1), "{}", o.describe());
    assert!(
        o.stderr
            .contains("permission denied: uid 0 may not control this process"),
        "the server refuses root: {}",
        o.describe()
    );
    // Its own user is served.
    let o = ctl(d, &[&p.pid.to_string(), "stats"], Some(NOBODY));
    assert_eq!(o.code(), Some(0), "{}", o.describe());
    assert!(o.stdout.starts_with("enabled: 1\n"), "{}", o.describe());
    p.finish();
}

/// Connects to the Unix socket `path` from a forked child running as `uid`:
/// `Ok` if it connected, else the child's errno. The child makes only
/// async-signal-safe calls (the test process has threads).
fn connect_as(uid: u32, path: &std::ffi::CStr) -> Result<(), i32> {
    // SAFETY: sockaddr_un is plain data; zeroed is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.to_bytes();
    assert!(bytes.len() < addr.sun_path.len());
    for (d, s) in addr.sun_path.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    // SAFETY: between fork and _exit the child calls only async-signal-safe
    // functions on memory prepared before the fork.
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            if libc::setgid(uid) != 0 || libc::setuid(uid) != 0 {
                libc::_exit(100);
            }
            let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
            let r = libc::connect(
                fd,
                (&raw const addr).cast(),
                std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
            );
            let code = if r == 0 { 0 } else { *libc::__errno_location() };
            libc::_exit(code);
        }
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        assert!(libc::WIFEXITED(status), "the connecting child crashed");
        match libc::WEXITSTATUS(status) {
            0 => Ok(()),
            100 => panic!("the child could not drop to uid {uid}"),
            e => Err(e),
        }
    }
}

/// `get skip_watch`'s reply for a program running with the defaults.
fn default_skip_watch() -> String {
    format!(
        "skip_watch={}\n",
        kcsan_core::config::Flags::DEFAULT.skip_watch
    )
}
