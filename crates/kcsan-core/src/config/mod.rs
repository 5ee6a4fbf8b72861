//! Configuration: the option table, `KCSAN_OPTIONS` parsing, and the options in force.
//!
//! Precedence, as in the sanitizers: built-in defaults, then the program's weak
//! `__kcsan_default_options()`, then the `KCSAN_OPTIONS` environment variable.
//! After parsing, [`Flags::resolve`] applies the kernel's Kconfig dependencies
//! (`strict`, `permissive`) and refuses contradictions loudly. Live control
//! (`kcsan ctl PID set`) comes last: [`update`] changes the options marked
//! `live` in the table while the program runs.
//!
//! The options in force live behind one atomic pointer ([`flags()`]). The few that
//! the fast path needs are mirrored into dedicated atomics ([`hot`]), so the fast
//! path never dereferences the table.

mod flags;
mod value;

use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering::Relaxed};

use crate::report::lock::SpinLock;
pub use flags::{FlagInfo, Flags};
pub use value::{DelayMode, FilterMode, Preset, Ratio, ReportFormat};

// ===== Errors =====

/// What is wrong with an option.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// No option has this name.
    Unknown,
    /// The value is not one the option accepts.
    BadValue {
        /// The value given.
        value: String,
        /// The values the option accepts.
        accepts: String,
    },
    /// An item is not of the form `name=value`.
    Syntax,
    /// Two options contradict each other.
    Conflict(String),
}

/// A bad option: which one, what is wrong, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigError {
    /// The option (or the malformed item).
    pub option: String,
    /// What is wrong.
    pub kind: ConfigErrorKind,
    /// Where it was given (`KCSAN_OPTIONS`, `__kcsan_default_options()`), if known.
    pub source: Option<&'static str>,
}

impl ConfigError {
    pub(crate) fn unknown(name: &str) -> ConfigError {
        ConfigError {
            option: name.to_owned(),
            kind: ConfigErrorKind::Unknown,
            source: None,
        }
    }
    pub(crate) fn bad_value(name: &str, value: &str, accepts: String) -> ConfigError {
        ConfigError {
            option: name.to_owned(),
            kind: ConfigErrorKind::BadValue {
                value: value.to_owned(),
                accepts,
            },
            source: None,
        }
    }
    fn conflict(name: &str, why: String) -> ConfigError {
        ConfigError {
            option: name.to_owned(),
            kind: ConfigErrorKind::Conflict(why),
            source: None,
        }
    }
}

/// Text from the user (an option, a value, a file name) as a message quotes
/// it: control characters escaped (`\n`, `\u{1b}`), and cut once the quote
/// reaches 200 characters (escapes count as what they print), so that an
/// error line is one readable line of bounded length.
pub fn printable(text: &str) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for c in text.chars() {
        if shown >= 200 {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            let escaped = c.escape_default();
            shown += escaped.len();
            out.extend(escaped);
        } else {
            shown += 1;
            out.push(c);
        }
    }
    out
}

/// The option name closest to a misspelt one, if it is close: within a third
/// of the name's length in edits (1 to 3).
pub fn nearest_option(name: &str) -> Option<&'static str> {
    if name.len() > 64 {
        return None;
    }
    let limit = (name.chars().count() / 3).clamp(1, 3);
    Flags::describe()
        .into_iter()
        .map(|i| (edit_distance(name, i.name), i.name))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

