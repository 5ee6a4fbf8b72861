//! Thread names the kernel cut short, made whole again for `Comm:`.
//!
//! Linux keeps a thread's name (`comm`) in 16 bytes, so a name is cut to 15:
//! Rust's test harness names each test's thread after the test, and a report
//! from `tests::racy_poison_counter` would say `Comm: tests::racy_poi`. The
//! full name never reaches libc (std cuts it before `pthread_setname_np`), so
//! the report completes a 15-byte name from two sources, in this order:
//!
//! 1. the `thread_names` file: full names, one per line (`cargo kcsan test`
//!    writes the test binary's `--list` there). A cut name that begins
//!    exactly one of them is that one; if it begins several, the one whose
//!    code is in the thread's stack;
//! 2. the thread's stack, for a name that is a Rust path (holds `::`): a
//!    frame `crate::tests::racy_poison_counter::{closure}` completes
//!    `tests::racy_poi` to the path segment it begins. A plain name is left
//!    alone: a C thread `compress_worker` is not `compress_workers_run`.
//!
//! A name that cannot be completed is shown as the kernel has it.

use std::sync::OnceLock;

use super::stack::Stack;

/// The longest name the kernel keeps (`TASK_COMM_LEN` - 1).
const COMM_MAX: usize = 15;

/// The `thread_names` file's names (empty: none given).
static NAMES: OnceLock<Vec<String>> = OnceLock::new();

/// Reads the `thread_names` file, if one is configured (at start-up).
///
/// # Errors
/// The file cannot be read, naming it.
pub(crate) fn load(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Ok(());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the thread_names file {path}: {e}"))?;
    let _ = NAMES.set(parse(&text));
    Ok(())
}

/// The file's names: one per line, blank lines and `#` comments skipped.
fn parse(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The name a report shows for a thread named `comm` whose stack is `stack`.
pub(crate) fn complete(comm: &str, stack: &Stack) -> String {
    let names = NAMES.get().map_or(&[][..], Vec::as_slice);
    complete_from(comm, stack, names)
}

fn complete_from(comm: &str, stack: &Stack, names: &[String]) -> String {
    if comm.len() != COMM_MAX {
        return comm.to_owned();
    }
    let candidates: Vec<&String> = names
        .iter()
        .filter(|n| n.len() > COMM_MAX && n.starts_with(comm))
        .collect();
    if let [only] = candidates[..] {
        return only.clone();
    }
    let in_stack: Vec<&String> = candidates
        .iter()
        .copied()
        .filter(|n| {
            stack
                .frames
                .iter()
                .any(|f| names_code_of(f.function.as_deref(), n))
        })
        .collect();
    if let [only] = in_stack[..] {
        return only.clone();
    }
    if candidates.is_empty()
        && comm.contains("::")
        && let Some(whole) = stack
            .frames
            .iter()
            .find_map(|f| from_function(f.function.as_deref()?, comm))
    {
        return whole;
    }
    comm.to_owned()
}

/// Whether `function` is `name`'s code: `crate::name`, `crate::name::{closure}`
/// or `name` itself.
fn names_code_of(function: Option<&str>, name: &str) -> bool {
    let Some(f) = function else { return false };
    [
        f.strip_prefix(name),
        f.find(&format!("::{name}"))
            .map(|i| &f[i + 2 + name.len()..]),
    ]
    .into_iter()
    .flatten()
    .any(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// `comm` completed to the end of the path segment it begins in `function`,
/// where it begins one at a `::` boundary: `tests::racy_poi` in
/// `racy::tests::racy_poison_counter::{closure}` is `tests::racy_poison_counter`.
fn from_function(function: &str, comm: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = function[from..].find(comm) {
        let start = from + i;
        from = start + 1;
        if start != 0 && !function[..start].ends_with("::") {
            continue;
        }
        let rest = &function[start + comm.len()..];
        let end = rest.find("::").unwrap_or(rest.len());
        let tail = &rest[..end];
        if tail.is_empty() || !tail.chars().all(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        return Some(format!("{comm}{tail}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::stack::test_frame;

    fn stack(functions: &[&str]) -> Stack {
        Stack {
            frames: functions
                .iter()
                .enumerate()
                .map(|(i, f)| test_frame(0x1000 + i, f, "src/lib.rs", false))
                .collect(),
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn short_names_are_left_alone() {
        let s = stack(&["racy::tests::racy::{closure}"]);
        assert_eq!(
            complete_from("tests::racy", &s, &names(&["tests::racy"])),
            "tests::racy"
        );
        assert_eq!(complete_from("worker", &s, &[]), "worker");
    }

    #[test]
    fn a_cut_name_is_completed_from_the_list() {
        let s = stack(&["racy::helper"]);
        let list = names(&["tests::racy_poison_counter", "tests::other"]);
        assert_eq!(
            complete_from("tests::racy_poi", &s, &list),
            "tests::racy_poison_counter"
        );
    }

    #[test]
    fn several_candidates_are_told_apart_by_the_stack() {
        let list = names(&["tests::racy_poison_a", "tests::racy_poison_b"]);
        let s = stack(&["racy::helper", "racy::tests::racy_poison_b::{closure}"]);
        assert_eq!(
            complete_from("tests::racy_poi", &s, &list),
            "tests::racy_poison_b"
        );
        // Neither in the stack: the kernel's name, not a guess.
        let s = stack(&["racy::helper"]);
        assert_eq!(
            complete_from("tests::racy_poi", &s, &list),
            "tests::racy_poi"
        );
    }

    #[test]
    fn without_a_list_the_stack_completes_the_name() {
        let s = stack(&[
            "racy::cell_write",
            "racy::tests::racy_poison_counter::{closure}",
            "core::ops::function::FnOnce::call_once",
        ]);
        assert_eq!(
            complete_from("tests::racy_poi", &s, &[]),
            "tests::racy_poison_counter"
        );
        // The name must begin at a path boundary.
        let s = stack(&["racy::xtests::racy_poison_counter"]);
        assert_eq!(complete_from("tests::racy_poi", &s, &[]), "tests::racy_poi");
        // A name the list knows nothing of, and no frame: as it was.
        let s = stack(&["main"]);
        assert_eq!(complete_from("a-long-worker-n", &s, &[]), "a-long-worker-n");
        // Only Rust paths are completed from the stack.
        let s = stack(&["compress_workers_run"]);
        assert_eq!(complete_from("compress_worker", &s, &[]), "compress_worker");
    }

    #[test]
    fn the_file_takes_names_one_per_line() {
        assert_eq!(
            parse("# tests\ntests::a_long_test_name\n\n  tests::b  \n"),
            names(&["tests::a_long_test_name", "tests::b"])
        );
    }
}
