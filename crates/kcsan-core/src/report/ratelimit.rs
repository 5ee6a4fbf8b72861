//! `report_once_in_ms`: the same pair of top frames is reported at most once per
//! window.
//!
//! A fixed table (the kernel's size: one page of entries) keeps memory bounded
//! and needs no allocation. Keys are the top frames' addresses after runtime
//! frames are skipped; the pair matches in either order.

/// Entries in the table (4096 / 24 bytes, as in the kernel).
const REPORT_TIMES_SIZE: usize = 170;

#[derive(Clone, Copy, Debug)]
struct ReportTime {
    /// When the pair was last reported; `None`: unused.
    time_ms: Option<u64>,
    frame1: usize,
    frame2: usize,
}

/// The rate-limit table.
#[derive(Debug)]
pub(crate) struct RateLimit {
    times: [ReportTime; REPORT_TIMES_SIZE],
}

impl RateLimit {
    pub(crate) const fn new() -> RateLimit {
        RateLimit {
            times: [ReportTime {
                time_ms: None,
                frame1: 0,
                frame2: 0,
            }; REPORT_TIMES_SIZE],
        }
    }

    /// Whether a report for `(frame1, frame2)` at `now_ms` should be suppressed;
    /// if not, records it. `window_ms == 0` turns rate limiting off. For races of
    /// unknown origin `frame2` is 0.
    pub(crate) fn should_suppress(
        &mut self,
        now_ms: u64,
        window_ms: u64,
        frame1: usize,
        frame2: usize,
    ) -> bool {
        if window_ms == 0 {
            return false;
        }
        let invalid_before = now_ms.saturating_sub(window_ms);
        let mut oldest = 0;
        for (i, rt) in self.times.iter().enumerate() {
            let Some(t) = rt.time_ms else {
                // Unused entries come after all used ones: nothing further matches.
                oldest = i;
                break;
            };
            if self.times[oldest].time_ms.is_some_and(|o| t < o) {
                oldest = i;
            }
            if t < invalid_before {
                continue;
            }
            if (rt.frame1 == frame1 && rt.frame2 == frame2)
                || (rt.frame1 == frame2 && rt.frame2 == frame1)
            {
                return true;
            }
        }
        self.times[oldest] = ReportTime {
            time_ms: Some(now_ms),
            frame1,
            frame2,
        };
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_reported_once_per_window_in_either_order() {
        let mut rl = RateLimit::new();
        assert!(!rl.should_suppress(1000, 3000, 1, 2));
        assert!(rl.should_suppress(1001, 3000, 1, 2));
        assert!(rl.should_suppress(1002, 3000, 2, 1), "either order");
        assert!(!rl.should_suppress(1003, 3000, 1, 3), "another pair");
        assert!(!rl.should_suppress(4001, 3000, 1, 2), "window passed");
        assert!(!rl.should_suppress(4002, 0, 1, 2), "0 disables");
    }

    #[test]
    fn a_full_table_replaces_the_oldest_entry() {
        let mut rl = RateLimit::new();
        for i in 0..REPORT_TIMES_SIZE {
            assert!(!rl.should_suppress(100 + i as u64, 3000, 10 + i, 0));
        }
        assert!(
            !rl.should_suppress(500, 3000, 9999, 0),
            "new pair while full"
        );
        assert!(
            !rl.should_suppress(501, 3000, 10, 0),
            "the oldest pair was evicted"
        );
        assert!(
            rl.should_suppress(502, 3000, 11 + 5, 0),
            "younger pairs stay"
        );
    }
}
