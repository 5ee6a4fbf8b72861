//! A small lock-free statistics block written against the kcsan crate's
//! types, and race tests for it in the style of the kernel's kcsan_test:
//! test kernels, run on two threads until the expected report arrives
//! (`expect`) or the time is up (`never`).
//!
//! Under plain `cargo test` the kcsan types are std's and the tests that need
//! the runtime are ignored; under `cargo kcsan test` every test runs.

use kcsan::cell::UnsafeCell;
use kcsan::sync::atomic::{AtomicU64, Ordering};

/// Statistics shared between threads.
#[derive(Default)]
pub struct Stats {
    /// Owner-only (plain) field: the bug is updating it from two threads.
    pub plain: UnsafeCell<u64>,
    /// A proper counter.
    pub hits: AtomicU64,
    /// Written only by the owner, read by anyone.
    pub owner_value: AtomicU64,
}

// SAFETY: `plain` is the one racy field, and racing on it is what the tests
// are about; everything else is atomic.
unsafe impl Sync for Stats {}

impl Stats {
    /// A plain increment of `plain` (racy if two threads do it).
    #[inline(never)]
    pub fn bump_plain(&self) {
        // SAFETY: a u64 increment; racing here is the bug the tests find.
        self.plain.with_mut(|p| unsafe { *p += 1 });
    }

    /// A plain read of `plain`.
    #[inline(never)]
    pub fn read_plain(&self) -> u64 {
        // SAFETY: as above.
        self.plain.with(|p| unsafe { p.read() })
    }

    /// The same read, marked as intentionally racy.
    #[inline(never)]
    pub fn read_plain_racy_ok(&self) -> u64 {
        // SAFETY: as above; a stale value is fine for this caller.
        kcsan::data_race!(self.plain.with(|p| unsafe { p.read() }))
    }

    /// An atomic increment of `hits`.
    #[inline(never)]
    pub fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// The owner's update: asserts that nobody else writes `owner_value`.
    #[inline(never)]
    pub fn owner_update(&self, v: u64) {
        kcsan::assert_exclusive_writer!(self.owner_value);
        self.owner_value.store(v, Ordering::Relaxed);
    }

    /// A rogue writer of `owner_value` (the bug `owner_update` asserts against).
    #[inline(never)]
    pub fn rogue_update(&self, v: u64) {
        self.owner_value.store(v, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kcsan::test::{Access, Expect, Test};
    use std::time::Duration;

    const FOUND_WITHIN: Duration = Duration::from_secs(20);
    const QUIET_FOR: Duration = Duration::from_millis(700);

    #[test]
    #[cfg_attr(not(kcsan), ignore = "needs cargo kcsan")]
    fn plain_increments_race() {
        let s = Stats::default();
        let r = Test::new()
            .timeout(FOUND_WITHIN)
            .kernel(|| s.bump_plain())
            .kernel(|| {
                s.read_plain();
            })
            .expect(&Expect::race(
                Access::write("bump_plain").addr(s.plain.get_mut().with(|p| p)),
                Access::in_function("plain"),
            ));
        assert_eq!(r.bug_type, "data-race");
        assert_eq!(r.this.size, 8);
        let frames: Vec<_> = r.accesses().flat_map(|a| &a.frames).collect();
        assert!(
            frames.iter().all(|f| !f.function.starts_with("kcsan::")
                && !f.function.contains("__rust_begin_short_backtrace")),
            "runtime and thread-start frames are left out: {frames:#?}"
        );
        assert!(
            frames.iter().any(|f| f.file.ends_with("src/lib.rs") && f.line > 0),
            "frames have file:line: {frames:#?}"
        );
        assert!(
            r.accesses().all(|a| a.thread_name.starts_with("kcsan-test-")),
            "the harness names its threads: {r:#?}"
        );
    }

    #[test]
    #[cfg_attr(not(kcsan), ignore = "needs cargo kcsan")]
    fn exclusive_writer_assertion_fires() {
        let s = Stats::default();
        let r = Test::new()
            .timeout(FOUND_WITHIN)
            .kernel(|| s.owner_update(1))
            .kernel(|| s.rogue_update(2))
            .expect(&Expect::race(
                Access::assert_writer("owner_update"),
                Access::marked_write("rogue_update"),
            ));
        assert_eq!(r.bug_type, "assert: race");
    }

    #[test]
    fn atomics_never_race() {
        let s = Stats::default();
        Test::new()
            .timeout(QUIET_FOR)
            .kernel(|| s.hit())
            .kernel(|| s.owner_update(3))
            .never(&Expect::race(Access::any(), Access::any()));
    }

    #[test]
    fn data_race_reads_are_not_reported() {
        let s = Stats::default();
        let plain = s.plain.get().with(|p| p);
        Test::new()
            .timeout(QUIET_FOR)
            .kernel(|| {
                let s = &s; // the whole Stats (Sync), not its field
                // A changing value: with the default report_value_change_only,
                // a read watcher reports only when the value changed.
                let v = s.hits.fetch_add(1, Ordering::Relaxed);
                // SAFETY: racing with the data_race! read is allowed.
                s.plain.with_mut(|p| unsafe { p.write(v) });
            })
            .kernel(|| {
                s.read_plain_racy_ok();
            })
            // By address: identical functions may be merged by the optimizer,
            // so function names are not a reliable key here.
            .never(&Expect::race(Access::any().addr(plain), Access::any()));
    }

    #[test]
    fn atomic_regions_mark_plain_accesses() {
        let s = Stats::default();
        Test::new()
            .timeout(QUIET_FOR)
            .kernel(|| {
                let _region = kcsan::nestable_atomic();
                s.bump_plain();
            })
            .never(&Expect::race(
                Access::in_function("bump_plain"),
                Access::in_function("bump_plain"),
            ));
    }
}
