//! `kcsan triage [--json] [--top N] FILE...`: group the KCSAN reports found in
//! logs and count them.
//!
//! Inputs are logs of ours (the runtime's stderr or its `log_path.<pid>`
//! files, other program output allowed between reports) and kernel logs
//! (dmesg, syzbot console logs, syslog), whose lines may carry a prefix:
//! `<3>`, a timestamp `[  123.456789]`, a caller id `[ T1234]` / `[ C1]`, or a
//! syslog `Nov 22 01:02:03 host kernel: `. `-` reads standard input.
//!
//! Reports are grouped by their title (`BUG: KCSAN: data-race in f1 / f2`,
//! `BUG: KCSAN: assert: race in ...`; an unknown-origin title
//! `... in func+0x38/0x67` is grouped by `func`, without the offset) and the
//! two access kinds, sorted (`read` vs `write (marked)`). A report whose
//! access lines were lost (truncated, interleaved) joins the one group with
//! its title whose accesses include the ones it has, or else a group of its
//! own with `?` for the missing kinds.
//!
//! Damaged reports are kept as far as they parse, and counted:
//! - **interleaved**: another report's title (with or without its opening
//!   rule), or another `BUG:`/`WARNING:` splat, came right after its lines
//!   and before its `Reported by` footer; or it holds lines of two reports (a
//!   third access, a second `value changed` or footer);
//! - **truncated**: it ended before its closing `====` rule otherwise: at the
//!   end of a file; after its footer (its rule missing); or before its footer
//!   and followed by other output (a crash message, the next run's output)
//!   or by a rule that opens no report.
//!
//! Lines outside reports (program output, other kernel messages) are skipped
//! and counted (blank lines are not); lines inside a report that are none of
//! its known lines are counted as unparsed.
//!
//! # Output
//!
//! The table lists the groups by count, descending (then by first sighting):
//!
//! ```text
//! COUNT  TITLE                                                 ACCESSES        FIRST SEEN   LAST SEEN
//!     2  BUG: KCSAN: data-race in do_the_work1 / do_the_work2  read vs write   ours.log:4   ours.log:26
//!     1  BUG: KCSAN: data-race in do_the_work1 / do_the_work2  write vs write  ours.log:48  ours.log:48
//! triage: 3 reports in 2 groups; 0 reports were truncated, 0 interleaved; 10 lines outside reports ignored
//! ```
//!
//! "First seen" and "last seen" are the timestamp of the title line's prefix
//! if it had one, else `file:line` (`<stdin>` for `-`). The `triage:` line goes
//! to standard output after the table, to standard error with `--json`.
//!
//! `--json` prints JSON Lines: one object per group, then one summary object.
//! A group (`"type":"group"`):
//!
//! | field | meaning |
//! |---|---|
//! | `title` | the group's title (unknown origin: without the offset) |
//! | `bug_type` | `data-race` or `assert: race` |
//! | `unknown_origin` | true for `race at unknown origin` reports |
//! | `accesses` | the access kinds, sorted; one for unknown origin; `?` if lost |
//! | `count` | reports in the group |
//! | `truncated`, `interleaved` | how many of them were damaged |
//! | `first_seen`, `last_seen` | `{"file", "line", "time"}`; `time` is the prefix's timestamp or null |
//! | `processes` | `{"pid", "comm", "exe"}` from the footers (`exe` null in kernel logs), distinct |
//! | `tasks` | the task (thread) ids of the access lines, distinct, sorted |
//! | `top_frames` | the first frame after each access line, distinct, in order seen |
//! | `value_changes` | the `old -> new` values, distinct, at most 20 |
//!
//! The summary (`"type":"summary"`): `reports`, `groups`, `truncated`,
//! `interleaved`, `skipped_lines` (lines outside reports), `unparsed_lines`,
//! `files`. `--top` limits the groups printed, not the totals.
//!
//! Worked example: `kcsan triage --json dmesg.txt` on a dmesg holding the two
//! example reports of the kernel's kcsan.rst (at 12.345678 and 13.5) and one
//! other line prints:
//!
//! ```text
//! {"type":"group","title":"BUG: KCSAN: data-race in test_kernel_read / test_kernel_write","bug_type":"data-race","unknown_origin":false,"accesses":["read","write"],"count":1,"truncated":0,"interleaved":0,"first_seen":{"file":"dmesg.txt","line":3,"time":"12.345678"},"last_seen":{"file":"dmesg.txt","line":3,"time":"12.345678"},"processes":[{"pid":488,"comm":"access_thread","exe":null}],"tasks":[487,488],"top_frames":["test_kernel_write+0x1d/0x30","test_kernel_read+0x10/0x20"],"value_changes":["0x00000000000009a6 -> 0x00000000000009b2"]}
//! {"type":"group","title":"BUG: KCSAN: data-race in test_kernel_rmw_array","bug_type":"data-race","unknown_origin":true,"accesses":["read"],"count":1,"truncated":0,"interleaved":0,"first_seen":{"file":"dmesg.txt","line":24,"time":"13.500000"},"last_seen":{"file":"dmesg.txt","line":24,"time":"13.500000"},"processes":[{"pid":515,"comm":"access_thread","exe":null}],"tasks":[515],"top_frames":["test_kernel_rmw_array+0x71/0xd0"],"value_changes":["0x0000000000002328 -> 0x0000000000002329"]}
//! {"type":"summary","reports":2,"groups":2,"truncated":0,"interleaved":0,"skipped_lines":1,"unparsed_lines":0,"files":["dmesg.txt"]}
//! ```
//!
//! Exit status: 0 no report found, 1 reports found, 2 error (e.g. a file that
//! cannot be read).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

