//! fastpath.c's `loop` workload in Rust (BENCHMARKS.md, "Rust programs"):
//! T threads each run N iterations of `v = buf[i & 63]; buf[(i + 7) & 63] = v + i`
//! on a private heap buffer: 2N instrumented 8-byte accesses per thread.
//!
//! usage: rust-loop [N] [T]   (N defaults to 25000000, T to 2)

use std::hint::black_box;
use std::thread;

#[inline(never)]
fn work(n: u64) -> u64 {
    let mut buf = vec![0u64; 64];
    let p = black_box(buf.as_mut_ptr());
    for i in 0..n {
        // Raw-pointer accesses, as in the C loop: no bounds checks, and each
        // is one instrumented 8-byte load or store.
        unsafe {
            let v = p.add((i & 63) as usize).read();
            p.add(((i + 7) & 63) as usize).write(v.wrapping_add(i));
        }
    }
    buf.iter().sum()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(25_000_000, |a| a.parse().expect("N is a number"));
    let t: usize = args.next().map_or(2, |a| a.parse().expect("T is a number"));
    let sums: Vec<u64> = (0..t)
        .map(|_| thread::spawn(move || work(n)))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    black_box(sums);
}
