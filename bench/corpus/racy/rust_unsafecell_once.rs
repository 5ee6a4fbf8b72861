// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: UnsafeCell total behind a wrong `unsafe impl Sync`, updated once per thread (Rust)
// `Total` wraps a u64 in an UnsafeCell and claims `unsafe impl Sync`
// "because each worker adds to it only once, at the end". Four workers sum
// their quarter of the input and each does that one unsynchronised
// `+=` (RACE line in Total::add()).
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

const THREADS: usize = 4;
const ITEMS: usize = 4096;

struct Total {
    sum: UnsafeCell<u64>,
}

// Wrong: add() runs on every worker thread.
unsafe impl Sync for Total {}

impl Total {
    fn add(&self, v: u64) {
        unsafe { *self.sum.get() += v } // RACE: one read-modify-write per worker
    }
}

static ARRIVED: AtomicUsize = AtomicUsize::new(0);

// The workers start together, as when one request fans out to all of them.
fn start_together(n: usize) {
    ARRIVED.fetch_add(1, Ordering::SeqCst);
    while ARRIVED.load(Ordering::SeqCst) < n {
        std::thread::yield_now();
    }
}

fn checksum(chunk: &[u64]) -> u64 {
    chunk.iter().fold(0u64, |acc, &v| {
        let mut x = acc ^ v;
        for _ in 0..4 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
        x
    }) >> 48
}

fn main() {
    let input: Vec<u64> = (0..ITEMS as u64).collect();
    let total = Total {
        sum: UnsafeCell::new(0),
    };
    std::thread::scope(|s| {
        let workers: Vec<_> = input
            .chunks(ITEMS / THREADS)
            .map(|chunk| {
                let total = &total;
                s.spawn(move || {
                    start_together(THREADS);
                    total.add(checksum(chunk));
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
    });
    println!("total {}", total.sum.into_inner());
}