/// Distinct value changes kept per group.
const MAX_VALUE_CHANGES: usize = 20;

/// Where a report's title line was.
#[derive(Debug, Clone)]
struct Seen {
    file: usize,
    line: usize,
    time: Option<String>,
}

/// One parsed (possibly damaged) report.
#[derive(Debug)]
struct Report {
    title: String,
    bug_type: String,
    unknown_origin: bool,
    seen: Seen,
    accesses: Vec<String>,
    tasks: Vec<u64>,
    top_frames: Vec<String>,
    value_change: Option<String>,
    process: Option<(u64, String, Option<String>)>,
    /// The last access line's top frame is still to come.
    want_frame: bool,
    footer: bool,
    /// Unrecognised lines since its last recognised one.
    tail_unparsed: usize,
    truncated: bool,
    interleaved: bool,
}

impl Report {
    fn expected_accesses(&self) -> usize {
        if self.unknown_origin { 1 } else { 2 }
    }
}

/// A group of reports.
#[derive(Debug)]
struct Group {
    title: String,
    bug_type: String,
    unknown_origin: bool,
    accesses: Vec<String>,
    count: usize,
    truncated: usize,
    interleaved: usize,
    first: Seen,
    last: Seen,
    processes: Vec<(u64, String, Option<String>)>,
    tasks: Vec<u64>,
    top_frames: Vec<String>,
    value_changes: Vec<String>,
}

/// Parser state over all inputs.
#[derive(Debug, Default)]
struct Parser {
    reports: Vec<Report>,
    current: Option<Report>,
    /// A `====` rule was seen outside a report: a report may start.
    pending_rule: bool,
    /// A report whose `====` rule came before its footer.
    closing: Option<Report>,
    skipped: usize,
    unparsed: usize,
}

