//! The option table: every knob, declared once.
//!
//! This is compiler-rt's `tsan_flags.inc` idea as a `macro_rules!` table. One entry
//! per option gives the struct field, its default, the accepted values, the kernel
//! name it mirrors and its help text; the macro turns the table into [`Flags`],
//! [`Flags::DEFAULT`], [`Flags::set`] and [`Flags::describe`], so the parser,
//! `help=1`, `kcsan flags` and GUIDE.md can never drift apart.
//!
//! Names are the kernel's `kcsan.*` parameters and `CONFIG_KCSAN_*` options,
//! lowercased with the prefix dropped; defaults are the Kconfig defaults.

use super::ConfigError;
use super::value::{Accept, DelayMode, FilterMode, FlagValue, Preset, Ratio, ReportFormat};

/// One row of the option table, for help output and documentation.
#[derive(Debug, Clone)]
pub struct FlagInfo {
    /// The option's name in `KCSAN_OPTIONS`.
    pub name: &'static str,
    /// The default value, as it would be written in `KCSAN_OPTIONS`.
    pub default: String,
    /// The values the option accepts.
    pub accepts: String,
    /// The kernel option or parameter it mirrors, or `-` for user-space additions.
    pub kernel: &'static str,
    /// The help text.
    pub doc: &'static str,
    /// Whether `kcsan ctl <pid> set` may change it while the program runs.
    pub live: bool,
}

macro_rules! flags {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident : $ty:ty = $default:expr, accept $accept:expr, kernel $kernel:literal,
            $when:ident $($why:literal)?;
    )+) => {
        /// The options in force. See the option table in `config/flags.rs`, or run
        /// a program with `KCSAN_OPTIONS=help=1`.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct Flags {
            $( $(#[doc = $doc])+ pub $name: $ty, )+
            /// Bit i is set when option i was given explicitly (used to resolve `strict`).
            pub(crate) explicit: u64,
        }

        #[allow(non_camel_case_types, dead_code)]
        #[repr(u32)]
        enum FlagIndex { $( $name, )+ }

        impl Flags {
            /// The built-in defaults (the kernel's Kconfig defaults).
            pub const DEFAULT: Flags = Flags { $( $name: $default, )+ explicit: 0 };

            /// Sets one option from its textual value (a preset's own field
            /// only; [`Flags::set`] applies the preset).
            fn set_field(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
                match name {
                    $( stringify!($name) => {
                        let accept: Accept<$ty> = $accept;
                        let v = <$ty as FlagValue>::parse(value)
                            .filter(|v| accept.allows(v))
                            .ok_or_else(|| ConfigError::bad_value(name, value, accept.describe()))?;
                        self.$name = v;
                        self.explicit |= 1 << (FlagIndex::$name as u32);
                        Ok(())
                    } )+
                    _ => Err(ConfigError::unknown(name)),
                }
            }

            /// Reads one option as text (the form `set` accepts).
            pub fn get(&self, name: &str) -> Option<String> {
                match name {
                    $( stringify!($name) => Some(self.$name.show()), )+
                    _ => None,
                }
            }

            /// Why option `name` can only be set at start-up: `Some("")` for an
            /// option that `kcsan ctl <pid> set` may change at run time, `None`
            /// for an unknown name.
            pub fn startup_only_reason(name: &str) -> Option<&'static str> {
                match name {
                    $( stringify!($name) => Some(flags!(@why $when $($why)?)), )+
                    _ => None,
                }
            }

            /// Whether option `name` was given explicitly.
            pub(crate) fn is_explicit(&self, name: &str) -> bool {
                match name {
                    $( stringify!($name) => self.explicit & (1 << (FlagIndex::$name as u32)) != 0, )+
                    _ => false,
                }
            }

            /// The option table: name, default, accepted values, kernel name, help.
            pub fn describe() -> Vec<FlagInfo> {
                vec![ $( FlagInfo {
                    name: stringify!($name),
                    default: Flags::DEFAULT.$name.show(),
                    accepts: { let a: Accept<$ty> = $accept; a.describe() },
                    kernel: $kernel,
                    doc: concat!($($doc, "\n"),+).trim_ascii(),
                    live: flags!(@why $when $($why)?).is_empty(),
                }, )+ ]
            }
        }

        const _: () = assert!([$( stringify!($name) ),+].len() <= 64, "explicit is a u64 bitset");
    };
    // `live`: changeable at run time; `startup "why"`: read once at start.
    (@why live) => { "" };
    (@why startup $why:literal) => { $why };
}

