//! Option value types: how each type is parsed, shown and constrained.

/// How a stalled watcher waits (`delay_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelayMode {
    /// Busy-wait on the monotonic clock, like the kernel's `udelay`.
    Spin,
    /// Call `sched_yield` while waiting.
    Yield,
    /// Sleep (`clock_nanosleep`) until the stall ends: the watcher uses no
    /// CPU while it waits, but the kernel's timer slack lengthens the stall.
    Sleep,
}

/// Which reports the function filter list drops (`filter_mode`, the kernel's
/// debugfs `blacklist` / `whitelist`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterMode {
    /// Drop reports whose top frames include a listed function.
    Blacklist,
    /// Keep only reports whose top frames are all listed functions.
    Whitelist,
}

/// How reports are written (`report_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// KCSAN's report (kcsan.rst "Error reports").
    Kcsan,
    /// ThreadSanitizer's shape, for harnesses that count its warnings.
    Tsan,
    /// JSON Lines (schema in `report::format`).
    Json,
}

/// A fraction of time in `0..=1` (`max_stall_ratio`), written `0.1` or `10%`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratio(pub f64);

impl Ratio {
    /// Whether the ratio is 0 (the feature it bounds is off).
    pub fn is_off(self) -> bool {
        self.0 <= 0.0
    }
}

/// A named set of defaults (`preset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// kcsan's user-space defaults (BENCHMARKS.md explains the choice).
    User,
    /// The kernel's exact behaviour: its sampling and stall defaults,
    /// busy-waiting stalls, no stall budget, no first watches, its
    /// non-strict reporting defaults.
    Kernel,
    /// For repeated runs (CI, `kcsan hunt`): denser sampling, more and
    /// longer first watches, a larger stall budget.
    Hunt,
}

/// A type an option can have.
pub(crate) trait FlagValue: Sized {
    /// Parses a value as written in `KCSAN_OPTIONS`.
    fn parse(s: &str) -> Option<Self>;
    /// Shows a value the way `parse` accepts it.
    fn show(&self) -> String;
    /// The accepted values when there is no further constraint.
    fn kind() -> &'static str;
}

impl FlagValue for bool {
    fn parse(s: &str) -> Option<bool> {
        match s {
            "1" | "true" | "yes" | "on" => Some(true),
            "0" | "false" | "no" | "off" => Some(false),
            _ => None,
        }
    }
    fn show(&self) -> String {
        if *self { "1" } else { "0" }.to_owned()
    }
    fn kind() -> &'static str {
        "0 or 1"
    }
}

macro_rules! int_flag_value {
    ($($t:ty),*) => {$(
        impl FlagValue for $t {
            fn parse(s: &str) -> Option<$t> {
                let s = s.replace('_', "");
                match s.strip_prefix("0x") {
                    Some(hex) => <$t>::from_str_radix(hex, 16).ok(),
                    None => s.parse().ok(),
                }
            }
            fn show(&self) -> String {
                self.to_string()
            }
            fn kind() -> &'static str {
                "an integer"
            }
        }
    )*};
}
int_flag_value!(u32, u64);

impl FlagValue for String {
    fn parse(s: &str) -> Option<String> {
        Some(s.to_owned())
    }
    fn show(&self) -> String {
        self.clone()
    }
    fn kind() -> &'static str {
        "a path (empty: stderr)"
    }
}

impl FlagValue for Ratio {
    fn parse(s: &str) -> Option<Ratio> {
        let v = match s.strip_suffix('%') {
            Some(pct) => pct.trim().parse::<f64>().ok()? / 100.0,
            None => s.parse::<f64>().ok()?,
        };
        (0.0..=1.0).contains(&v).then_some(Ratio(v))
    }
    fn show(&self) -> String {
        self.0.to_string()
    }
    fn kind() -> &'static str {
        "a fraction in 0..=1 (0.1 or 10%)"
    }
}

impl FlagValue for Preset {
    fn parse(s: &str) -> Option<Preset> {
        match s {
            "user" => Some(Preset::User),
            "kernel" => Some(Preset::Kernel),
            "hunt" => Some(Preset::Hunt),
            _ => None,
        }
    }
    fn show(&self) -> String {
        match self {
            Preset::User => "user",
            Preset::Kernel => "kernel",
            Preset::Hunt => "hunt",
        }
        .to_owned()
    }
    fn kind() -> &'static str {
        "user, kernel or hunt"
    }
}

