// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked `static mut` counter folded by the optimiser into one update per thread (Rust)
// FIX: the counter is a `static AtomicU64`; each thread counts in a local
// and adds it with one fetch_add(Relaxed).
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

const THREADS: usize = 4;

static EVENTS: AtomicU64 = AtomicU64::new(0);
static ARRIVED: AtomicUsize = AtomicUsize::new(0);

// The threads start together, as when one batch of events wakes them all.
fn start_together(n: usize) {
    ARRIVED.fetch_add(1, Ordering::SeqCst);
    while ARRIVED.load(Ordering::SeqCst) < n {
        std::thread::yield_now();
    }
}

fn count_events(n: u64) {
    let mut local = 0;
    for _ in 0..n {
        local += 1;
    }
    EVENTS.fetch_add(local, Ordering::Relaxed);
}

fn main() {
    let threads: Vec<_> = (0..THREADS as u64)
        .map(|t| {
            std::thread::spawn(move || {
                let batch = std::hint::black_box(100 + t);
                start_together(THREADS);
                count_events(batch);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let n = EVENTS.load(Ordering::Relaxed);
    println!(
        "{} events{}",
        n,
        if n == 406 { "" } else { " (updates lost)" }
    );
}
