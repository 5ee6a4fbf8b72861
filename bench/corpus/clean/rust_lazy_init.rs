// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: lazy initialisation without synchronisation (Rust)
// FIX: each slot is a std::sync::OnceLock, whose get_or_init synchronises the
// check and the fill.
use std::sync::OnceLock;
use std::sync::atomic::{Ordering, compiler_fence};

const TYPES: usize = 4096;

fn build(t: usize) -> u64 {
    let mut x = t as u64 + 1;
    for _ in 0..8 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    }
    x | 1
}

fn main() {
    let slots: Vec<OnceLock<u64>> = (0..TYPES).map(|_| OnceLock::new()).collect();
    std::thread::scope(|s| {
        for me in 0..2 {
            let slots = &slots;
            s.spawn(move || {
                let mut sum = 0u64;
                for r in 0..4 * TYPES {
                    let t = (r / 4 + me) % TYPES;
                    sum = sum.wrapping_add(*slots[t].get_or_init(|| build(t)));
                    compiler_fence(Ordering::SeqCst);
                }
                std::hint::black_box(sum);
            });
        }
    });
    println!("served");
}
