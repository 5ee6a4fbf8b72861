//! Focus: watch every eligible access of the named functions
//! (`focus_functions`), to make a race that was reported once happen again,
//! and to show that a fix really removed it (`kcsan repro`).
//!
//! Sampling watches one access in many; a race between two accesses that
//! each happen once per thread is seen only when a watch lands on one of
//! them. Focus aims instead: inside a focused function (and the code the
//! compiler inlined into it) every eligible access is checked, and held
//! where a race needs it to be (`stall_us`); everywhere else sampling goes
//! on as configured, or is off with `focus_only=1`.
//!
//! How it works, with no cost at all while no list is set:
//!
//! - The names are looked up in the symbol tables of the loaded objects
//!   (`report::stack::find_functions`), and those no symbol has in their
//!   DWARF, as inlined functions (`find_inlined`), giving code ranges: at
//!   start-up, and again when the list changes (`kcsan ctl PID focus ...`).
//! - While a list is set, each thread's next slow-path entry puts it in
//!   focus mode (`GATE_FOCUS`): its skip count is parked at 0, as in an
//!   atomic region, so every eligible access comes to the slow path. There
//!   the address the hook returns to (the instrumented code right after the
//!   access) says whether the access is in a focused function's code, which
//!   includes what the compiler inlined into it: held if it is (`stall_us`);
//!   otherwise the parked skip count is consumed as sampling would (or,
//!   with `focus_only`, nothing happens).
//! - When the list is cleared, each thread leaves focus mode at its next
//!   access.
//!
//! So the fast path is the same with and without focus, and needs no
//! function entry/exit hooks (which `kcsan cc` and `cargo kcsan` leave out).
//! In focus mode every access of the program costs a slow-path entry (a
//! range lookup and a hit count), and the holds are bounded by the focus
//! budget (`budget::admit_focus`).

use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

use crate::ctx::Ctx;

/// One focus list, resolved to code. Never freed once published (a thread
/// may be looking at it); replaced only by control commands, so the leak is
/// bounded by how often the user changes the list.
#[derive(Debug)]
struct FocusSet {
    /// The list as given (the option's value), to tell whether it changed.
    spec: String,
    /// The names, in the order given.
    names: Vec<String>,
    /// Code ranges `(start, end, index into names)`, sorted by start.
    ranges: Vec<(usize, usize, usize)>,
    /// Per name: whether a thread entered one of its functions.
    entered: Vec<AtomicBool>,
}

/// The focus list in force; null when none is set.
static CURRENT: AtomicPtr<FocusSet> = AtomicPtr::new(core::ptr::null_mut());

