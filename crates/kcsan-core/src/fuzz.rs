//! Seeded fuzzing of the parsers that take user input: `KCSAN_OPTIONS`,
//! suppressions files and live-control commands (issue "Never hang, never
//! corrupt"). Thousands of cases each, from a fixed seed, so a failure is
//! reproducible by its case number; the properties are the ones a user
//! relies on: no panic, and every error message one printable line of
//! bounded length that quotes the input safely. (`fuzz/` has the same
//! entry points as cargo-fuzz targets, for open-ended runs.)

use crate::config::Flags;
use crate::control;
use crate::report::suppress::Suppressions;

/// A small deterministic generator (PCG-style LCG, the high bits).
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }

    /// A string of `n` pieces drawn from `pieces`.
    fn string(&mut self, pieces: &[&str], n: usize) -> String {
        (0..n).map(|_| pieces[self.next() % pieces.len()]).collect()
    }
}

/// Pieces every parser sees: separators, quotes, numbers, control
/// characters, multibyte characters, and a long run.
const COMMON: &[&str] = &[
    "=",
    ":",
    ",",
    " ",
    "\t",
    "\n",
    "'",
    "\"",
    "0",
    "1",
    "-1",
    "4096",
    "0x10",
    "18446744073709551616",
    "1e9",
    "\x1b[31m",
    "\x07",
    "\0",
    "\u{7f}",
    "é",
    "日本",
    "\u{202e}",
    "*",
    "^",
    "$",
    "#",
    "!",
    ";",
    "%",
    "\\",
];

/// A long run of text, and a long run of control characters (each escaped
/// into several characters in a message: found by cargo-fuzz).
fn long_run(case: usize) -> String {
    if case.is_multiple_of(2) {
        "x".repeat(70_000)
    } else {
        "\u{1a}".repeat(300)
    }
}

/// What every error message must be: printable (no control characters but
/// the line breaks the message chose itself), bounded, never the whole
/// input echoed back.
fn assert_printable(what: &str, case: usize, msg: &str, max_len: usize, lines: usize) {
    assert!(
        !msg.chars().any(|c| c.is_control() && c != '\n'),
        "{what} case {case}: control character in {msg:?}"
    );
    assert!(
        msg.len() <= max_len,
        "{what} case {case}: {} bytes of message",
        msg.len()
    );
    assert!(
        msg.lines().count() <= lines,
        "{what} case {case}: {} lines in {msg:?}",
        msg.lines().count()
    );
}

#[test]
fn options_strings() {
    let names: Vec<&'static str> = Flags::describe().iter().map(|i| i.name).collect();
    let mut pieces: Vec<&str> = COMMON.to_vec();
    pieces.extend(names.iter().copied());
    pieces.extend(["preset", "user", "kernel", "hunt", "true", "false", "yes"]);
    let mut g = Cases(0x00b7_10a5);
    for case in 0..4000 {
        let n = 1 + g.next() % 12;
        let mut text = g.string(&pieces, n);
        if case % 97 == 0 {
            text.push_str(&long_run(case / 97));
        }
        let mut f = Flags::DEFAULT;
        if let Err(e) = f.parse_options(&text, "KCSAN_OPTIONS") {
            assert_printable("options", case, &e.to_string(), 600, 1);
        }
    }
}

#[test]
fn suppressions_files() {
    let mut pieces: Vec<&str> = COMMON.to_vec();
    pieces.extend([
        "race:",
        "race_top:",
        "called_from_lib:",
        "thread:",
        "\n",
        "# c",
        "foo",
    ]);
    let mut g = Cases(0x0005_eed5);
    for case in 0..4000 {
        let n = 1 + g.next() % 16;
        let mut text = g.string(&pieces, n);
        if case % 97 == 0 {
            text.push_str(&long_run(case / 97));
        }
        match Suppressions::parse(&text, "fuzz.supp") {
            Ok(s) => {
                // A parsed file must also be usable.
                let _ = s.used();
            }
            Err(e) => assert_printable("suppressions", case, &e.to_string(), 600, 1),
        }
    }
}

#[test]
fn control_commands() {
    let mut pieces: Vec<&str> = COMMON.to_vec();
    pieces.extend([
        "stats",
        "on",
        "off",
        "get",
        "set",
        "focus",
        "help",
        "microbench=",
        "blacklist",
        "whitelist",
        "!",
        "skip_watch",
        "udelay_task",
    ]);
    let mut g = Cases(0x000c_71c7);
    for case in 0..4000 {
        let n = 1 + g.next() % 8;
        let mut text = g.string(&pieces, n);
        if case % 97 == 0 {
            text.push_str(&long_run(case / 97));
        }
        // The server strips the line before parsing.
        if let Err(e) = control::parse(text.trim()) {
            // "unknown command" lists the commands after its first line.
            let lines = if e.starts_with("unknown command") {
                40
            } else {
                1
            };
            assert_printable("control", case, &e, 3000, lines);
        }
    }
}
