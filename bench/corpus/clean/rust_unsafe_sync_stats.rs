// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: struct field race behind a wrong `unsafe impl Sync`
// FIX: the fields are AtomicU64 (Relaxed: a progress snapshot needs no
// ordering), so no `unsafe impl Sync` is needed at all.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, compiler_fence};

struct Stats {
    bytes: AtomicU64,
    packets: AtomicU64,
}

impl Stats {
    fn record(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
        self.packets.fetch_add(1, Ordering::Relaxed);
    }
    fn snapshot(&self) -> (u64, u64) {
        (self.bytes.load(Ordering::Relaxed), self.packets.load(Ordering::Relaxed))
    }
}

fn main() {
    let stats = Arc::new(Stats { bytes: AtomicU64::new(0), packets: AtomicU64::new(0) });
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
