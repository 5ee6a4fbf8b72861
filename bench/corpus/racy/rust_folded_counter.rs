// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked `static mut` counter folded by the optimiser into one update per thread (Rust)
// Four threads count the events of their batch with `EVENTS += 1` on a
// `static mut` in a loop that does nothing else; with -O the loop becomes a
// single `EVENTS += n`, so each thread makes one unsynchronised
// read-modify-write of the static (RACE line in count_events()).
use std::sync::atomic::{AtomicUsize, Ordering};

const THREADS: usize = 4;

static mut EVENTS: u64 = 0;
static ARRIVED: AtomicUsize = AtomicUsize::new(0);

// The threads start together, as when one batch of events wakes them all.
fn start_together(n: usize) {
    ARRIVED.fetch_add(1, Ordering::SeqCst);
    while ARRIVED.load(Ordering::SeqCst) < n {
        std::thread::yield_now();
    }
}

fn count_events(n: u64) {
    for _ in 0..n {
        unsafe { EVENTS += 1 } // RACE: one folded read-modify-write per thread
    }
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
    let n = unsafe { EVENTS };
    println!(
        "{} events{}",
        n,
        if n == 406 { "" } else { " (updates lost)" }
    );
}