/// Levenshtein distance (insertions, deletions, substitutions).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let option = printable(&self.option);
        match &self.kind {
            ConfigErrorKind::Unknown => {
                write!(f, "unknown option '{option}'")?;
                if let Some(near) = nearest_option(&self.option) {
                    write!(f, " (did you mean '{near}'?)")?;
                }
            }
            ConfigErrorKind::BadValue { value, accepts } => write!(
                f,
                "invalid value '{}' for option '{option}': expected {accepts}",
                printable(value)
            )?,
            ConfigErrorKind::Syntax => write!(f, "malformed item '{option}': expected name=value")?,
            ConfigErrorKind::Conflict(why) => write!(f, "option '{option}': {why}")?,
        }
        if let Some(src) = self.source {
            write!(f, " (in {src})")?;
        }
        if self.kind == ConfigErrorKind::Unknown {
            write!(
                f,
                "; run with KCSAN_OPTIONS=help=1 or `kcsan flags` for the list"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

// ===== Parsing =====

impl Flags {
    /// Applies `name=value` items separated by `:`, `,` or whitespace (the
    /// sanitizers' convention). Values may be quoted with `'` or `"`.
    ///
    /// # Errors
    /// The first bad item, tagged with `source`.
    pub fn parse_options(
        &mut self,
        options: &str,
        source: &'static str,
    ) -> Result<(), ConfigError> {
        for item in split_items(options) {
            let (name, value) = item.split_once('=').ok_or_else(|| ConfigError {
                option: item.to_owned(),
                kind: ConfigErrorKind::Syntax,
                source: Some(source),
            })?;
            let value = unquote(value);
            self.set(name.trim(), value).map_err(|mut e| {
                e.source = Some(source);
                e
            })?;
        }
        Ok(())
    }

    /// Applies the kernel's Kconfig dependencies between options:
    /// 1. `strict` forces the non-strict options off (an explicit `=1` for one of
    ///    them is a contradiction) and turns `interrupt_watcher` on unless given;
    /// 2. `permissive` depends on `report_value_change_only`.
    ///
    /// # Errors
    /// A contradiction, naming both options.
    pub fn resolve(&mut self) -> Result<(), ConfigError> {
        if self.strict {
            let non_strict: [(&str, &mut bool); 4] = [
                (
                    "report_value_change_only",
                    &mut self.report_value_change_only,
                ),
                (
                    "assume_plain_writes_atomic",
                    &mut self.assume_plain_writes_atomic,
                ),
                ("ignore_atomics", &mut self.ignore_atomics),
                ("permissive", &mut self.permissive),
            ];
            let explicit = self.explicit;
            for (name, value) in non_strict {
                let given = Flags {
                    explicit,
                    ..Flags::DEFAULT
                }
                .is_explicit(name);
                if given && *value {
                    return Err(ConfigError::conflict(
                        name,
                        "=1 contradicts strict=1 (strict forces it to 0)".into(),
                    ));
                }
                *value = false;
            }
            if !self.is_explicit("interrupt_watcher") {
                self.interrupt_watcher = true;
            }
        }
        // The permissive rules refine report_value_change_only (the kernel's
        // Kconfig dependency), which the user preset leaves off: asking for
        // them turns it on, unless it was explicitly turned off.
        if self.permissive && !self.is_explicit("report_value_change_only") {
            self.report_value_change_only = true;
        }
        if self.permissive && !self.report_value_change_only {
            return Err(ConfigError::conflict(
                "permissive",
                "=1 requires report_value_change_only=1".into(),
            ));
        }
        Ok(())
    }

    /// Whether any non-strict option is in force (the kernel logs this at start).
    pub fn is_non_strict(&self) -> bool {
        self.report_value_change_only
            || self.assume_plain_writes_atomic
            || self.permissive
            || self.ignore_atomics
    }
}

fn split_items(s: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut start, mut quote) = (None, None::<char>);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, ':' | ',' | ' ' | '\t' | '\n') => {
                if let Some(st) = start.take() {
                    items.push(&s[st..i]);
                }
            }
            (None, _) => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(st) = start {
        items.push(&s[st..]);
    }
    items
}

fn unquote(v: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = v.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

// ===== The options in force =====

pub(crate) static DEFAULT_FLAGS: Flags = Flags::DEFAULT;
static CURRENT: AtomicPtr<Flags> = AtomicPtr::new(&DEFAULT_FLAGS as *const Flags as *mut Flags);

/// The options in force. Before the runtime initialises, the built-in defaults.
#[inline]
pub fn flags() -> &'static Flags {
    // SAFETY:
    // - CURRENT only ever holds &DEFAULT_FLAGS or a pointer leaked by `install`,
    //   both valid for 'static and never mutated after publication.
    unsafe { &*CURRENT.load(core::sync::atomic::Ordering::Acquire) }
}

/// Makes `f` the options in force and updates the fast path's mirrors.
///
/// Tables are leaked on purpose: readers hold `&'static Flags` without a lock,
/// and an install happens once at start (and on the rare run-time change,
/// [`update`]).
pub fn install(f: Flags) {
    crate::watchpoint::set_capacity(f.num_watchpoints as usize);
    hot::IGNORE_ATOMICS.store(f.ignore_atomics, Relaxed);
    CURRENT.store(
        Box::leak(Box::new(f)),
        core::sync::atomic::Ordering::Release,
    );
}

/// Serialises run-time changes; readers never take it.
static UPDATE: SpinLock<()> = SpinLock::new(());

/// Changes the options in force while the program runs (`kcsan ctl <pid>
/// set`, `!func`, `blacklist`): a read-copy-update of the table. `change`
/// edits a copy, the copy must pass [`Flags::resolve`], and only then is it
/// published, so readers see either the old table or the new one, whole.
///
/// The old table is leaked, not freed: a watcher in its stall or a report
/// being printed may still be reading it, and there is no grace period to
/// wait for. That costs a few hundred bytes per change, and changes are made
/// by hand.
///
/// # Errors
/// What `change` returns, or a contradiction between options.
pub fn update(
    change: impl FnOnce(&mut Flags) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    let _writer = UPDATE.lock();
    let mut f = flags().clone();
    change(&mut f)?;
    f.resolve()?;
    install(f);
    Ok(())
}

