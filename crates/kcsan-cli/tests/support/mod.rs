//! Shared helpers of the `kcsan` integration tests (`c_scenarios.rs`, `cli.rs`).
//!
//! - where the tools are: the `kcsan` binary cargo built for this test run, and
//!   the runtime `libkcsan_rt.a` that must sit beside it;
//! - running a program with a time limit, capturing its output to files (so a
//!   forked child that outlives its parent cannot hang the test) and killing its
//!   whole process group if it hangs;
//! - splitting stderr into KCSAN reports (the text between two 66-`=` rules);
//! - a tiny line matcher: literal text with `{{regex}}` placeholders, where the
//!   regex is a small subset (see [`Pattern`]). The `regex` crate is not a
//!   dependency of this package, and the subset is all the tests need.

#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ===== Where things are =====

/// The rule that opens and closes a report: 66 `=`.
pub const RULE: &str = "==================================================================";

/// The repository root (this file is `crates/kcsan-cli/tests/support/mod.rs`).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `tests/c/` of the repository: the C scenarios.
pub fn scenario_dir() -> PathBuf {
    repo_root().join("tests/c")
}

/// The repository's `include/` (kcsan.h).
pub fn include_dir() -> PathBuf {
    repo_root().join("include")
}

/// The `kcsan` binary cargo built for this test run, after checking that the
/// runtime library the wrappers link is beside it.
pub fn kcsan() -> PathBuf {
    static CHECKED: OnceLock<PathBuf> = OnceLock::new();
    CHECKED
        .get_or_init(|| {
            let bin = PathBuf::from(env!("CARGO_BIN_EXE_kcsan"));
            let dir = bin.parent().expect("the kcsan binary has a directory");
            let rt = dir.join("libkcsan_rt.a");
            assert!(
                rt.is_file(),
                "\n\nThe runtime library {} is missing.\n\
                 `kcsan cc` links it from the directory of the kcsan binary, and `cargo test -p \
                 kcsan-cli` does not build it (kcsan-cli does not depend on kcsan-rt).\n\
                 Run `cargo build --release` (or `cargo build` for a debug test run) from the \
                 workspace root first, then rerun the tests.\n",
                rt.display()
            );
            bin
        })
        .clone()
}

/// Whether `program --version` runs (a compiler is installed).
pub fn have_program(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether clang-22 and clang++-22 are installed (cached).
pub fn have_clang() -> bool {
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| have_program("clang-22") && have_program("clang++-22"))
}

/// A fresh scratch directory for one test, removed when dropped (unless
/// [`keep`] was called: failing tests keep theirs for inspection).
pub fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("kcsan-test-{name}-"))
        .tempdir()
        .expect("cannot create a scratch directory")
}

/// Keeps a scratch directory after the test (for a failure message).
pub fn keep(dir: &mut tempfile::TempDir) -> PathBuf {
    dir.disable_cleanup(true);
    dir.path().to_path_buf()
}

// ===== Running programs =====

/// What a finished (or killed) program did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The command line, for messages.
    pub command: String,
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    /// It ran past its time limit and was killed.
    pub timed_out: bool,
    pub elapsed: Duration,
    /// The pid of the process that was started.
    pub pid: u32,
}

