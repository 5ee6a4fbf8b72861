//! Suppressions: races judged benign, listed in a file in ThreadSanitizer's
//! syntax (`suppressions=<path>`), so a project can silence them without
//! touching the code.
//!
//! ```text
//! # A comment. Blank lines are ignored.
//! race:stats_*            # any frame of either stack: function, file or library
//! race_top:^log_counter$  # only the top frame of either access
//! called_from_lib:libfoo.so
//! ```
//!
//! Patterns match a substring unless anchored: `^` anchors the start, `$` the
//! end, and `*` matches any run of characters. `race:` matches if any frame of
//! either stack has a matching function name, source file or library path;
//! `race_top:` looks only at the two top frames; `called_from_lib:` matches
//! when either access's top frame is in a matching library.

use std::fmt;

use super::stack::Stack;

/// The kind of a suppression rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Race,
    RaceTop,
    CalledFromLib,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Race => "race",
            Kind::RaceTop => "race_top",
            Kind::CalledFromLib => "called_from_lib",
        }
    }
}

/// One rule, and how many reports it suppressed.
#[derive(Clone, Debug)]
struct Rule {
    kind: Kind,
    pattern: String,
    hits: usize,
}

/// The parsed suppressions file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Suppressions {
    rules: Vec<Rule>,
    /// The addresses of the last races a rule suppressed, and the rule
    /// (see [`Suppressions::suppresses_unknown_origin`]).
    recent: [Recent; RECENT],
    recent_next: usize,
}

/// A suppressed race's address range and the rule that suppressed it.
#[derive(Clone, Copy, Debug, Default)]
struct Recent {
    addr: usize,
    size: usize,
    rule: usize,
}

/// How many suppressed races' addresses are remembered.
const RECENT: usize = 16;

/// A malformed suppressions file: which file, which line, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressionError {
    /// The file.
    pub file: String,
    /// The line (1-based); 0 when the file itself could not be read.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The largest suppressions file read (compiler-rt's are a few KiB).
const MAX_FILE_BYTES: u64 = 1 << 20;

impl fmt::Display for SuppressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = crate::config::printable(&self.file);
        let message = crate::config::printable(&self.message);
        if self.line == 0 {
            write!(f, "suppressions file '{file}': {message}")
        } else {
            write!(
                f,
                "suppressions file '{file}', line {}: {message}",
                self.line
            )
        }
    }
}

impl std::error::Error for SuppressionError {}

/// Whether `pattern` matches `text`: a substring match, with `*` for any run
/// of characters, `^` anchoring the start and `$` the end (ThreadSanitizer's
/// template matching).
pub(crate) fn pattern_matches(pattern: &str, text: &str) -> bool {
    let (anchored_start, p) = match pattern.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let (anchored_end, p) = match p.strip_suffix('$') {
        Some(rest) => (true, rest),
        None => (false, p),
    };
    let parts: Vec<&str> = p.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        if i == 0 && anchored_start {
            if !text.starts_with(part) {
                return false;
            }
            pos = part.len();
            if last && anchored_end {
                return pos == text.len();
            }
            continue;
        }
        if last && anchored_end {
            return text.len() >= pos + part.len() && text[pos..].ends_with(part);
        }
        match text[pos..].find(part) {
            Some(at) => pos += at + part.len(),
            None => return false,
        }
    }
    true
}

impl Suppressions {
    /// No rules.
    pub(crate) const fn none() -> Suppressions {
        Suppressions {
            rules: Vec::new(),
            recent: [Recent {
                addr: 0,
                size: 0,
                rule: 0,
            }; RECENT],
            recent_next: 0,
        }
    }