impl Flags {
    /// Sets one option from its textual value. `preset` also sets the options
    /// of its preset, where it appears: later items override them.
    ///
    /// # Errors
    /// An unknown name, or a value the option does not accept.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        self.set_field(name, value)?;
        if name == "preset" {
            self.apply_preset();
        }
        Ok(())
    }

    /// Sets the options that differ between the presets: the preset's own
    /// values, and the table's defaults (the `user` preset) for the rest.
    /// Options set this way do not count as given explicitly, so `strict=1`
    /// after `preset=kernel` still turns the kernel's non-strict defaults off.
    fn apply_preset(&mut self) {
        let explicit = self.explicit;
        let values = self.preset.values();
        for &name in Preset::MANAGED {
            let value = values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
                .or_else(|| Flags::DEFAULT.get(name))
                .expect("a preset manages only options of the table");
            self.set_field(name, &value)
                .expect("a preset's values are valid");
        }
        self.explicit = explicit;
    }
}

impl Preset {
    /// The options a preset may change; every other option keeps its value.
    pub const MANAGED: &'static [&'static str] = &[
        "skip_watch",
        "udelay_task",
        "delay_mode",
        "max_stall_ratio",
        "stall_burst_ms",
        "first_watches",
        "udelay_first",
        "assume_plain_writes_atomic",
        "report_value_change_only",
        "udelay_rewatch",
    ];

    /// The preset's values where they differ from the table's defaults
    /// (which are the `user` preset).
    pub fn values(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Preset::User => &[],
            Preset::Kernel => &[
                ("skip_watch", "4000"),
                ("udelay_task", "80"),
                ("delay_mode", "spin"),
                ("max_stall_ratio", "0"),
                ("first_watches", "0"),
                ("assume_plain_writes_atomic", "1"),
                ("report_value_change_only", "1"),
                ("udelay_rewatch", "0"),
            ],
            Preset::Hunt => &[("max_stall_ratio", "0.2"), ("udelay_first", "5000")],
        }
    }
}

