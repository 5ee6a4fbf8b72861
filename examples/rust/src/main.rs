//! Two workers bump one counter through a raw pointer, with no lock: a data
//! race that loses updates. `cargo kcsan run` reports it with both stacks.
//!
//!     cd examples/rust && cargo kcsan run --release

use std::thread;

/// A pointer handed to both workers. Promising `Send`/`Sync` is the bug.
#[derive(Clone, Copy)]
struct Counter(*mut u64);
unsafe impl Send for Counter {}
unsafe impl Sync for Counter {}

#[inline(never)]
fn bump(c: Counter) {
    // SAFETY: none; two threads do this at once (the race).
    unsafe { *c.0 += 1 };
}

fn main() {
    const ROUNDS: u64 = 2_000_000;
    let counter = Counter(Box::into_raw(Box::new(0u64)));
    let workers: Vec<_> = (0..2)
        .map(|i| {
            thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || {
                    for _ in 0..ROUNDS {
                        bump(counter);
                    }
                })
                .unwrap()
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // SAFETY: the workers are done.
    let total = unsafe { *Box::from_raw(counter.0) };
    println!("counted {total} of {} increments", 2 * ROUNDS);
}
