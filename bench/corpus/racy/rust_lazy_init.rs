// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: lazy initialisation without synchronisation (Rust)
// A hand-rolled lazy table: `if slot.is_none() { *slot = Some(..) }` through an
// UnsafeCell shared by a wrong `unsafe impl Sync`; two threads check and
// fill the same slots (RACE lines in get()).
use std::cell::UnsafeCell;
use std::sync::atomic::{Ordering, compiler_fence};

const TYPES: usize = 4096;

struct Lazy {
    slots: Vec<UnsafeCell<u64>>, // 0 = not built yet
}

unsafe impl Sync for Lazy {}

fn build(t: usize) -> u64 {
    let mut x = t as u64 + 1;
    for _ in 0..8 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    }
    x | 1
}

impl Lazy {
    fn get(&self, t: usize) -> u64 {
        let p = self.slots[t].get();
        unsafe {
            if *p == 0 {
                // RACE: plain check
                *p = build(t); // RACE: plain fill
            }
            *p
        }
    }
}

fn main() {
    let lazy = Lazy { slots: (0..TYPES).map(|_| UnsafeCell::new(0)).collect() };
    std::thread::scope(|s| {
        for me in 0..2 {
            let lazy = &lazy;
            s.spawn(move || {
                let mut sum = 0u64;
                for r in 0..4 * TYPES {
                    sum = sum.wrapping_add(lazy.get((r / 4 + me) % TYPES));
                    compiler_fence(Ordering::SeqCst);
                }
                std::hint::black_box(sum);
            });
        }
    });
    println!("served");
}
