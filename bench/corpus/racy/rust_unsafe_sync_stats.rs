// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: struct field race behind a wrong `unsafe impl Sync`
// `Stats` wraps its fields in UnsafeCell and claims `unsafe impl Sync` "because
// only one thread records"; then a monitor thread is added that reads the
// fields while the recorder writes them (RACE lines in record() and
// snapshot()).
use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering, compiler_fence};

struct Stats {
    bytes: UnsafeCell<u64>,
    packets: UnsafeCell<u64>,
}

// Wrong: record() and snapshot() run on different threads.
unsafe impl Sync for Stats {}

impl Stats {
    fn record(&self, n: u64) {
        unsafe {
            *self.bytes.get() += n; // RACE
            *self.packets.get() += 1; // RACE
        }
    }
    fn snapshot(&self) -> (u64, u64) {
        unsafe { (*self.bytes.get(), *self.packets.get()) } // RACE
    }
}

fn main() {
    let stats = Arc::new(Stats { bytes: UnsafeCell::new(0), packets: UnsafeCell::new(0) });
    let done = Arc::new(AtomicBool::new(false));
    let monitor = {
        let (stats, done) = (Arc::clone(&stats), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut avg = 0;
            while !done.load(Ordering::Acquire) {
                let (b, p) = stats.snapshot();
                avg += b / (p + 1);
                compiler_fence(Ordering::SeqCst);
            }
            avg
        })
    };
    let mut x = 1u64;
    for _ in 0..60_000 {
        for _ in 0..8 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        }
        compiler_fence(Ordering::SeqCst);
        stats.record(x % 1500);
    }
    done.store(true, Ordering::Release);
    std::hint::black_box(monitor.join().unwrap());
    println!("{} packets", stats.snapshot().1);
}