/// Runs `kcsan triage`.
pub(crate) fn main(json: bool, top: Option<usize>, files: Vec<OsString>) -> Result<ExitCode> {
    let mut names = Vec::new();
    let mut texts = Vec::new();
    for f in &files {
        let (name, bytes) = if f == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read standard input")?;
            ("<stdin>".to_string(), buf)
        } else {
            let name = f.to_string_lossy().into_owned();
            let bytes = std::fs::read(f).with_context(|| format!("cannot read {name}"))?;
            (name, bytes)
        };
        names.push(name);
        texts.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    let mut p = Parser::default();
    for (i, text) in texts.iter().enumerate() {
        for (n, line) in text.lines().enumerate() {
            p.line(i, n + 1, line);
        }
        p.end_of_file();
    }
    let groups = group(std::mem::take(&mut p.reports).as_slice());
    let total: usize = groups.iter().map(|g| g.count).sum();
    let truncated: usize = groups.iter().map(|g| g.truncated).sum();
    let interleaved: usize = groups.iter().map(|g| g.interleaved).sum();
    let shown = &groups[..top.unwrap_or(groups.len()).min(groups.len())];

    let mut out = std::io::stdout().lock();
    let mut note = format!(
        "triage: {} in {}; {} truncated, {} interleaved; {} outside reports ignored",
        plural(total, "report", "reports"),
        plural(groups.len(), "group", "groups"),
        plural_verb(truncated),
        interleaved,
        plural(p.skipped, "line", "lines"),
    );
    if p.unparsed > 0 {
        note.push_str(&format!(
            "; {} inside reports not recognised",
            plural(p.unparsed, "line", "lines")
        ));
    }
    if json {
        for g in shown {
            writeln!(out, "{}", serde_json::to_string(&group_json(g, &names))?)?;
        }
        let summary = SummaryJson {
            r#type: "summary",
            reports: total,
            groups: groups.len(),
            truncated,
            interleaved,
            skipped_lines: p.skipped,
            unparsed_lines: p.unparsed,
            files: &names,
        };
        writeln!(out, "{}", serde_json::to_string(&summary)?)?;
        out.flush()?;
        eprintln!("{note}");
    } else {
        write_table(&mut out, shown, &names)?;
        writeln!(out, "{note}")?;
        out.flush()?;
    }
    Ok(if total > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn plural_verb(n: usize) -> String {
    format!("{n} {}", if n == 1 { "report was" } else { "reports were" })
}

/// Where a sighting is shown in the table: the timestamp, else `file:line`.
fn seen_text(s: &Seen, names: &[String]) -> String {
    match &s.time {
        Some(t) => t.clone(),
        None => format!("{}:{}", names[s.file], s.line),
    }
}

fn accesses_text(g: &Group) -> String {
    if g.unknown_origin {
        format!("{} vs (unknown origin)", g.accesses.join(" vs "))
    } else {
        g.accesses.join(" vs ")
    }
}

fn write_table(out: &mut impl Write, groups: &[Group], names: &[String]) -> Result<()> {
    let rows: Vec<[String; 5]> = groups
        .iter()
        .map(|g| {
            [
                g.count.to_string(),
                // The table shows at most 200 characters of a title, control
                // characters escaped (the JSON output has it whole): a column as wide as a
                // 70,000-character title helps nobody, and the formatter
                // refuses widths over 65,535.
                kcsan_core::config::printable(&g.title),
                accesses_text(g),
                seen_text(&g.first, names),
                seen_text(&g.last, names),
            ]
        })
        .collect();
    let header = ["COUNT", "TITLE", "ACCESSES", "FIRST SEEN", "LAST SEEN"];
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        format!(
            "{:>w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2],
            w3 = width[3],
        )
    };
    writeln!(out, "{}", line(header).trim_end())?;
    for r in &rows {
        writeln!(
            out,
            "{}",
            line([&r[0], &r[1], &r[2], &r[3], &r[4]]).trim_end()
        )?;
    }
    Ok(())
}

/// Where a group was seen, in the JSON output.
#[derive(Debug, Serialize)]
struct SeenJson<'a> {
    file: &'a str,
    line: usize,
    time: Option<&'a str>,
}

/// A process from a footer, in the JSON output.
#[derive(Debug, Serialize)]
struct ProcessJson<'a> {
    pid: u64,
    comm: &'a str,
    exe: Option<&'a str>,
}

/// A group, in the JSON output (schema in the module docs).
#[derive(Debug, Serialize)]
struct GroupJson<'a> {
    r#type: &'static str,
    title: &'a str,
    bug_type: &'a str,
    unknown_origin: bool,
    accesses: &'a [String],
    count: usize,
    truncated: usize,
    interleaved: usize,
    first_seen: SeenJson<'a>,
    last_seen: SeenJson<'a>,
    processes: Vec<ProcessJson<'a>>,
    tasks: &'a [u64],
    top_frames: &'a [String],
    value_changes: &'a [String],
}

