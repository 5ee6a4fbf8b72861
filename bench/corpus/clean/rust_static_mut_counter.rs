// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked counter (Rust `static mut`)
// FIX: the counter is a `static AtomicU64` updated with fetch_add(Relaxed).
use std::sync::atomic::{AtomicU64, Ordering, compiler_fence};

static ITEMS: AtomicU64 = AtomicU64::new(0);

fn crunch(mut x: u64) -> u64 {
    for _ in 0..8 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    }
    x
}

fn worker(seed: u64) -> u64 {
    let mut x = seed;
    for _ in 0..100_000 {
        x = crunch(x);
        compiler_fence(Ordering::SeqCst);
        ITEMS.fetch_add(1, Ordering::Relaxed);
    }
    x
}

fn main() {
    let ts: Vec<_> = (0..2).map(|t| std::thread::spawn(move || worker(t))).collect();
    for t in ts {
        std::hint::black_box(t.join().unwrap());
    }
    let n = ITEMS.load(Ordering::Relaxed);
    println!("{}", if n == 200_000 { "no update lost" } else { "updates lost" });
}