flags! {
    /// A named set of defaults, applied where it appears (later options
    /// override it). `user`: kcsan's user-space policy (every data race is
    /// reported; dense sampling bounded by the stall budget; a new thread's
    /// first accesses watched with long stalls). `kernel`: the kernel's exact
    /// behaviour (skip_watch=4000, udelay_task=80, spin stalls, no budget, no
    /// first watches, the non-strict defaults). `hunt`: for repeated runs in
    /// CI and `kcsan hunt`: longer first watches and twice the stall
    /// budget, so long programs keep being watched more densely.
    preset: Preset = Preset::User, accept Accept::Any, kernel "-",
        live;

    /// Turn KCSAN on when the program starts. With 0, the runtime starts
    /// switched off and checks nothing until it is switched on at run time.
    early_enable: bool = true, accept Accept::Any, kernel "kcsan.early_enable",
        startup "it only decides the state at start-up; use the `on` and `off` commands";

    /// Eligible (plain) memory accesses each thread skips before it sets up a
    /// watchpoint. Smaller finds more races; larger costs less. This parameter has
    /// the most significant impact on overhead and detection. The user preset
    /// samples densely and lets the stall budget stretch the skip count where
    /// stalls would cost too much (the kernel's default is 4000).
    skip_watch: u64 = 20, accept Accept::Range(0, 1 << 40), kernel "CONFIG_KCSAN_SKIP_WATCH",
        live;

    /// Draw each skip count uniformly from [1, skip_watch] instead of using
    /// skip_watch exactly, so that watchpoints do not lock step with loops.
    skip_watch_randomize: bool = true, accept Accept::Any, kernel "CONFIG_KCSAN_SKIP_WATCH_RANDOMIZE",
        live;

    /// Microseconds a thread stalls with a watchpoint set up. Larger widens the
    /// window in which a racing access is observed. The user preset stalls
    /// briefly and often (the kernel's default is 80).
    udelay_task: u32 = 10, accept Accept::Range(0, 1_000_000), kernel "CONFIG_KCSAN_UDELAY_TASK",
        live;

    /// Microseconds a signal handler (the kernel's "interrupt" context) stalls
    /// with a watchpoint set up; handlers have tighter latency needs.
    udelay_interrupt: u32 = 20, accept Accept::Range(0, 1_000_000), kernel "CONFIG_KCSAN_UDELAY_INTERRUPT",
        live;

    /// Draw each stall uniformly up to udelay_task / udelay_interrupt (compound
    /// accesses and assertions from the upper half) instead of the full delay.
    delay_randomize: bool = true, accept Accept::Any, kernel "CONFIG_KCSAN_DELAY_RANDOMIZE",
        live;

    /// How a stalled thread waits: `yield` calls sched_yield while it waits,
    /// giving its CPU to the threads it may catch (on a 2-core machine it
    /// caught races in 80% of runs against 33% for `spin`; BENCHMARKS.md);
    /// `spin` busy-waits like the kernel's udelay; `sleep` sleeps, using no
    /// CPU while it waits, at the price of the timer slack (~50 us) on top.
    delay_mode: DelayMode = DelayMode::Yield, accept Accept::Any, kernel "-",
        live;

    /// The stall budget: the most of its run time a thread may spend stalled
    /// in watchpoints (0: no budget, the kernel's behaviour). When a thread's
    /// stalls would exceed it, its skip count is stretched, so watchpoints keep
    /// being set up everywhere, just less often, and overhead stays bounded on
    /// access-dense code. The default (0.1, with a 20 ms burst) halves the
    /// cost on real programs for the same detection in short ones
    /// (BENCHMARKS.md); preset=kernel turns it off.
    max_stall_ratio: Ratio = Ratio(0.1), accept Accept::Any, kernel "-",
        live;

    /// The stall budget's burst, in milliseconds: the stall credit a thread
    /// starts with and can save up (after waiting, say) before
    /// max_stall_ratio applies. Short programs and new threads spend it on
    /// their first watchpoints.
    stall_burst_ms: u32 = 20, accept Accept::Range(0, 60_000), kernel "-",
        live;

    /// A new thread's first watches: its first N eligible accesses are all
    /// watched, each stalling for up to udelay_first, so that the races of
    /// short-lived parallel code (a loop chunk's first iteration against the
    /// neighbour's last, a sum loaded before a chunk and stored after it)
    /// are caught while the other threads run. 0: none (the kernel).
    first_watches: u32 = 4, accept Accept::Range(0, 1_000_000), kernel "-",
        live;

    /// The longest stall of a new thread's first watches, in microseconds.
    /// With delay_randomize each draws its length log-uniformly from 1 us up
    /// to this (as likely 1-10 us as 100 us-1 ms), since the gap between the
    /// racing accesses can be anything in that range.
    udelay_first: u32 = 3000, accept Accept::Range(0, 1_000_000), kernel "-",
        live;

    /// Focus: functions (names as reports show them, separated by ',' or ';';
    /// quote the value: `focus_functions='a::f;g'`) whose every access is
    /// watched, code that runs rarely for longest (udelay_focus), while the
    /// rest of the program is sampled as usual. For making a reported race happen again and for
    /// checking a fix (`kcsan repro`). While a list is set, every access of
    /// the program takes the slow path. Names not found are listed at exit.
    focus_functions: String = String::new(), accept Accept::Text("function names, separated by , or ;"), kernel "-",
        live;
    /// With focus_functions: watch nothing outside the focused functions (no
    /// sampling, no first watches).
    focus_only: bool = false, accept Accept::Any, kernel "-",
        live;
    /// How long an access of a focused function is held (watched), in
    /// microseconds, the first times its code runs; then less, in
    /// proportion to how often it ran (code that runs once per thread is
    /// held long, hot loops hardly at all). A thread spends at most 90% of
    /// its time held.
    udelay_focus: u32 = 1000, accept Accept::Range(0, 1_000_000), kernel "-",
        live;
    /// The most watchpoints set up at once (a power of two). The kernel's
    /// option is also its table's size; kcsan's table always has 1024 slots,
    /// hashed by page and 64 MiB region, so this only caps how many threads
    /// can be watching at the same moment (no_capacity counts the rest).
    num_watchpoints: u32 = 64, accept Accept::PowerOfTwo(1, 1024), kernel "CONFIG_KCSAN_NUM_WATCHPOINTS",
        startup "it sets the watchpoint capacity once, when the runtime starts";

    /// Report a race between the same two top frames at most once per this many
    /// milliseconds (0: no rate limit).
    report_once_in_ms: u64 = 3000, accept Accept::Range(0, 1 << 40), kernel "CONFIG_KCSAN_REPORT_ONCE_IN_MS",
        live;

    /// Drop a race whose watcher saw no value change, unless the other access is
    /// in a function whose name contains rcu_, _rcu or _srcu. Races on more than
    /// 8 bytes and assertions are always reported. Off in the user preset: in
    /// C, C++ and Rust a data race is undefined behaviour whatever the values
    /// (the kernel's default is on).
    report_value_change_only: bool = false, accept Accept::Any, kernel "CONFIG_KCSAN_REPORT_VALUE_CHANGE_ONLY",
        live;

    /// Report races of unknown origin: the watched value changed but no
    /// instrumented access was seen (for example, a write from uninstrumented
    /// code). Assertion failures are always reported.
    report_race_unknown_origin: bool = true, accept Accept::Any, kernel "CONFIG_KCSAN_REPORT_RACE_UNKNOWN_ORIGIN",
        live;

    /// When the value changed but nobody hit the watchpoint, watch the same
    /// access again for this many microseconds before reporting a race of
    /// unknown origin: an instrumented writer that writes again meanwhile
    /// (one whose check ran just before the first watch began) is reported
    /// with its stack, and an unknown-origin report says what the second
    /// watch saw. Charged to the stall budget. 0: report at once (the kernel).
    udelay_rewatch: u32 = 1000, accept Accept::Range(0, 1_000_000), kernel "-",
        live;

    /// Treat aligned plain writes of up to 8 bytes (not read-modify-writes) as
    /// atomic: they never set up watchpoints, so plain write/write races are not
    /// reported. Off in the user preset: in C, C++ and Rust two unsynchronised
    /// plain writes are a data race (the kernel's default is on).
    assume_plain_writes_atomic: bool = false, accept Accept::Any, kernel "CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC",
        live;

    /// Ignore marked accesses (atomics, volatile) entirely: they neither set up
    /// nor check watchpoints.
    ignore_atomics: bool = false, accept Accept::Any, kernel "CONFIG_KCSAN_IGNORE_ATOMICS",
        live;

    /// Enable the permissive rules: ignore plain reads that see a single bit
    /// change (except boolean-like 0 <-> 1). Requires report_value_change_only.
    permissive: bool = false, accept Accept::Any, kernel "CONFIG_KCSAN_PERMISSIVE",
        live;

    /// The strictest rules (KCSAN_STRICT): forces report_value_change_only,
    /// assume_plain_writes_atomic, ignore_atomics and permissive off and turns
    /// interrupt_watcher on unless it is given.
    strict: bool = false, accept Accept::Any, kernel "CONFIG_KCSAN_STRICT",
        startup "it rewrites other options when the runtime starts; set those one by one";

    /// Model weak memory: a watched plain access stays pending, and is checked
    /// again after each later access of its thread, until a barrier orders it or
    /// its function returns; races only reordering allows are reported as
    /// "(reordered)". Needs programs built with function entry/exit
    /// instrumentation (`KCSAN_WEAK_MEMORY=1 kcsan cc`). Off by default (the
    /// kernel turns it on with STRICT).
    weak_memory: bool = false, accept Accept::Any, kernel "CONFIG_KCSAN_WEAK_MEMORY",
        live;

    /// Leave signals deliverable while a watchpoint is set up, so races between a
    /// thread and its own signal handlers are found. Off: signals are blocked
    /// during the stall. Defaults to on with strict=1.
    interrupt_watcher: bool = false, accept Accept::Any, kernel "CONFIG_KCSAN_INTERRUPT_WATCHER",
        live;

    /// The exit status of a process that reported a race (the sanitizers'
    /// convention); it replaces the program's own status at exit. 0 keeps the
    /// program's status.
    exitcode: u32 = 66, accept Accept::Range(0, 255), kernel "-",
        live;

    /// Exit (with exitcode) right after the first report.
    halt_on_error: bool = false, accept Accept::Any, kernel "-",
        live;

    /// Where the runtime would exit with exitcode (at exit after a report, or
    /// at the first report with halt_on_error), call abort() instead, for a
    /// core dump or a debugger (the kernel's panic_on_warn).
    abort_on_error: bool = false, accept Accept::Any, kernel "-",
        live;

    /// Functions (names separated by ';') whose races are filtered: the
    /// kernel's debugfs `!func` list, matched against the reports' top frames.
    filter_functions: String = String::new(), accept Accept::Text("function names, separated by ;"), kernel "debugfs !func",
        live;

    /// blacklist: drop a report if either top frame is listed; whitelist: keep
    /// a report only if all its top frames are listed. An empty list filters
    /// nothing in either mode.
    filter_mode: FilterMode = FilterMode::Blacklist, accept Accept::Any, kernel "debugfs blacklist/whitelist",
        live;

    /// How reports are written: `kcsan` (KCSAN's report), `tsan`
    /// (ThreadSanitizer's shape, for harnesses that count its warnings) or
    /// `json` (JSON Lines, one object per report, schema in GUIDE.md).
    report_format: ReportFormat = ReportFormat::Kcsan, accept Accept::Any, kernel "-",
        live;

    /// A file of suppressions in ThreadSanitizer's syntax (race:, race_top:,
    /// called_from_lib:, # comments, * wildcards, ^ and $ anchors): races
    /// they match are not reported. A malformed line stops the program.
    suppressions: String = String::new(), accept Accept::Text("a file (empty: none)"), kernel "-",
        startup "the file is read and checked once, when the runtime starts";

    /// A file of full thread names, one per line: a name the kernel cut to
    /// 15 bytes is shown whole in reports when it begins exactly one of them
    /// (of several, the one whose code is in the thread's stack). Without a
    /// match, a cut Rust path is completed from the thread's stack.
    /// `cargo kcsan test` names the test binary's tests here.
    thread_names: String = String::new(), accept Accept::Text("a file (empty: none)"), kernel "-",
        startup "the file is read once, when the runtime starts";

    /// At exit, list the suppressions that matched and how often.
    print_suppressions: bool = false, accept Accept::Any, kernel "-",
        live;

    /// Write reports to `<log_path>.<pid>` instead of stderr (one file per process).
    log_path: String = String::new(), accept Accept::Any, kernel "-",
        startup "the process keeps writing to the destination it opened";

    /// Print the statistics counters when the process exits.
    print_stats: bool = false, accept Accept::Any, kernel "-",
        live;

    /// Serve live control (the kernel's debugfs file) on a Unix socket,
    /// `$XDG_RUNTIME_DIR/kcsan/<pid>` or else `/tmp/kcsan-<uid>/<pid>`, for
    /// `kcsan ctl <pid> <command>`. 0: no socket and no server thread.
    control: bool = true, accept Accept::Any, kernel "debugfs kcsan file",
        startup "the control server starts with the runtime";

    /// Print this table to stderr when the runtime starts.
    help: bool = false, accept Accept::Any, kernel "-",
        startup "the table is printed when the runtime starts";
}
