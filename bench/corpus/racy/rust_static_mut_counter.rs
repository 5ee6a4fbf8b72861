// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked counter (Rust `static mut`)
// Two threads count processed items in a `static mut` with `ITEMS += 1` in
// an unsafe block (RACE line in worker()): the unsafe block compiles, the
// increments race.
use std::sync::atomic::{Ordering, compiler_fence};

static mut ITEMS: u64 = 0;

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
        compiler_fence(Ordering::SeqCst); // work the compiler cannot see through
        unsafe { ITEMS += 1 } // RACE
    }
    x
}

fn main() {
    let ts: Vec<_> = (0..2).map(|t| std::thread::spawn(move || worker(t))).collect();
    for t in ts {
        std::hint::black_box(t.join().unwrap());
    }
    let n = unsafe { ITEMS };
    println!("{}", if n == 200_000 { "no update lost" } else { "updates lost" });
}
