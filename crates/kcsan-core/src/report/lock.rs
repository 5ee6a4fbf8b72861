//! The report lock: one global spinlock around all report state (the handoff
//! entries, the rate-limit table, the symbolizer and the output).
//!
//! A spinlock rather than a mutex, as in the kernel, because it must also work
//! in a forked child (where it is simply reset) and never allocates. Waiters
//! yield after a short spin: reports are rare, but symbolizing one can take
//! milliseconds.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, Ordering};

/// A value guarded by a spinlock.
pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY:
// - the value is only reachable through a `SpinGuard`, and at most one guard
//   exists at a time (acquire/release on `locked`).
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub(crate) const fn new(value: T) -> SpinLock<T> {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
        let mut spins = 0u32;
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            spins += 1;
            if spins < 64 {
                core::hint::spin_loop();
            } else {
                // SAFETY: sched_yield has no preconditions.
                unsafe { libc::sched_yield() };
            }
        }
        SpinGuard { lock: self }
    }

    /// The lock if it can be had within about `tries` yields; `None` if its
    /// holder does not let go (a holder this thread interrupted, say).
    pub(crate) fn try_lock_for(&self, tries: u32) -> Option<SpinGuard<'_, T>> {
        for _ in 0..tries {
            if self
                .locked
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return Some(SpinGuard { lock: self });
            }
            // SAFETY: sched_yield has no preconditions.
            unsafe { libc::sched_yield() };
        }
        None
    }

    /// Forgets any holder: in a forked child the holder no longer exists.
    ///
    /// # Safety
    /// No other thread may be using the lock (true in a just-forked child).
    pub(crate) unsafe fn force_unlock(&self) {
        self.locked.store(false, Ordering::Release);
    }
}

/// Proof that the lock is held.
pub(crate) struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves exclusive access.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves exclusive access.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}
