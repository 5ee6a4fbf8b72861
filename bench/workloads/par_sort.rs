// SPDX-License-Identifier: MIT OR Apache-2.0
//! bench/workloads/par_sort.rs - a std::thread parallel sort and hash join.
//!
//! usage: par_sort THREADS MILLIONS ROUNDS
//!
//! Each round: THREADS scoped threads each generate and sort their chunk of
//! MILLIONS million xorshift keys (sort_unstable), the chunks are merged
//! pairwise in parallel, and each thread counts the keys' top bytes into its
//! own HashMap, merged into a shared Mutex<HashMap>. Prints a checksum of the
//! sorted output and the histogram, which must match across builds.

use std::collections::HashMap;
use std::sync::Mutex;

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn merge(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("usage: par_sort THREADS MILLIONS ROUNDS")).collect();
    let [threads, millions, rounds] = args[..] else {
        eprintln!("usage: par_sort THREADS MILLIONS ROUNDS");
        std::process::exit(2);
    };
    let per = millions * 1_000_000 / threads;
    let mut check = 0xcbf2_9ce4_8422_2325u64;
    for round in 0..rounds {
        let hist: Mutex<HashMap<u8, u64>> = Mutex::new(HashMap::new());
        let mut chunks: Vec<Vec<u64>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|t| {
                    let hist = &hist;
                    s.spawn(move || {
                        let mut seed = (round * 131 + t + 1) as u64 * 0x9e37_79b9_7f4a_7c15;
                        let mut v: Vec<u64> = (0..per).map(|_| xorshift(&mut seed)).collect();
                        v.sort_unstable();
                        let mut local: HashMap<u8, u64> = HashMap::new();
                        for x in &v {
                            *local.entry((x >> 56) as u8).or_default() += 1;
                        }
                        let mut h = hist.lock().unwrap();
                        for (k, n) in local {
                            *h.entry(k).or_default() += n;
                        }
                        v
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        while chunks.len() > 1 {
            let pairs: Vec<(Vec<u64>, Option<Vec<u64>>)> = {
                let mut it = chunks.into_iter();
                let mut v = Vec::new();
                while let Some(a) = it.next() {
                    v.push((a, it.next()));
                }
                v
            };
            chunks = std::thread::scope(|s| {
                let hs: Vec<_> = pairs
                    .into_iter()
                    .map(|(a, b)| s.spawn(move || match b {
                        Some(b) => merge(&a, &b),
                        None => a,
                    }))
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
        }
        let sorted = &chunks[0];
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "par_sort: output not sorted");
        for x in sorted.iter().step_by(997) {
            check = (check ^ x).wrapping_mul(0x100_0000_01b3);
        }
        let h = hist.into_inner().unwrap();
        let mut keys: Vec<_> = h.into_iter().collect();
        keys.sort_unstable();
        for (k, n) in keys {
            check = (check ^ (u64::from(k) << 32 | n)).wrapping_mul(0x100_0000_01b3);
        }
    }
    println!("par_sort: checksum {check:016x}");
}
