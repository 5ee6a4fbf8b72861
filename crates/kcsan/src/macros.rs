//! The annotation macros (`kcsan-checks.h`'s `data_race()` and
//! `ASSERT_EXCLUSIVE_*()`), and their scoped forms.
//!
//! Each macro has two definitions: with `cfg(kcsan)` it calls the runtime;
//! without, it expands to nothing (`data_race!` to its expression), as the
//! kernel's `#else` stubs do.

/// Marks an expression as intentionally racy: accesses made while it is
/// evaluated are not reported. Evaluates the expression once and yields its
/// value.
///
/// Use it for statistics and diagnostics where a stale or torn value is
/// fine; fix real races with locks or atomics instead of hiding them.
///
/// # Examples
///
/// ```
/// # let stats = std::cell::UnsafeCell::new(0u64);
/// // A racy counter read for a progress message only.
/// // SAFETY: the value is only printed; any value is fine.
/// let seen = kcsan::data_race!(unsafe { *stats.get() });
/// println!("{seen} events so far");
/// ```
#[cfg(kcsan)]
#[macro_export]
macro_rules! data_race {
    ($e:expr) => {{
        let __kcsan_guard = $crate::__private::DataRaceGuard::new();
        let __kcsan_value = $e;
        ::core::mem::drop(__kcsan_guard);
        __kcsan_value
    }};
}

/// Marks an expression as intentionally racy (checking is off: the
/// expression itself).
#[cfg(not(kcsan))]
#[macro_export]
macro_rules! data_race {
    ($e:expr) => {
        $e
    };
}

/// Asserts that no other thread writes the place now: concurrent readers
/// are fine, any concurrent writer (even a marked one, an atomic) is reported
/// as `assert: race`.
///
/// The argument is a place expression (`x`, `self.field`, `*ptr`); the check
/// covers the whole value. Use it where a design says "only the owner writes
/// this", for example a field updated under a lock but read locklessly.
///
/// # Examples
///
/// ```
/// use kcsan::sync::atomic::{AtomicU64, Ordering};
///
/// struct Stats { total: AtomicU64, lock: std::sync::Mutex<()> }
///
/// fn update(s: &Stats, n: u64) {
///     let _g = s.lock.lock().unwrap();
///     // Readers load `total` without the lock; writers must hold it.
///     kcsan::assert_exclusive_writer!(s.total);
///     s.total.store(n, Ordering::Relaxed);
/// }
/// # update(&Stats { total: AtomicU64::new(0), lock: Default::default() }, 3);
/// ```
///
/// Prefer [`assert_exclusive_writer_scoped!`](crate::assert_exclusive_writer_scoped!) when the exclusive stretch is
/// longer than one statement.
#[cfg(kcsan)]
#[macro_export]
macro_rules! assert_exclusive_writer {
    ($x:expr) => {
        $crate::__private::check_place(&raw const $x, $crate::ACCESS_ASSERT)
    };
}

/// Asserts that no other thread writes the place now (checking is off: nothing).
#[cfg(not(kcsan))]
#[macro_export]
macro_rules! assert_exclusive_writer {
    ($x:expr) => {{
        let _ = &raw const $x;
    }};
}

/// Asserts that no other thread reads or writes the place now, for example
/// in teardown code that must be the last user of an object.
///
/// # Examples
///
/// ```
/// let mut buf = [0u8; 16];
/// kcsan::assert_exclusive_access!(buf);
/// buf.fill(1);
/// ```
#[cfg(kcsan)]
#[macro_export]
macro_rules! assert_exclusive_access {
    ($x:expr) => {
        $crate::__private::check_place(&raw const $x, $crate::ACCESS_ASSERT | $crate::ACCESS_WRITE)
    };
}

/// Asserts exclusive access (checking is off: nothing).
#[cfg(not(kcsan))]
#[macro_export]
macro_rules! assert_exclusive_access {
    ($x:expr) => {{
        let _ = &raw const $x;
    }};
}

/// Asserts that no other thread writes the bits of `mask` in the place;
/// other bits may change concurrently. This thread's next access is treated
/// as marked (it is expected to read the masked bits).
///
/// # Examples
///
/// ```
/// use kcsan::sync::atomic::{AtomicU32, Ordering};
///
/// const OWNER_MASK: u32 = 0xff00; // only the owner changes these bits
/// let flags = AtomicU32::new(0x1200);
/// kcsan::assert_exclusive_bits!(flags, OWNER_MASK);
/// let owner = (flags.load(Ordering::Relaxed) & OWNER_MASK) >> 8;
/// assert_eq!(owner, 0x12);
/// ```
#[cfg(kcsan)]
#[macro_export]
macro_rules! assert_exclusive_bits {
    ($x:expr, $mask:expr) => {
        $crate::__private::check_bits(&raw const $x, ($mask) as u64)
    };
}

/// Asserts exclusive bits (checking is off: nothing).
#[cfg(not(kcsan))]
#[macro_export]
macro_rules! assert_exclusive_bits {
    ($x:expr, $mask:expr) => {{
        let _ = &raw const $x;
        let _ = $mask;
    }};
}

/// The scoped form of [`assert_exclusive_writer!`](crate::assert_exclusive_writer!): returns a guard; the
/// assertion is checked when the guard is made, again on every access the
/// thread makes while the guard lives (as the kernel's scoped assertions
/// are), and when it is dropped, so a writer anywhere in the scope can be
/// reported.
///
/// # Examples
///
/// ```
/// use kcsan::sync::atomic::{AtomicU64, Ordering};
///
/// let head = AtomicU64::new(0);
/// {
///     let _excl = kcsan::assert_exclusive_writer_scoped!(head);
///     let h = head.load(Ordering::Relaxed);
///     head.store(h + 1, Ordering::Relaxed);
/// } // checked again here
/// ```
///
/// The guard must be dropped on the thread that made it (it is not `Send`).
#[macro_export]
macro_rules! assert_exclusive_writer_scoped {
    ($x:expr) => {
        $crate::__private::ScopedAccess::new(&$x, $crate::ACCESS_ASSERT)
    };
}

/// The scoped form of [`assert_exclusive_access!`](crate::assert_exclusive_access!) (see
/// [`assert_exclusive_writer_scoped!`](crate::assert_exclusive_writer_scoped!) for how scoped checks work).
///
/// # Examples
///
/// ```
/// use kcsan::cell::UnsafeCell;
///
/// let slot = UnsafeCell::new(7u32);
/// let _excl = kcsan::assert_exclusive_access_scoped!(slot);
/// // SAFETY: nothing else uses `slot`.
/// slot.with_mut(|p| unsafe { *p = 8 });
/// ```
#[macro_export]
macro_rules! assert_exclusive_access_scoped {
    ($x:expr) => {
        $crate::__private::ScopedAccess::new(&$x, $crate::ACCESS_ASSERT | $crate::ACCESS_WRITE)
    };
}