    /// Parses a suppressions file's text.
    ///
    /// # Errors
    /// The first malformed line: no `type:`, an unknown type, or an empty pattern.
    pub(crate) fn parse(text: &str, file: &str) -> Result<Suppressions, SuppressionError> {
        let mut rules = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |message: String| SuppressionError {
                file: file.to_owned(),
                line: i + 1,
                message,
            };
            let (kind, pattern) = line
                .split_once(':')
                .ok_or_else(|| err(format!("'{line}' is not of the form type:pattern")))?;
            let kind = match kind.trim() {
                "race" => Kind::Race,
                "race_top" => Kind::RaceTop,
                "called_from_lib" => Kind::CalledFromLib,
                other => {
                    return Err(err(format!(
                        "unknown suppression type '{other}' (expected race, race_top or called_from_lib)"
                    )));
                }
            };
            let pattern = pattern.trim();
            if pattern.is_empty() {
                return Err(err(format!("empty pattern after '{}:'", kind.name())));
            }
            rules.push(Rule {
                kind,
                pattern: pattern.to_owned(),
                hits: 0,
            });
        }
        Ok(Suppressions {
            rules,
            ..Suppressions::none()
        })
    }

    /// Reads and parses `path`.
    ///
    /// # Errors
    /// An unreadable file, or a malformed line.
    pub(crate) fn load(path: &str) -> Result<Suppressions, SuppressionError> {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let fail = |message: String| SuppressionError {
            file: path.to_owned(),
            line: 0,
            message,
        };
        // Non-blocking, so that a FIFO cannot hold the program up before
        // `main`; then only a regular file of a sane size is read (not
        // /dev/zero, not a terminal).
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| fail(format!("cannot read it: {e}")))?;
        let meta = file
            .metadata()
            .map_err(|e| fail(format!("cannot read it: {e}")))?;
        if !meta.is_file() {
            return Err(fail("not a regular file".to_owned()));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(fail(format!(
                "{} bytes; a suppressions file may have at most {MAX_FILE_BYTES}",
                meta.len()
            )));
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("cannot read it: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".to_owned()))?;
        Suppressions::parse(&text, path)
    }

    /// Whether a race at `addr`/`size` with these stacks (both sides, or
    /// the watcher's alone for a race of unknown origin) is suppressed;
    /// counts the hit.
    pub(crate) fn suppresses(&mut self, stacks: &[&Stack], addr: usize, size: usize) -> bool {
        match self.matching_rule(stacks) {
            Some(i) => {
                self.rules[i].hits += 1;
                if stacks.len() > 1 {
                    self.recent[self.recent_next] = Recent {
                        addr,
                        size,
                        rule: i,
                    };
                    self.recent_next = (self.recent_next + 1) % RECENT;
                }
                true
            }
            None if stacks.len() == 1 => self.suppresses_unknown_origin(addr, size),
            None => false,
        }
    }

    /// A race of unknown origin shows one side only, so a rule that names
    /// the other side (`race_top:^writer$`) cannot match it. Yet it is
    /// usually the very race the rule was written for: an instrumented
    /// writer whose check ran just before the watchpoint was set up and
    /// whose store landed during the stall (a preempted thread makes that
    /// window long). So a race of unknown origin on an address where a rule
    /// recently suppressed a race (both sides known) is suppressed by that
    /// rule too, and counted as its hit.
    fn suppresses_unknown_origin(&mut self, addr: usize, size: usize) -> bool {
        let hit = self
            .recent
            .iter()
            .find(|r| r.size != 0 && addr < r.addr + r.size && r.addr < addr + size)
            .map(|r| r.rule);
        if let Some(i) = hit {
            self.rules[i].hits += 1;
        }
        hit.is_some()
    }

    /// The first rule that matches a frame of these stacks.
    fn matching_rule(&self, stacks: &[&Stack]) -> Option<usize> {
        for (i, rule) in self.rules.iter().enumerate() {
            let hit = stacks.iter().any(|stack| {
                let frames = match rule.kind {
                    Kind::Race => &stack.frames[..],
                    Kind::RaceTop | Kind::CalledFromLib => {
                        &stack.frames[..stack.frames.len().min(1)]
                    }
                };
                frames.iter().any(|f| {
                    let module = f.module.as_deref();
                    match rule.kind {
                        Kind::CalledFromLib => {
                            module.is_some_and(|m| pattern_matches(&rule.pattern, m))
                        }
                        _ => [f.function.as_deref(), f.file.as_deref(), module]
                            .into_iter()
                            .flatten()
                            .any(|t| pattern_matches(&rule.pattern, t)),
                    }
                })
            });
            if hit {
                return Some(i);
            }
        }
        None
    }

    /// The rules that suppressed something, for `print_suppressions`.
    pub(crate) fn used(&self) -> String {
        let mut out = String::new();
        for r in self.rules.iter().filter(|r| r.hits > 0) {
            out += &format!("kcsan:   {} {}:{}\n", r.hits, r.kind.name(), r.pattern);
        }
        if !out.is_empty() {
            out.insert_str(0, "kcsan: suppressions used (count type:pattern):\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::stack::Frame;

    #[test]
    fn patterns_are_substrings_with_wildcards_and_anchors() {
        assert!(pattern_matches("stats", "update_stats_locked"));
        assert!(pattern_matches("^update", "update_stats_locked"));
        assert!(!pattern_matches("^stats", "update_stats_locked"));
        assert!(pattern_matches("locked$", "update_stats_locked"));
        assert!(!pattern_matches("update$", "update_stats_locked"));
        assert!(pattern_matches("^update*locked$", "update_stats_locked"));
        assert!(pattern_matches("up*st*ck", "update_stats_locked"));
        assert!(!pattern_matches("^stats*$", "update_stats"));
        assert!(pattern_matches("^foo$", "foo"));
        assert!(!pattern_matches("^foo$", "foobar"));
        assert!(pattern_matches("*", "anything"));
    }

    #[test]
    fn malformed_lines_name_the_file_and_line() {
        let e = Suppressions::parse("# ok\nrace:foo\nrac:bar\n", "supp.txt").unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(
            e.to_string(),
            "suppressions file 'supp.txt', line 3: unknown suppression type 'rac' (expected race, race_top or called_from_lib)"
        );
        let e = Suppressions::parse("race_top:\n", "s").unwrap_err();
        assert!(e.to_string().contains("line 1: empty pattern"), "{e}");
        let e = Suppressions::parse("just some words\n", "s").unwrap_err();
        assert!(
            e.to_string().contains("not of the form type:pattern"),
            "{e}"
        );
    }

    fn stack(names: &[&str]) -> Stack {
        Stack {
            frames: names
                .iter()
                .map(|n| Frame {
                    pc: 1,
                    function: Some((*n).to_owned()),
                    text: (*n).to_owned(),
                    inlined: false,
                    file: Some("/src/app.c".to_owned()),
                    line: Some(1),
                    module: Some("/usr/lib/libapp.so".to_owned()),
                })
                .collect(),
        }
    }

    #[test]
    fn race_matches_any_frame_and_race_top_only_the_top() {
        let (a, b) = (
            stack(&["reader", "worker_main"]),
            stack(&["writer", "worker_main"]),
        );
        let mut s = Suppressions::parse("race_top:worker_main\n", "s").unwrap();
        assert!(
            !s.suppresses(&[&a, &b], 0x1000, 8),
            "worker_main is not a top frame"
        );
        let mut s = Suppressions::parse("race:worker_main\n", "s").unwrap();
        assert!(s.suppresses(&[&a, &b], 0x1000, 8));
        assert!(s.used().contains("1 race:worker_main"), "{}", s.used());
        let mut s = Suppressions::parse("race_top:^writer$\n", "s").unwrap();
        assert!(s.suppresses(&[&a, &b], 0x1000, 8));
        let mut s = Suppressions::parse("race:app.c\n", "s").unwrap();
        assert!(s.suppresses(&[&a], 0x1000, 8), "file names match too");
        let mut s = Suppressions::parse("called_from_lib:libapp.so\n", "s").unwrap();
        assert!(s.suppresses(&[&a], 0x1000, 8));
        let mut s = Suppressions::parse("called_from_lib:libother.so\n", "s").unwrap();
        assert!(!s.suppresses(&[&a, &b], 0x1000, 8));
    }

    #[test]
    fn a_race_of_unknown_origin_where_a_rule_suppressed_one_is_suppressed() {
        let (reader, writer) = (
            stack(&["reader", "worker_main"]),
            stack(&["writer", "worker_main"]),
        );
        let mut s = Suppressions::parse("race_top:^writer$\n", "s").unwrap();
        assert!(
            !s.suppresses(&[&reader], 0x1000, 8),
            "no race suppressed there yet: the reader alone does not match"
        );
        assert!(s.suppresses(&[&reader, &writer], 0x1000, 8));
        assert!(s.suppresses(&[&reader], 0x1004, 4), "an overlapping access");
        assert!(!s.suppresses(&[&reader], 0x2000, 8), "another address");
        assert!(s.used().contains("2 race_top:^writer$"), "{}", s.used());
    }
}
