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
    /// Bits 8..16 belong to the owner; the other bits anyone may flip.
    pub flags: AtomicU64,
}

/// The owner's bits of `Stats::flags`.
pub const OWNER_BITS: u64 = 0xff00;

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

    /// A reader of `owner_value` (allowed next to `owner_update`).
    #[inline(never)]
    pub fn peek(&self) -> u64 {
        self.owner_value.load(Ordering::Relaxed)
    }

    /// Teardown: nobody may even read `owner_value` now.
    #[inline(never)]
    pub fn teardown(&self) {
        kcsan::assert_exclusive_access!(self.owner_value);
        self.owner_value.store(0, Ordering::Relaxed);
    }

    /// A longer owner update, asserted exclusive for its whole scope.
    #[inline(never)]
    pub fn owner_update_scoped(&self) {
        let _excl = kcsan::assert_exclusive_writer_scoped!(self.owner_value);
        let v = self.owner_value.load(Ordering::Relaxed);
        for i in 0..64 {
            std::hint::black_box(i);
        }
        self.owner_value.store(v + 1, Ordering::Relaxed);
    }

    /// Reads the owner's bits of `flags`, asserting no one else changes them.
    #[inline(never)]
    pub fn owner_bits(&self) -> u64 {
        kcsan::assert_exclusive_bits!(self.flags, OWNER_BITS);
        (self.flags.load(Ordering::Relaxed) & OWNER_BITS) >> 8
    }

    /// Flips a bit outside the owner's mask (allowed).
    #[inline(never)]
    pub fn flip_free_bit(&self) {
        self.flags.fetch_xor(1, Ordering::Relaxed);
    }

    /// Flips one of the owner's bits (the bug `owner_bits` asserts against).
    #[inline(never)]
    pub fn flip_owner_bit(&self) {
        self.flags.fetch_xor(0x100, Ordering::Relaxed);
    }

    /// Publishes a value into `plain` with a marked write (WRITE_ONCE).
    #[inline(never)]
    pub fn publish(&self, v: u64) {
        // raw_get: no plain-write check of its own (with_mut would add one);
        // write_once checks the marked write.
        // SAFETY: the cell's pointer is valid and aligned; racing with plain
        // readers is what the test is about.
        unsafe { kcsan::write_once(UnsafeCell::raw_get(&self.plain), v) };
    }

    /// A plain read with checking disabled for this thread.
    #[inline(never)]
    pub fn read_plain_unchecked(&self) -> u64 {
        let _off = kcsan::disable_current();
        // SAFETY: as for read_plain.
        self.plain.with(|p| unsafe { p.read() })
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
        // The kcsan crate's frames may sit between user frames (UnsafeCell::with
        // calls the user's closure), but never on top: the runtime's part is cut.
        assert!(
            r.accesses().all(|a| !a.frames[0].function.starts_with("kcsan"))
                && frames
                    .iter()
                    .all(|f| !f.function.contains("__rust_begin_short_backtrace")),
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
        // The assertion's frame shows where it was written, to the column
        // (`#[track_caller]`): line tables alone give the line only.
        let (line, column) = written_at("kcsan::assert_exclusive_writer!(self.owner_value)");
        assert!(
            r.text.contains(&format!("src/lib.rs:{line}:{column}")),
            "the assertion's location, src/lib.rs:{line}:{column}:\n{}",
            r.text
        );
    }

    /// The line and column of `code` in this file (1-based).
    fn written_at(code: &str) -> (usize, usize) {
        include_str!("lib.rs")
            .lines()
            .enumerate()
            .find_map(|(i, l)| l.find(code).map(|c| (i + 1, c + 1)))
            .expect("the code is in this file")
    }

    #[test]
    #[cfg_attr(not(kcsan), ignore = "needs cargo kcsan")]
    fn exclusive_access_assertion_catches_readers() {
        let s = Stats::default();
        let r = Test::new()
            .timeout(FOUND_WITHIN)
            .kernel(|| s.teardown())
            .kernel(|| {
                s.peek();
            })
            .expect(&Expect::race(
                Access::assert_access("teardown"),
                Access::marked_read("peek"),
            ));
        assert_eq!(r.bug_type, "assert: race");
    }

    #[test]
    #[cfg_attr(not(kcsan), ignore = "needs cargo kcsan")]
    fn scoped_writer_assertion_fires() {
        let s = Stats::default();
        let r = Test::new()
            .timeout(FOUND_WITHIN)
            .kernel(|| s.owner_update_scoped())
            .kernel(|| s.rogue_update(9))
            .expect(&Expect::race(
                Access::assert_writer("owner_update_scoped"),
                Access::marked_write("rogue_update"),
            ));
        let scoped = r
            .accesses()
            .any(|a| a.ty & kcsan::ACCESS_SCOPED != 0 && a.description.contains("reordered"));
        assert!(scoped, "the assertion is a scoped access: {r:#?}");
    }

    #[test]
    #[cfg_attr(not(kcsan), ignore = "needs cargo kcsan")]
    fn exclusive_bits_catch_owner_bit_writers() {
        let s = Stats::default();
        let r = Test::new()
            .timeout(FOUND_WITHIN)
            .kernel(|| {
                s.owner_bits();
            })
            .kernel(|| s.flip_owner_bit())
            .expect(&Expect::race(
                Access::assert_writer("owner_bits"),
                Access::marked_read_write("flip_owner_bit"),
            ));
        let change = r.value_change.expect("a bits assertion reports the value change");
        assert_eq!(change.mask, OWNER_BITS, "the access mask is reported");
        assert_ne!(change.old & OWNER_BITS, change.new & OWNER_BITS);
    }

    #[test]
    fn exclusive_bits_allow_other_bits() {
        let s = Stats::default();
        let flags = s.flags.as_ptr();
        Test::new()
            .timeout(QUIET_FOR)
            .kernel(|| {
                s.owner_bits();
            })
            .kernel(|| s.flip_free_bit())
            .never(&Expect::race(Access::any().addr(flags), Access::any()));
    }

    #[test]
    #[cfg_attr(not(kcsan), ignore = "needs cargo kcsan")]
    fn marked_write_races_with_plain_read() {
        let s = Stats::default();
        let r = Test::new()
            .timeout(FOUND_WITHIN)
            .kernel(|| s.publish(s.hits.fetch_add(1, Ordering::Relaxed)))
            .kernel(|| {
                s.read_plain();
            })
            .expect(&Expect::race(
                Access::marked_write("publish"),
                Access::read("read_plain"),
            ));
        // The racing store happens after its check, so the reader may or
        // may not see it land during its stall; kcsan's defaults report the
        // race either way (report_value_change_only=0).
        assert!(r.title.contains("publish"), "{}", r.title);
        // The marked write is checked once, by write_once with its caller's
        // location (the volatile store it then makes is not checked again,
        // which would report it without one).
        let (line, column) = written_at("kcsan::write_once(UnsafeCell::raw_get(&self.plain), v)");
        assert!(
            r.text.contains(&format!("src/lib.rs:{line}:{column}")),
            "write_once's location, src/lib.rs:{line}:{column}:\n{}",
            r.text
        );
    }

    #[test]
    fn disabled_checking_is_not_reported() {
        let s = Stats::default();
        let plain = s.plain.get().with(|p| p);
        Test::new()
            .timeout(QUIET_FOR)
            .kernel(|| {
                let s = &s;
                let v = s.hits.fetch_add(1, Ordering::Relaxed);
                // SAFETY: racing with the unchecked read is allowed.
                s.plain.with_mut(|p| unsafe { p.write(v) });
            })
            .kernel(|| {
                s.read_plain_unchecked();
            })
            .never(&Expect::race(Access::any().addr(plain), Access::any()));
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