/// The final summary, in the JSON output.
#[derive(Debug, Serialize)]
struct SummaryJson<'a> {
    r#type: &'static str,
    reports: usize,
    groups: usize,
    truncated: usize,
    interleaved: usize,
    skipped_lines: usize,
    unparsed_lines: usize,
    files: &'a [String],
}

fn seen_json<'a>(s: &'a Seen, names: &'a [String]) -> SeenJson<'a> {
    SeenJson {
        file: &names[s.file],
        line: s.line,
        time: s.time.as_deref(),
    }
}

fn group_json<'a>(g: &'a Group, names: &'a [String]) -> GroupJson<'a> {
    GroupJson {
        r#type: "group",
        title: &g.title,
        bug_type: &g.bug_type,
        unknown_origin: g.unknown_origin,
        accesses: &g.accesses,
        count: g.count,
        truncated: g.truncated,
        interleaved: g.interleaved,
        first_seen: seen_json(&g.first, names),
        last_seen: seen_json(&g.last, names),
        processes: g
            .processes
            .iter()
            .map(|(pid, comm, exe)| ProcessJson {
                pid: *pid,
                comm,
                exe: exe.as_deref(),
            })
            .collect(),
        tasks: &g.tasks,
        top_frames: &g.top_frames,
        value_changes: &g.value_changes,
    }
}