impl Outcome {
    /// The exit code, or `None` if killed by a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    /// "exit status 1", "signal 11", "timed out after 60 s".
    pub fn how(&self) -> String {
        if self.timed_out {
            return format!(
                "timed out after {:.1} s and was killed",
                self.elapsed.as_secs_f64()
            );
        }
        match self.status {
            Some(s) => match (s.code(), s.signal()) {
                (Some(c), _) => format!("exit status {c}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                _ => "ended".to_owned(),
            },
            None => "did not run".to_owned(),
        }
    }

    /// Everything it printed, for failure messages.
    pub fn describe(&self) -> String {
        format!(
            "$ {}\n({}, {:.2} s)\n--- stdout ---\n{}--- stderr ---\n{}",
            self.command,
            self.how(),
            self.elapsed.as_secs_f64(),
            clip(&self.stdout, 3000),
            clip(&self.stderr, 12000)
        )
    }
}

/// Runs `cmd` to completion, at most `limit`, with stdin closed and stdout and
/// stderr captured through files in `dir` (named after `tag`). The program runs
/// in its own process group, which is killed as a whole if it hangs.
pub fn run_captured(cmd: &mut Command, dir: &Path, tag: &str, limit: Duration) -> Outcome {
    let out_path = dir.join(format!("{tag}.stdout"));
    let err_path = dir.join(format!("{tag}.stderr"));
    let command = display_command(cmd);
    let out = fs::File::create(&out_path).expect("cannot create a capture file");
    let err = fs::File::create(&err_path).expect("cannot create a capture file");
    let start = Instant::now();
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start {command}: {e}"),
    };
    let pid = child.id();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {}
            Err(e) => panic!("waiting for {command}: {e}"),
        }
        if start.elapsed() > limit {
            timed_out = true;
            // SAFETY: kill(2) on the process group we created for this child.
            unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    Outcome {
        command,
        status,
        stdout: String::from_utf8_lossy(&fs::read(&out_path).unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&fs::read(&err_path).unwrap_or_default()).into_owned(),
        timed_out,
        elapsed,
        pid,
    }
}

/// A command as a shell line one can paste to reproduce it: the variables it
/// sets, the program and its arguments (quoted where needed), and where it
/// runs.
pub fn display_command(cmd: &Command) -> String {
    fn quote(s: &str) -> String {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
        {
            s.to_owned()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    }
    let mut parts = Vec::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            parts.push(format!(
                "{}={}",
                k.to_string_lossy(),
                quote(&v.to_string_lossy())
            ));
        }
    }
    parts.push(quote(&cmd.get_program().to_string_lossy()));
    parts.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    let mut line = parts.join(" ");
    if let Some(dir) = cmd.get_current_dir() {
        line = format!("(cd {} && {line})", quote(&dir.to_string_lossy()));
    }
    line
}