/// Splits a focus list: names separated by `,` or `;` outside brackets, so
/// that C++ names with parameter lists (`f(int, char)`) and Rust closures
/// (`main::{{closure}}`) stay whole.
pub(crate) fn split_names(spec: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in spec.chars() {
        match c {
            '(' | '<' | '[' | '{' => depth += 1,
            ')' | '>' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if (c == ',' || c == ';') && depth <= 0 {
            names.push(core::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    names.push(cur);
    names
        .into_iter()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Brings the published focus list in line with the option `focus_functions`
/// (at start-up, and after a control command changed the options). Runs on
/// a slow path with the runtime entered: it reads symbol tables.
pub(crate) fn sync(spec: &str) {
    let current = CURRENT.load(Ordering::Acquire);
    // SAFETY: published sets are never freed.
    if let Some(set) = unsafe { current.as_ref() } {
        if set.spec == spec {
            return;
        }
    } else if spec.trim().is_empty() {
        return;
    }
    let names = split_names(spec);
    if names.is_empty() {
        CURRENT.store(core::ptr::null_mut(), Ordering::Release);
        return;
    }
    let mut found = crate::report::stack::find_functions(&|n| names.iter().any(|w| w == n));
    // Names no symbol has may be functions the compiler inlined everywhere
    // (a report names one when the frame containing it was cut).
    let missing: Vec<&String> = names
        .iter()
        .filter(|w| !found.iter().any(|f| f.2 == **w))
        .collect();
    if !missing.is_empty() {
        found.extend(crate::report::stack::find_inlined(&|n| {
            missing.iter().any(|w| *w == n)
        }));
    }
    let mut ranges: Vec<(usize, usize, usize)> = found
        .into_iter()
        .filter_map(|(start, end, name)| {
            names
                .iter()
                .position(|w| *w == name)
                .map(|i| (start, end, i))
        })
        .collect();
    ranges.sort_unstable();
    for i in 0..PC_SLOTS {
        PC_KEYS[i].store(0, Ordering::Relaxed);
        PC_HITS[i].store(0, Ordering::Relaxed);
    }
    let set = Box::new(FocusSet {
        spec: spec.to_owned(),
        entered: names.iter().map(|_| AtomicBool::new(false)).collect(),
        names,
        ranges,
    });
    CURRENT.store(Box::into_raw(set), Ordering::Release);
}

/// Whether a focus list is set.
#[inline]
pub(crate) fn is_set() -> bool {
    !CURRENT.load(Ordering::Relaxed).is_null()
}

/// The thread enters focus mode because a list was set, or leaves it because
/// the list was cleared.
#[cold]
pub(crate) fn join_or_leave(ctx: &Ctx) {
    ctx.focus.set(is_set());
    ctx.update_gate();
}

/// How long to hold (watch) an access of a focused function at code
/// address `pc`, in microseconds: `udelay_focus` the first times that code
/// runs, then shrinking with the number of times it ran, over all threads
/// (`udelay_focus * FOCUS_COLD_HITS / hits`; 0 once it is very hot, and
/// the access is then only checked).
///
/// A race in code that runs once or twice per thread (a shared scalar
/// stored at the end of a loop chunk, a flag set once, a lazy
/// initialisation) has two accesses milliseconds apart: only a long hold on
/// one of them keeps it open until the other thread gets there. The same
/// hold on every iteration of a hot loop would keep the program stalled and
/// find nothing more: an access that runs often meets the other side often
/// anyway. So the holds shrink as code gets hot, and one access's holds add
/// up to about `udelay_focus * FOCUS_COLD_HITS * ln(hits)` whatever its
/// count.
///
/// What was measured against this (BENCHMARKS.md, "Focus: how holds were
/// chosen"): holds for each thread's first accesses, holder and runner
/// roles, random lengths, faster decays, no holds on hot code at all: each
/// caught fewer of the corpus's races in focused reruns.
pub(crate) fn stall_us(pc: usize, udelay_focus: u32) -> u32 {
    let n = u64::from(hits(pc).max(1));
    (u64::from(udelay_focus) * FOCUS_COLD_HITS / n).min(u64::from(udelay_focus)) as u32
}

/// Hits per code address of the focused functions, shared by all threads:
/// open addressing over a fixed table (keys are return addresses, 0: free).
const PC_SLOTS: usize = 4096;
static PC_KEYS: [AtomicUsize; PC_SLOTS] = [const { AtomicUsize::new(0) }; PC_SLOTS];
static PC_HITS: [AtomicU32; PC_SLOTS] = [const { AtomicU32::new(0) }; PC_SLOTS];

/// How many times the access at `pc` has come here (this one included),
/// over all threads; `u32::MAX` when the table is full (treated as hot).
fn hits(pc: usize) -> u32 {
    let mut i = (pc.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) & (PC_SLOTS - 1);
    for _ in 0..16 {
        let key = PC_KEYS[i].load(Ordering::Relaxed);
        let mine = key == pc
            || (key == 0
                && match PC_KEYS[i].compare_exchange(0, pc, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => true,
                    Err(other) => other == pc,
                });
        if mine {
            return PC_HITS[i].fetch_add(1, Ordering::Relaxed).saturating_add(1);
        }
        i = (i + 1) & (PC_SLOTS - 1);
    }
    u32::MAX
}

/// How many runs of an access, over all threads, are held for the whole
/// `udelay_focus`.
const FOCUS_COLD_HITS: u64 = 4;

/// Whether code address `pc` is in a focused function; notes the function as
/// entered.
pub(crate) fn contains(pc: usize) -> bool {
    // SAFETY: published sets are never freed.
    let Some(set) = (unsafe { CURRENT.load(Ordering::Acquire).as_ref() }) else {
        return false;
    };
    // A return address may be just past the function's end (a call that
    // does not return): look up the address before it.
    let probe = pc.wrapping_sub(1);
    let after = set.ranges.partition_point(|r| r.0 <= probe);
    let Some(&(_, _, name)) = set.ranges[..after].iter().rev().find(|r| probe < r.1) else {
        return false;
    };
    if !set.entered[name].load(Ordering::Relaxed) {
        set.entered[name].store(true, Ordering::Relaxed);
    }
    true
}

/// The `focus` control command's answer: each name and how many code
/// ranges it has (0: not found), and whether it was entered.
pub(crate) fn describe() -> String {
    // SAFETY: published sets are never freed.
    let Some(set) = (unsafe { CURRENT.load(Ordering::Acquire).as_ref() }) else {
        return "focus functions: none\n".to_owned();
    };
    let mut out = String::from("focus functions:\n");
    for (i, name) in set.names.iter().enumerate() {
        let n = set.ranges.iter().filter(|r| r.2 == i).count();
        let state = if n == 0 {
            "not found".to_owned()
        } else if set.entered[i].load(Ordering::Relaxed) {
            format!("{n} code range{}, entered", if n == 1 { "" } else { "s" })
        } else {
            format!(
                "{n} code range{}, not entered yet",
                if n == 1 { "" } else { "s" }
            )
        };
        out += &format!(" {} ({state})\n", crate::config::printable(name));
    }
    out
}

/// What the exit summary says about the focus list: names no loaded object
/// has (`not_found`), and functions none of whose accesses was seen
/// (`never_entered`).
/// Empty when there is nothing to say.
pub(crate) fn exit_notes() -> Vec<(String, &'static str)> {
    // SAFETY: published sets are never freed.
    let Some(set) = (unsafe { CURRENT.load(Ordering::Acquire).as_ref() }) else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for (i, name) in set.names.iter().enumerate() {
        if !set.ranges.iter().any(|r| r.2 == i) {
            notes.push((name.clone(), "not_found"));
        } else if !set.entered[i].load(Ordering::Relaxed) {
            notes.push((name.clone(), "never_entered"));
        }
    }
    notes
}

/// The exit summary's text for [`exit_notes`] (one line each).
pub(crate) fn render_note(name: &str, what: &str) -> String {
    match what {
        "not_found" => format!(
            "kcsan: focus: no function named '{}' in the program (names are matched as reports \
             show them)\n",
            crate::config::printable(name)
        ),
        _ => format!(
            "kcsan: focus: '{}' was never entered (no access of it was seen)\n",
            crate::config::printable(name)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_outside_brackets() {
        assert_eq!(split_names("a,b; c"), ["a", "b", "c"]);
        assert_eq!(
            split_names("f(int, char),g<a, b>::h,main::{{closure}}"),
            ["f(int, char)", "g<a, b>::h", "main::{{closure}}"]
        );
        assert!(split_names(" , ;").is_empty());
    }
}