/// Groups reports: complete ones by (title, sorted accesses); then each
/// report missing accesses joins the only group with its title whose
/// accesses include its own, or a group of its own.
fn group(reports: &[Report]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let key_of = |r: &Report| {
        let mut a = r.accesses.clone();
        a.sort();
        a
    };
    let complete = |r: &Report| r.accesses.len() == r.expected_accesses();
    let mut order: Vec<&Report> = reports.iter().filter(|r| complete(r)).collect();
    order.extend(reports.iter().filter(|r| !complete(r)));
    for r in order {
        let acc = key_of(r);
        let idx = if complete(r) {
            groups
                .iter()
                .position(|g| g.title == r.title && g.accesses == acc)
        } else {
            let cands: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.title == r.title && includes(&g.accesses, &acc))
                .map(|(i, _)| i)
                .collect();
            if cands.len() == 1 {
                Some(cands[0])
            } else {
                None
            }
        };
        let idx = match idx {
            Some(i) => i,
            None => {
                let mut accesses = acc.clone();
                while accesses.len() < r.expected_accesses() {
                    accesses.push("?".to_string());
                }
                groups.push(Group {
                    title: r.title.clone(),
                    bug_type: r.bug_type.clone(),
                    unknown_origin: r.unknown_origin,
                    accesses,
                    count: 0,
                    truncated: 0,
                    interleaved: 0,
                    first: r.seen.clone(),
                    last: r.seen.clone(),
                    processes: Vec::new(),
                    tasks: Vec::new(),
                    top_frames: Vec::new(),
                    value_changes: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[idx];
        g.count += 1;
        g.truncated += usize::from(r.truncated);
        g.interleaved += usize::from(r.interleaved);
        if (r.seen.file, r.seen.line) < (g.first.file, g.first.line) {
            g.first = r.seen.clone();
        }
        if (r.seen.file, r.seen.line) > (g.last.file, g.last.line) {
            g.last = r.seen.clone();
        }
        if let Some(p) = &r.process {
            push_unique(&mut g.processes, p.clone());
        }
        for t in &r.tasks {
            push_unique(&mut g.tasks, *t);
        }
        for f in &r.top_frames {
            push_unique(&mut g.top_frames, f.clone());
        }
        if let Some(v) = &r.value_change
            && g.value_changes.len() < MAX_VALUE_CHANGES
        {
            push_unique(&mut g.value_changes, v.clone());
        }
    }
    for g in &mut groups {
        g.tasks.sort_unstable();
    }
    // Stable: equal counts keep the order of first sighting.
    groups.sort_by_key(|g| (g.first.file, g.first.line));
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}

/// Whether multiset `big` includes multiset `small`.
fn includes(big: &[String], small: &[String]) -> bool {
    let mut rest: Vec<&String> = big.iter().collect();
    small.iter().all(|s| {
        rest.iter()
            .position(|b| *b == s)
            .map(|i| rest.remove(i))
            .is_some()
    })
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// Strips a kernel or syslog prefix; returns the rest and the timestamp.
fn strip_prefix(line: &str) -> (&str, Option<String>) {
    let mut rest = line;
    let mut time = None;
    // Syslog: `Nov 22 01:02:03 host tag: `.
    if let Some(r) = syslog_prefix(rest) {
        time = Some(rest[..15].to_string());
        rest = r;
    }
    // Console log level `<3>`.
    if let Some(r) = rest.strip_prefix('<')
        && let Some(end) = r.find('>')
        && end > 0
        && end <= 3
        && r[..end].bytes().all(|b| b.is_ascii_digit())
    {
        rest = &r[end + 1..];
    }
    let mut stripped = false;
    // `[  123.456789]` timestamp.
    if let Some(inner) = bracket(rest) {
        let t = inner.trim();
        if !t.is_empty() && t.contains('.') && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            time = Some(t.to_string());
            rest = &rest[inner.len() + 2..];
            stripped = true;
        }
    }
    // `[ T1234]` / `[ C1]` caller id.
    if let Some(inner) = bracket(rest) {
        let t = inner.trim();
        if t.len() > 1
            && (t.starts_with('T') || t.starts_with('C'))
            && t[1..].bytes().all(|b| b.is_ascii_digit())
        {
            rest = &rest[inner.len() + 2..];
            stripped = true;
        }
    }
    if stripped {
        rest = rest.strip_prefix(' ').unwrap_or(rest);
    }
    (rest, time)
}

/// The text between a leading `[` and the first `]`, if short.
fn bracket(s: &str) -> Option<&str> {
    let r = s.strip_prefix('[')?;
    let end = r.find(']')?;
    (end <= 20).then(|| &r[..end])
}

/// `Mon DD HH:MM:SS host tag: rest` -> `rest`.
fn syslog_prefix(line: &str) -> Option<&str> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = line.as_bytes();
    // Byte offsets below: the first 16 bytes must be one-byte characters.
    if b.len() < 16 || !b[..16].is_ascii() || !MONTHS.contains(&&line[..3]) {
        return None;
    }
    let ok = b[3] == b' '
        && (b[4] == b' ' || b[4].is_ascii_digit())
        && b[5].is_ascii_digit()
        && b[6] == b' '
        && b[9] == b':'
        && b[12] == b':'
        && b[15] == b' ';
    if !ok {
        return None;
    }
    let after = &line[16..];
    let host_end = after.find(' ')?;
    let tag = &after[host_end + 1..];
    let colon = tag.find(": ")?;
    if tag[..colon].contains(' ') {
        return None;
    }
    Some(&tag[colon + 2..])
}

fn is_rule(s: &str) -> bool {
    let t = s.trim();
    t.len() >= 20 && t.bytes().all(|b| b == b'=')
}

/// A title interrupting a report: a KCSAN title or another kernel splat.
fn is_other_title(s: &str) -> bool {
    s.starts_with("BUG: ")
        || s.starts_with("WARNING: ")
        || s.starts_with("Kernel panic")
        || s.starts_with("general protection fault")
}

/// An access line: (kind, task, unknown origin).
fn parse_access(s: &str) -> Option<(String, Option<u64>, bool)> {
    let (s, unknown) = match s.strip_prefix("race at unknown origin, with ") {
        Some(r) => (r, true),
        None => (s, false),
    };
    if !s.ends_with(':') {
        return None;
    }
    let to = s.find(" to 0x")?;
    let kind = &s[..to];
    let rest = &s[to..];
    if kind.is_empty() || !rest.contains(" bytes by ") || !rest.contains(" on cpu ") {
        return None;
    }
    let task = rest
        .split_once("task ")
        .and_then(|(_, t)| t.split(' ').next())
        .and_then(|t| t.parse().ok());
    Some((kind.to_string(), task, unknown))
}

/// The footer's process line: `CPU: n [UID: u] PID: p [TID: t] Comm: c [Exe: e | Not tainted ...]`.
fn parse_cpu_line(s: &str) -> Option<(u64, String, Option<String>)> {
    if !s.starts_with("CPU: ") {
        return None;
    }
    let pid: u64 = s.split_once(" PID: ")?.1.split(' ').next()?.parse().ok()?;
    let comm_rest = s.split_once(" Comm: ")?.1;
    let (comm, exe) = if let Some((c, e)) = comm_rest.split_once(" Exe: ") {
        (c.to_string(), Some(e.trim().to_string()))
    } else {
        let end = [" Not tainted", " Tainted: ", " Tainted"]
            .iter()
            .filter_map(|m| comm_rest.find(m))
            .min()
            .unwrap_or(comm_rest.len());
        (comm_rest[..end].trim().to_string(), None)
    };
    Some((pid, comm, exe))
}

/// Title line -> (group title, bug type, unknown-origin form).
fn parse_title(s: &str) -> Option<(String, String, bool)> {
    let rest = s.strip_prefix("BUG: KCSAN: ")?;
    let (bug_type, funcs) = rest.split_once(" in ")?;
    let funcs = funcs.trim();
    if funcs.contains(" / ") {
        return Some((s.trim().to_string(), bug_type.to_string(), false));
    }
    let func = funcs.split('+').next().unwrap_or(funcs);
    Some((
        format!("BUG: KCSAN: {bug_type} in {func}"),
        bug_type.to_string(),
        funcs.contains('+'),
    ))
}

impl Parser {
    fn line(&mut self, file: usize, lineno: usize, raw: &str) {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (text, time) = strip_prefix(raw);
        let t = text.trim();
        if t.is_empty() {
            return;
        }
        let title = parse_title(t);

        // A report whose rule came before its footer: a new title right
        // after it means another report began before this one was done.
        if let Some(r) = self.closing.take() {
            self.cut(r, title.is_some());
        }

        if let Some((title, bug_type, unknown)) = title {
            if let Some(r) = self.current.take() {
                let mid_report = !r.footer;
                self.cut(r, mid_report);
            }
            self.pending_rule = false;
            self.current = Some(Report {
                title,
                bug_type,
                unknown_origin: unknown,
                seen: Seen {
                    file,
                    line: lineno,
                    time,
                },
                accesses: Vec::new(),
                tasks: Vec::new(),
                top_frames: Vec::new(),
                value_change: None,
                process: None,
                want_frame: false,
                footer: false,
                tail_unparsed: 0,
                truncated: false,
                interleaved: false,
            });
            return;
        }
        if is_rule(t) {
            match self.current.take() {
                Some(r) if r.footer => self.reports.push(r),
                // Its own closing rule after a lost footer, or the next
                // report's opening rule: the next line tells.
                Some(r) => self.closing = Some(r),
                None => {
                    if self.pending_rule {
                        self.skipped += 1;
                    }
                    self.pending_rule = true;
                }
            }
            return;
        }
        if self.pending_rule {
            // The rule did not open a KCSAN report.
            self.pending_rule = false;
            self.skipped += 1;
        }
        let Some(r) = self.current.as_mut() else {
            self.skipped += 1;
            return;
        };
        if is_other_title(t) {
            let r = self.current.take().expect("current report");
            let mid_report = !r.footer;
            self.cut(r, mid_report);
            self.skipped += 1;
            return;
        }
        if r.footer {
            if let Some(p) = parse_cpu_line(t) {
                if r.process.is_none() {
                    r.process = Some(p);
                }
            } else if !(t.starts_with("Hardware name:")
                || t.starts_with("SUMMARY: ")
                || t.starts_with("CPU: "))
            {
                if t == "Reported by Kernel Concurrency Sanitizer on:" {
                    r.interleaved = true;
                    return;
                }
                // Its closing rule is missing: the report ended before this line.
                let r = self.current.take().expect("current report");
                self.cut(r, false);
                self.skipped += 1;
            }
            return;
        }
        if let Some((kind, task, unknown)) = parse_access(t) {
            r.tail_unparsed = 0;
            if r.accesses.len() >= r.expected_accesses() || unknown != r.unknown_origin {
                r.interleaved = true;
                r.want_frame = false;
            } else {
                r.accesses.push(kind);
                if let Some(task) = task {
                    push_unique(&mut r.tasks, task);
                }
                r.want_frame = true;
            }
            return;
        }
        if let Some(v) = t.strip_prefix("value changed: ") {
            r.tail_unparsed = 0;
            if r.value_change.is_some() {
                r.interleaved = true;
            } else {
                r.value_change = Some(v.trim().to_string());
            }
            r.want_frame = false;
            return;
        }
        if t == "Reported by Kernel Concurrency Sanitizer on:" {
            r.tail_unparsed = 0;
            r.footer = true;
            r.want_frame = false;
            return;
        }
        if t.starts_with("bits changed:")
            || t == "|"
            || t.starts_with("+-> reordered to:")
            || t.starts_with("watched again for ")
        {
            r.tail_unparsed = 0;
            return;
        }
        let indented = text.starts_with(' ') || text.starts_with('\t');
        let frame_like = t
            .split_whitespace()
            .next()
            .is_some_and(|w| w.contains("+0x") && w.contains("/0x"));
        if !r.accesses.is_empty() && (indented || frame_like) {
            r.tail_unparsed = 0;
            if r.want_frame {
                r.top_frames.push(t.to_string());
                r.want_frame = false;
            }
            return;
        }
        r.tail_unparsed += 1;
        self.unparsed += 1;
    }

    /// Ends a report before its closing rule. `by_report`: another report
    /// began right after its last line (interleaved); otherwise, or if other
    /// output came after its last line, it was truncated (and that output
    /// was outside it).
    fn cut(&mut self, mut r: Report, by_report: bool) {
        self.unparsed -= r.tail_unparsed;
        self.skipped += r.tail_unparsed;
        if !r.interleaved {
            if by_report && r.tail_unparsed == 0 {
                r.interleaved = true;
            } else {
                r.truncated = true;
            }
        }
        self.reports.push(r);
    }

    fn end_of_file(&mut self) {
        if let Some(r) = self.closing.take() {
            self.cut(r, false);
        }
        if let Some(r) = self.current.take() {
            self.cut(r, false);
        }
        if self.pending_rule {
            self.skipped += 1;
            self.pending_rule = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(
            strip_prefix("[  123.456789][ T1234]  foo+0x1/0x2"),
            (" foo+0x1/0x2", Some("123.456789".to_string()))
        );
        assert_eq!(
            strip_prefix("<3>[   12.3] BUG: x"),
            ("BUG: x", Some("12.3".to_string()))
        );
        assert_eq!(
            strip_prefix("Nov 22 01:02:03 host kernel:  foo+0x1/0x2"),
            (" foo+0x1/0x2", Some("Nov 22 01:02:03".to_string()))
        );
        assert_eq!(
            strip_prefix(" do_it+0x1/0x2 a.c:3"),
            (" do_it+0x1/0x2 a.c:3", None)
        );
        assert_eq!(strip_prefix("[info] hello"), ("[info] hello", None));
    }

    #[test]
    fn titles_and_lines() {
        assert_eq!(
            parse_title("BUG: KCSAN: data-race in reader+0x38/0x67"),
            Some((
                "BUG: KCSAN: data-race in reader".to_string(),
                "data-race".to_string(),
                true
            ))
        );
        assert_eq!(
            parse_access("write (marked) to 0x1 of 8 bytes by interrupt in task 5 on cpu 1:"),
            Some(("write (marked)".to_string(), Some(5), false))
        );
        assert_eq!(
            parse_cpu_line("CPU: 6 PID: 488 Comm: access_thread Not tainted 5.12.0-rc2+ #1"),
            Some((488, "access_thread".to_string(), None))
        );
        assert_eq!(
            parse_cpu_line("CPU: 0 PID: 10 TID: 11 Comm: d Exe: /tmp/d"),
            Some((10, "d".to_string(), Some("/tmp/d".to_string())))
        );
    }
}
