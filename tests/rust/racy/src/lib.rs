//! Four data races in a crate that knows nothing about kcsan. Its tests only
//! run the racy code; `cargo kcsan test` is what finds the races (the kcsan
//! workspace's tests/cargo_kcsan.rs asserts on its output).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long each test races.
pub const RACE_FOR: Duration = Duration::from_millis(700);

/// A raw pointer that may be shared between threads (that is the bug).
#[derive(Clone, Copy)]
pub struct SharedPtr(pub *mut u64);
unsafe impl Send for SharedPtr {}
unsafe impl Sync for SharedPtr {}

/// An unsynchronized counter increment through a raw pointer.
#[inline(never)]
pub fn counter_bump(p: SharedPtr) {
    unsafe { *p.0 += 1 };
}

/// A cell that is shared without synchronization (the bug).
pub struct RacyCell(pub UnsafeCell<u64>);
unsafe impl Sync for RacyCell {}

/// A plain write into the cell.
#[inline(never)]
pub fn cell_write(c: &RacyCell, v: u64) {
    unsafe { *c.0.get() = v };
}

/// A plain read of the cell.
#[inline(never)]
pub fn cell_read(c: &RacyCell) -> u64 {
    unsafe { *c.0.get() }
}

/// A plain read-modify-write of an atomic's value, bypassing the atomic.
#[inline(never)]
pub fn atomic_bump_plain(a: &AtomicU64) {
    unsafe { *a.as_ptr() += 1 };
}

/// The atomic increment it races with.
#[inline(never)]
pub fn atomic_bump_marked(a: &AtomicU64) {
    a.fetch_add(1, Ordering::Relaxed);
}

/// A plain toggle of a flag word.
#[inline(never)]
pub fn flag_toggle(p: SharedPtr) {
    unsafe { *p.0 ^= 1 };
}

/// Runs `f(i)` on two named threads until `RACE_FOR` has passed.
pub fn race(name: &str, f: impl Fn(usize) + Sync) {
    let end = Instant::now() + RACE_FOR;
    thread::scope(|s| {
        for i in 0..2 {
            let f = &f;
            thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn_scoped(s, move || {
                    while Instant::now() < end {
                        for _ in 0..1000 {
                            f(i);
                        }
                    }
                })
                .unwrap();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsynchronized_counter() {
        let p = SharedPtr(Box::into_raw(Box::new(0u64)));
        race("counter", |_| counter_bump(p));
        drop(unsafe { Box::from_raw(p.0) });
    }

    #[test]
    fn racy_unsafe_cell() {
        let c = RacyCell(UnsafeCell::new(0));
        race("cell", |i| {
            if i == 0 {
                cell_write(&c, cell_read(&c).wrapping_add(3));
            } else {
                std::hint::black_box(cell_read(&c));
            }
        });
    }

    #[test]
    fn plain_write_against_an_atomic() {
        let a = AtomicU64::new(0);
        race("atomic", |i| {
            if i == 0 {
                atomic_bump_plain(&a);
            } else {
                atomic_bump_marked(&a);
            }
        });
    }

    /// The test's own thread races a helper it spawned without a name (so
    /// the helper has the test thread's name too): reports must name the
    /// whole test, not the 15 bytes the kernel keeps.
    #[test]
    fn the_test_thread_races_a_helper_it_spawned() {
        let p = SharedPtr(Box::into_raw(Box::new(0u64)));
        let end = Instant::now() + RACE_FOR;
        let toggle = move || {
            while Instant::now() < end {
                for _ in 0..1000 {
                    flag_toggle(p);
                }
            }
        };
        thread::scope(|s| {
            s.spawn(toggle);
            toggle();
        });
        drop(unsafe { Box::from_raw(p.0) });
    }
}