/// A command with none of the user's KCSAN_* settings (the tests choose).
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for var in [
        "KCSAN_OPTIONS",
        "KCSAN_CC",
        "KCSAN_CXX",
        "KCSAN_VERBOSE",
        "KCSAN_RUNTIME_DIR",
        "KCSAN_INCLUDE_DIR",
        "KCSAN_WEAK_MEMORY",
        "KCSAN_LTO",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `s`, shortened to about `max` bytes: its head and its tail, with a note of
/// what was cut.
pub fn clip(s: &str, max: usize) -> String {
    let mut out = if s.len() <= max {
        s.to_owned()
    } else {
        let head = floor_char(s, max / 3);
        let tail = ceil_char(s, s.len() - (max - head));
        format!(
            "{}\n[... {} bytes cut ...]\n{}",
            &s[..head],
            tail - head,
            &s[tail..]
        )
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

// ===== Reports =====

/// One KCSAN report: the lines between an opening and a closing rule.
#[derive(Debug, Clone)]
pub struct Report {
    /// The lines, without the rules (the first is the `BUG: KCSAN:` title).
    pub lines: Vec<String>,
    /// The pid of the footer's `PID: N`, if present.
    pub pid: Option<u32>,
}

impl Report {
    pub fn title(&self) -> &str {
        self.lines.first().map(String::as_str).unwrap_or("")
    }

    pub fn text(&self) -> String {
        let mut s = format!("{RULE}\n");
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s.push_str(RULE);
        s.push('\n');
        s
    }
}

/// The reports in `text`: each starts at a rule line followed by a
/// `BUG: KCSAN:` title and ends at the next rule line. A report cut off by the
/// end of the text is kept too (a crash mid-report is worth seeing).
pub fn split_reports(text: &str) -> Vec<Report> {
    let lines: Vec<&str> = text.lines().collect();
    let mut reports = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == RULE
            && lines
                .get(i + 1)
                .is_some_and(|l| l.starts_with("BUG: KCSAN:"))
        {
            let mut body = Vec::new();
            let mut j = i + 1;
            while j < lines.len() && lines[j] != RULE {
                body.push(lines[j].to_owned());
                j += 1;
            }
            let pid = body.iter().rev().find_map(|l| footer_pid(l));
            reports.push(Report { lines: body, pid });
            i = j + 1;
        } else {
            i += 1;
        }
    }
    reports
}

/// The `N` of a footer line `CPU: 1 PID: N TID: ...`.
fn footer_pid(line: &str) -> Option<u32> {
    let rest = line.strip_prefix("CPU: ")?;
    let after = &rest[rest.find(" PID: ")? + 6..];
    after.split_whitespace().next()?.parse().ok()
}

// ===== Patterns =====

/// A line pattern: literal text in which `{{...}}` holds a small regex.
///
/// The pattern matches if it matches any part of a line (a substring search,
/// as FileCheck's `CHECK:`). The regex subset inside `{{ }}`:
///
/// | syntax | meaning |
/// |---|---|
/// | `x` | the character `x` |
/// | `\x` | `x` literally (`\.`, `\[`, `\+`, `\(`, `\|`, `\\`...); `\d` a digit, `\s` a space or tab, `\w` `[A-Za-z0-9_]` |
/// | `.` | any character |
/// | `[abc]`, `[a-f0-9]`, `[^ ]` | a character class, ranges, negation |
/// | `(ab\|cd)` | a group of alternatives |
/// | `*`, `+`, `?` | after an item or group: 0 or more, 1 or more, 0 or 1 (greedy, backtracking) |
/// | `^`, `$` | start, end of the line |
///
/// No counted repetition, no back-references. Everything outside `{{ }}` is
/// literal, `[`, `(`, `.` and `*` included.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
enum Atom {
    Char(char),
    Any,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// Alternatives, each a sequence.
    Group(Vec<Vec<Item>>),
    Start,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    One,
    Star,
    Plus,
    Opt,
}

#[derive(Debug, Clone)]
struct Item {
    atom: Atom,
    repeat: Repeat,
}

impl Pattern {
    /// Compiles `source`.
    ///
    /// # Panics
    /// On a malformed pattern (an unclosed `{{`, `[` or `(`, a dangling `\`
    /// or quantifier), naming the pattern.
    pub fn new(source: &str) -> Pattern {
        let literal = |text: &str| {
            text.chars()
                .map(|c| Item {
                    atom: Atom::Char(c),
                    repeat: Repeat::One,
                })
                .collect::<Vec<_>>()
        };
        let mut items = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            items.extend(literal(&rest[..open]));
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .unwrap_or_else(|| panic!("pattern `{source}`: `{{{{` without `}}}}`"));
            let re = &after[..close];
            let mut p = Parser {
                chars: re.chars().collect(),
                pos: 0,
                source,
                re,
            };
            let alternatives = p.alternatives();
            if p.pos != p.chars.len() {
                p.bad("an unmatched `)`");
            }
            match <[Vec<Item>; 1]>::try_from(alternatives) {
                Ok([seq]) => items.extend(seq),
                Err(alts) => items.push(Item {
                    atom: Atom::Group(alts),
                    repeat: Repeat::One,
                }),
            }
            rest = &after[close + 2..];
        }
        items.extend(literal(rest));
        Pattern {
            source: source.to_owned(),
            items,
        }
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches somewhere in `line`.
    pub fn is_match(&self, line: &str) -> bool {
        let chars: Vec<char> = line.chars().collect();
        (0..=chars.len()).any(|start| match_seq(&self.items, &chars, start, &|_| true))
    }
}

/// Parses the regex inside one `{{ }}`.
struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    source: &'a str,
    re: &'a str,
}

impl Parser<'_> {
    fn bad(&self, what: &str) -> ! {
        panic!("pattern `{}`: {what} in `{{{{{}}}}}`", self.source, self.re)
    }

    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        self.pos += c.is_some() as usize;
        c
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// `seq | seq | ...` up to a `)` or the end.
    fn alternatives(&mut self) -> Vec<Vec<Item>> {
        let mut alts = vec![self.sequence()];
        while self.peek() == Some('|') {
            self.pos += 1;
            alts.push(self.sequence());
        }
        alts
    }

    fn sequence(&mut self) -> Vec<Item> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            self.pos += 1;
            let atom = match c {
                '.' => Atom::Any,
                '^' => Atom::Start,
                '$' => Atom::End,
                '\\' => {
                    let e = self.next().unwrap_or_else(|| self.bad("a dangling `\\`"));
                    escape(e)
                }
                '(' => {
                    let alts = self.alternatives();
                    if self.next() != Some(')') {
                        self.bad("an unclosed `(`");
                    }
                    Atom::Group(alts)
                }
                '[' => self.class(),
                '*' | '+' | '?' => self.bad("a quantifier with nothing to repeat"),
                c => Atom::Char(c),
            };
            let repeat = match self.peek() {
                Some('*') => Repeat::Star,
                Some('+') => Repeat::Plus,
                Some('?') => Repeat::Opt,
                _ => Repeat::One,
            };
            if repeat != Repeat::One {
                self.pos += 1;
                if matches!(atom, Atom::Start | Atom::End) {
                    self.bad("a quantifier after an anchor");
                }
            }
            items.push(Item { atom, repeat });
        }
        items
    }

    /// After `[`: `^`? then items up to `]` (a leading `]` is literal).
    fn class(&mut self) -> Atom {
        let negated = self.peek() == Some('^');
        self.pos += negated as usize;
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.next().unwrap_or_else(|| self.bad("an unclosed `[`"));
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                match escape(self.next().unwrap_or_else(|| self.bad("a dangling `\\`"))) {
                    Atom::Char(x) => x,
                    Atom::Class { ranges: r, .. } => {
                        ranges.extend(r);
                        continue;
                    }
                    _ => unreachable!("escape() gives a char or a class"),
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1) != Some(&']') {
                self.pos += 1;
                let hi = self.next().unwrap_or_else(|| self.bad("an unclosed `[`"));
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Atom::Class { negated, ranges }
    }
}