impl FlagValue for DelayMode {
    fn parse(s: &str) -> Option<DelayMode> {
        match s {
            "spin" => Some(DelayMode::Spin),
            "yield" => Some(DelayMode::Yield),
            "sleep" => Some(DelayMode::Sleep),
            _ => None,
        }
    }
    fn show(&self) -> String {
        match self {
            DelayMode::Spin => "spin",
            DelayMode::Yield => "yield",
            DelayMode::Sleep => "sleep",
        }
        .to_owned()
    }
    fn kind() -> &'static str {
        "spin, yield or sleep"
    }
}

impl FlagValue for FilterMode {
    fn parse(s: &str) -> Option<FilterMode> {
        match s {
            "blacklist" | "denylist" => Some(FilterMode::Blacklist),
            "whitelist" | "allowlist" => Some(FilterMode::Whitelist),
            _ => None,
        }
    }
    fn show(&self) -> String {
        match self {
            FilterMode::Blacklist => "blacklist",
            FilterMode::Whitelist => "whitelist",
        }
        .to_owned()
    }
    fn kind() -> &'static str {
        "blacklist or whitelist (denylist, allowlist)"
    }
}

impl FlagValue for ReportFormat {
    fn parse(s: &str) -> Option<ReportFormat> {
        match s {
            "kcsan" => Some(ReportFormat::Kcsan),
            "tsan" => Some(ReportFormat::Tsan),
            "json" => Some(ReportFormat::Json),
            _ => None,
        }
    }
    fn show(&self) -> String {
        match self {
            ReportFormat::Kcsan => "kcsan",
            ReportFormat::Tsan => "tsan",
            ReportFormat::Json => "json",
        }
        .to_owned()
    }
    fn kind() -> &'static str {
        "kcsan, tsan or json"
    }
}

/// The values an option accepts beyond what its type can parse.
#[derive(Debug)]
pub(crate) enum Accept<T> {
    /// Anything the type parses.
    Any,
    /// An integer in `lo..=hi`.
    Range(u64, u64),
    /// A power of two in `lo..=hi`.
    PowerOfTwo(u64, u64),
    /// Any text the type parses, described as given (a list of names, a
    /// file).
    Text(&'static str),
    #[allow(dead_code)]
    #[doc(hidden)]
    _Type(core::marker::PhantomData<T>),
}

/// Integer view of a value, for range checks.
pub(crate) trait AsU64 {
    fn as_u64(&self) -> Option<u64>;
}
impl AsU64 for u32 {
    fn as_u64(&self) -> Option<u64> {
        Some(u64::from(*self))
    }
}
impl AsU64 for u64 {
    fn as_u64(&self) -> Option<u64> {
        Some(*self)
    }
}
impl AsU64 for bool {
    fn as_u64(&self) -> Option<u64> {
        None
    }
}
impl AsU64 for String {
    fn as_u64(&self) -> Option<u64> {
        None
    }
}
impl AsU64 for Ratio {
    fn as_u64(&self) -> Option<u64> {
        None
    }
}
impl AsU64 for Preset {
    fn as_u64(&self) -> Option<u64> {
        None
    }
}
impl AsU64 for DelayMode {
    fn as_u64(&self) -> Option<u64> {
        None
    }
}
impl AsU64 for FilterMode {
    fn as_u64(&self) -> Option<u64> {
        None
    }
}
impl AsU64 for ReportFormat {
    fn as_u64(&self) -> Option<u64> {
        None
    }
}

impl<T: FlagValue + AsU64> Accept<T> {
    pub(crate) fn allows(&self, v: &T) -> bool {
        match (self, v.as_u64()) {
            (Accept::Range(lo, hi), Some(n)) => (*lo..=*hi).contains(&n),
            (Accept::PowerOfTwo(lo, hi), Some(n)) => {
                n.is_power_of_two() && (*lo..=*hi).contains(&n)
            }
            _ => true,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Accept::Range(lo, hi) => format!("an integer in {lo}..={hi}"),
            Accept::PowerOfTwo(lo, hi) => format!("a power of two in {lo}..={hi}"),
            Accept::Text(what) => (*what).to_owned(),
            _ => T::kind().to_owned(),
        }
    }
}