/// In a forked child: a change in progress in the parent died with its thread.
pub(crate) fn after_fork_in_child() {
    // SAFETY: only the forking thread exists in the child.
    unsafe { UPDATE.force_unlock() };
}

/// Options the fast path reads, mirrored from [`flags()`] as single atomics
/// (`assume_plain_writes_atomic` lives in each thread's context).
pub mod hot {
    use super::*;

    /// `ignore_atomics`.
    pub static IGNORE_ATOMICS: AtomicBool = AtomicBool::new(DEFAULT_FLAGS.ignore_atomics);
}

// ===== Help =====

/// The option table as text, for `help=1`: every option with its value in
/// `flags` (the options in force).
pub fn help_text(flags: &Flags) -> String {
    let mut out = String::from("KCSAN_OPTIONS (name=value, separated by ':'):\n");
    for f in Flags::describe() {
        out += &format!(
            "  {}={}  ({}{}; kernel: {})\n",
            f.name,
            flags.get(f.name).unwrap_or(f.default),
            if f.live { "live; " } else { "" },
            f.accepts,
            f.kernel
        );
        for line in f.doc.lines() {
            out += &format!("      {}\n", line.trim());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_preset_restores_the_kernels_defaults() {
        let mut f = Flags::DEFAULT;
        f.set("preset", "kernel").unwrap();
        assert_eq!(f.skip_watch, 4000);
        assert_eq!((f.udelay_task, f.udelay_interrupt), (80, 20));
        assert_eq!(f.num_watchpoints, 64);
        assert_eq!(f.report_once_in_ms, 3000);
        assert!(
            f.report_value_change_only
                && f.assume_plain_writes_atomic
                && f.report_race_unknown_origin
        );
        assert!(!f.ignore_atomics && !f.permissive && !f.strict && !f.interrupt_watcher);
        assert_eq!((f.first_watches, f.max_stall_ratio), (0, Ratio(0.0)));
    }

    #[test]
    fn the_user_preset_reports_every_data_race() {
        let f = Flags::DEFAULT;
        assert!(!f.report_value_change_only && !f.assume_plain_writes_atomic);
        assert!(f.report_race_unknown_origin && !f.ignore_atomics && !f.permissive);
        assert!(!f.interrupt_watcher, "signals stay blocked while watching");
    }

    #[test]
    fn a_misspelt_option_gets_a_suggestion() {
        assert_eq!(nearest_option("skip_wach"), Some("skip_watch"));
        assert_eq!(nearest_option("udelay_tsak"), Some("udelay_task"));
        assert_eq!(nearest_option("zzzzzz"), None);
        let mut f = Flags::DEFAULT;
        let e = f.parse_options("skip_wach=5", "KCSAN_OPTIONS").unwrap_err();
        assert!(
            e.to_string().contains("(did you mean 'skip_watch'?)"),
            "{e}"
        );
    }

    #[test]
    fn parses_the_sanitizer_convention() {
        let mut f = Flags::DEFAULT;
        f.parse_options(
            "skip_watch=100:udelay_task=200, log_path='/tmp/a b' delay_mode=yield",
            "test",
        )
        .unwrap();
        assert_eq!(f.skip_watch, 100);
        assert_eq!(f.udelay_task, 200);
        assert_eq!(f.log_path, "/tmp/a b");
        assert_eq!(f.delay_mode, DelayMode::Yield);
    }

    #[test]
    fn errors_name_the_option_and_the_accepted_values() {
        let mut f = Flags::DEFAULT;
        let e = f.parse_options("skip_wach=1", "KCSAN_OPTIONS").unwrap_err();
        assert_eq!(e.kind, ConfigErrorKind::Unknown);
        assert!(e.to_string().contains("unknown option 'skip_wach'"), "{e}");
        assert!(e.to_string().contains("KCSAN_OPTIONS"), "{e}");

        let e = f
            .parse_options("num_watchpoints=100", "KCSAN_OPTIONS")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value '100' for option 'num_watchpoints': expected a power of two in 1..=1024 (in KCSAN_OPTIONS)"
        );
        let e = f.parse_options("strict=maybe", "x").unwrap_err();
        assert!(e.to_string().contains("expected 0 or 1"), "{e}");
        let e = f.parse_options("udelay_task", "x").unwrap_err();
        assert_eq!(e.kind, ConfigErrorKind::Syntax);
    }

    #[test]
    fn strict_forces_the_non_strict_options_off() {
        let mut f = Flags::DEFAULT;
        f.parse_options("strict=1", "t").unwrap();
        f.resolve().unwrap();
        assert!(
            !f.report_value_change_only
                && !f.assume_plain_writes_atomic
                && !f.permissive
                && !f.ignore_atomics
        );
        assert!(
            f.interrupt_watcher,
            "strict turns interrupt_watcher on by default"
        );

        let mut f = Flags::DEFAULT;
        f.parse_options("strict=1:interrupt_watcher=0", "t")
            .unwrap();
        f.resolve().unwrap();
        assert!(!f.interrupt_watcher, "an explicit interrupt_watcher wins");

        let mut f = Flags::DEFAULT;
        f.parse_options("strict=1:assume_plain_writes_atomic=1", "t")
            .unwrap();
        let e = f.resolve().unwrap_err();
        assert!(e.to_string().contains("contradicts strict=1"), "{e}");
    }

    #[test]
    fn permissive_requires_value_change_only() {
        let mut f = Flags::DEFAULT;
        f.parse_options("permissive=1:report_value_change_only=0", "t")
            .unwrap();
        assert!(f.resolve().is_err());
    }

    #[test]
    fn every_flag_round_trips_through_get_and_set() {
        let mut f = Flags::DEFAULT;
        for info in Flags::describe() {
            let v = f.get(info.name).unwrap();
            assert_eq!(v, info.default);
            f.set(info.name, &v)
                .unwrap_or_else(|e| panic!("{}: {e}", info.name));
        }
    }

    #[test]
    fn presets_apply_where_they_appear() {
        let mut f = Flags::DEFAULT;
        f.parse_options("first_watches=9:max_stall_ratio=10%:preset=kernel", "test")
            .unwrap();
        assert_eq!(
            (
                f.delay_mode,
                f.max_stall_ratio,
                f.first_watches,
                f.skip_watch
            ),
            (DelayMode::Spin, Ratio(0.0), 0, 4000),
            "the kernel preset overrides what came before"
        );
        assert!(f.assume_plain_writes_atomic && f.report_value_change_only);
        f.parse_options("preset=kernel:first_watches=3", "test")
            .unwrap();
        assert_eq!(f.first_watches, 3, "later items override the preset");
        f.parse_options("udelay_interrupt=7:preset=user", "test")
            .unwrap();
        assert_eq!(f.delay_mode, Flags::DEFAULT.delay_mode);
        assert_eq!(f.skip_watch, Flags::DEFAULT.skip_watch);
        assert_eq!(f.udelay_interrupt, 7, "presets leave other options alone");
        f.parse_options("preset=hunt", "test").unwrap();
        assert!(f.udelay_first > Flags::DEFAULT.udelay_first);
        assert!(f.max_stall_ratio.0 > Flags::DEFAULT.max_stall_ratio.0);
    }

    #[test]
    fn preset_values_are_not_explicit() {
        // strict=1 forces the kernel preset's non-strict defaults off
        // without calling them a contradiction.
        let mut f = Flags::DEFAULT;
        f.parse_options("preset=kernel:strict=1", "test").unwrap();
        f.resolve().unwrap();
        assert!(!f.assume_plain_writes_atomic && !f.report_value_change_only);
    }

    #[test]
    fn every_preset_value_is_accepted() {
        for preset in ["user", "kernel", "hunt"] {
            let mut f = Flags::DEFAULT;
            f.set("preset", preset).unwrap();
            f.resolve().unwrap();
        }
    }

    #[test]
    fn permissive_turns_value_change_only_on_unless_told_not_to() {
        let mut f = Flags::DEFAULT;
        f.parse_options("permissive=1", "test").unwrap();
        f.resolve().unwrap();
        assert!(f.report_value_change_only);
        let mut f = Flags::DEFAULT;
        f.parse_options("permissive=1:report_value_change_only=0", "test")
            .unwrap();
        assert!(f.resolve().is_err(), "an explicit contradiction is refused");
    }

    #[test]
    fn ratios_are_fractions_or_percentages() {
        let mut f = Flags::DEFAULT;
        f.parse_options("max_stall_ratio=0.25", "test").unwrap();
        assert_eq!(f.max_stall_ratio, Ratio(0.25));
        f.parse_options("max_stall_ratio=5%", "test").unwrap();
        assert_eq!(f.max_stall_ratio, Ratio(0.05));
        for bad in ["1.5", "-0.1", "nan", "x", "150%"] {
            let e = f
                .parse_options(&format!("max_stall_ratio={bad}"), "test")
                .unwrap_err();
            assert!(e.to_string().contains("a fraction in 0..=1"), "{e}");
        }
    }
}