fn escape(c: char) -> Atom {
    let class = |ranges: Vec<(char, char)>| Atom::Class {
        negated: false,
        ranges,
    };
    match c {
        'd' => class(vec![('0', '9')]),
        's' => class(vec![(' ', ' '), ('\t', '\t')]),
        'w' => class(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]),
        c => Atom::Char(c),
    }
}

/// Matches `items` at `pos`, then calls `k` with the end position; true if
/// some way of matching makes `k` true (backtracking, greedy first).
fn match_seq(items: &[Item], s: &[char], pos: usize, k: &dyn Fn(usize) -> bool) -> bool {
    let Some((item, rest)) = items.split_first() else {
        return k(pos);
    };
    let then = |p: usize| match_seq(rest, s, p, k);
    match item.repeat {
        Repeat::One => match_one(&item.atom, s, pos, &then),
        Repeat::Opt => match_one(&item.atom, s, pos, &then) || then(pos),
        Repeat::Star => match_many(&item.atom, s, pos, &then),
        Repeat::Plus => match_one(&item.atom, s, pos, &|p| match_many(&item.atom, s, p, &then)),
    }
}

/// Zero or more of `atom`, greedy. A repetition that consumed nothing stops
/// (so `(a?)*` terminates).
fn match_many(atom: &Atom, s: &[char], pos: usize, k: &dyn Fn(usize) -> bool) -> bool {
    match_one(atom, s, pos, &|p| p > pos && match_many(atom, s, p, k)) || k(pos)
}

fn match_one(atom: &Atom, s: &[char], pos: usize, k: &dyn Fn(usize) -> bool) -> bool {
    match atom {
        Atom::Start => pos == 0 && k(pos),
        Atom::End => pos == s.len() && k(pos),
        Atom::Group(alts) => alts.iter().any(|alt| match_seq(alt, s, pos, k)),
        Atom::Char(x) => s.get(pos) == Some(x) && k(pos + 1),
        Atom::Any => pos < s.len() && k(pos + 1),
        Atom::Class { negated, ranges } => {
            s.get(pos)
                .is_some_and(|&c| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated)
                && k(pos + 1)
        }
    }
}

/// Matches `patterns` in order against `lines`: each pattern must match a
/// line after the line the previous one matched. Returns how many matched
/// (all of them: success).
pub fn match_in_order(patterns: &[Pattern], lines: &[String]) -> usize {
    let mut next_line = 0;
    for (i, p) in patterns.iter().enumerate() {
        match lines[next_line..].iter().position(|l| p.is_match(l)) {
            Some(k) => next_line += k + 1,
            None => return i,
        }
    }
    patterns.len()
}
