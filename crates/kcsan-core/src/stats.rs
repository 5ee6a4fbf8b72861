//! The statistics counters, with the kernel's names (debugfs "stats").

use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// One statistics counter. The order is the kernel's (our additions last), which is the order
/// `kcsan ctl stats` and `print_stats=1` print them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Counter {
    /// Watchpoints set up right now.
    UsedWatchpoints,
    /// Watchpoints set up since start.
    SetupWatchpoints,
    /// Data races seen, counted by the racing (consuming) thread.
    DataRaces,
    /// Assertion failures; both sides of a failed assertion may count.
    AssertFailures,
    /// Watchpoints not set up because all candidate slots were in use.
    NoCapacity,
    /// A racing thread lost the race to consume a watchpoint (or it was gone):
    /// the race was counted but cannot be reported with this thread's stack.
    ReportRaces,
    /// Value changes seen with no racing access observed.
    RacesUnknownOrigin,
    /// Accesses that could not be watched (null page or larger than 8 KiB).
    UnencodableAccesses,
    /// Watchpoint matches discarded because the real addresses did not overlap.
    EncodingFalsePositives,
    /// Watchpoints not set up because the thread's stall budget
    /// (`max_stall_ratio`) was spent; its skip count was stretched instead.
    BudgetSkips,
}

/// Number of counters.
pub const COUNTER_COUNT: usize = Counter::BudgetSkips as usize + 1;

impl Counter {
    /// Every counter, in print order.
    pub const ALL: [Counter; COUNTER_COUNT] = [
        Counter::UsedWatchpoints,
        Counter::SetupWatchpoints,
        Counter::DataRaces,
        Counter::AssertFailures,
        Counter::NoCapacity,
        Counter::ReportRaces,
        Counter::RacesUnknownOrigin,
        Counter::UnencodableAccesses,
        Counter::EncodingFalsePositives,
        Counter::BudgetSkips,
    ];

    /// The kernel's name for the counter.
    pub const fn name(self) -> &'static str {
        match self {
            Counter::UsedWatchpoints => "used_watchpoints",
            Counter::SetupWatchpoints => "setup_watchpoints",
            Counter::DataRaces => "data_races",
            Counter::AssertFailures => "assert_failures",
            Counter::NoCapacity => "no_capacity",
            Counter::ReportRaces => "report_races",
            Counter::RacesUnknownOrigin => "races_unknown_origin",
            Counter::UnencodableAccesses => "unencodable_accesses",
            Counter::EncodingFalsePositives => "encoding_false_positives",
            Counter::BudgetSkips => "budget_skips",
        }
    }

    /// Adds one.
    #[inline]
    pub fn inc(self) {
        COUNTERS[self as usize].fetch_add(1, Relaxed);
    }

    /// Subtracts one (only `used_watchpoints` goes down).
    #[inline]
    pub fn dec(self) {
        COUNTERS[self as usize].fetch_sub(1, Relaxed);
    }

    /// The current value.
    pub fn get(self) -> usize {
        COUNTERS[self as usize].load(Relaxed)
    }
}

static COUNTERS: [AtomicUsize; COUNTER_COUNT] = [const { AtomicUsize::new(0) }; COUNTER_COUNT];

/// Sets `used_watchpoints` to zero (after fork, the parent's watchers are gone).
pub(crate) fn reset_used() {
    COUNTERS[Counter::UsedWatchpoints as usize].store(0, Relaxed);
}

/// The counters as the kernel's debugfs file shows them: `enabled: 1` and one
/// `name: value` line per counter.
pub fn render(enabled: bool) -> String {
    let mut out = format!("enabled: {}\n", u8::from(enabled));
    for c in Counter::ALL {
        out += &format!("{}: {}\n", c.name(), c.get());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_counter_in_order() {
        for (i, c) in Counter::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "{} is out of order", c.name());
        }
    }
}
