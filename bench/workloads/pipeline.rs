// SPDX-License-Identifier: MIT OR Apache-2.0
//! bench/workloads/pipeline.rs - an mpsc pipeline: parse, hash, aggregate.
//!
//! usage: pipeline WORKERS RECORDS
//!
//! A producer thread generates RECORDS text records and sends batches of them
//! round-robin to WORKERS worker threads over std::sync::mpsc channels; each
//! worker splits its records into words, hashes them (FNV-1a) and counts them
//! in its own HashMap<String, u64>, sends the map to the aggregator thread over
//! a shared channel, and the aggregator merges them into the totals. An
//! Arc<Mutex<..>> progress counter is updated per batch. Prints the number of
//! distinct words and a checksum, which must match across builds.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

const WORDS: &[&str] = &[
    "the", "watchpoint", "stalls", "while", "another", "thread", "writes", "to", "a", "shared",
    "counter", "and", "kcsan", "reports", "data-race", "in", "kernel", "user", "space",
    "sampling", "one", "access", "every", "few", "thousand",
];

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("usage: pipeline WORKERS RECORDS")).collect();
    let [workers, records] = args[..] else {
        eprintln!("usage: pipeline WORKERS RECORDS");
        std::process::exit(2);
    };
    let progress = Arc::new(Mutex::new(0usize));
    let (agg_tx, agg_rx) = mpsc::channel::<HashMap<String, u64>>();
    let mut txs = Vec::new();
    let mut handles = Vec::new();
    for _ in 0..workers {
        let (tx, rx) = mpsc::sync_channel::<Vec<String>>(16);
        txs.push(tx);
        let agg_tx = agg_tx.clone();
        let progress = Arc::clone(&progress);
        handles.push(std::thread::spawn(move || {
            let mut counts: HashMap<String, u64> = HashMap::new();
            for batch in rx {
                for rec in &batch {
                    for w in rec.split(' ') {
                        let mut h = 0xcbf2_9ce4_8422_2325u64;
                        for b in w.bytes() {
                            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
                        }
                        *counts.entry(format!("{w}/{}", h % 7)).or_default() += 1;
                    }
                }
                *progress.lock().unwrap() += batch.len();
            }
            agg_tx.send(counts).unwrap();
        }));
    }
    drop(agg_tx);
    let producer = std::thread::spawn(move || {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut batch = Vec::with_capacity(64);
        for i in 0..records {
            let mut rec = String::new();
            for _ in 0..12 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                if !rec.is_empty() {
                    rec.push(' ');
                }
                rec.push_str(WORDS[(seed % WORDS.len() as u64) as usize]);
            }
            batch.push(rec);
            if batch.len() == 64 || i + 1 == records {
                txs[i / 64 % txs.len()].send(std::mem::take(&mut batch)).unwrap();
            }
        }
    });
    let aggregator = std::thread::spawn(move || {
        let mut total: HashMap<String, u64> = HashMap::new();
        for m in agg_rx {
            for (k, n) in m {
                *total.entry(k).or_default() += n;
            }
        }
        total
    });
    producer.join().unwrap();
    for h in handles {
        h.join().unwrap();
    }
    let total = aggregator.join().unwrap();
    assert_eq!(*progress.lock().unwrap(), records, "pipeline: records lost");
    let mut keys: Vec<_> = total.into_iter().collect();
    keys.sort();
    let mut check = 0xcbf2_9ce4_8422_2325u64;
    for (k, n) in &keys {
        for b in k.bytes() {
            check = (check ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        check = (check ^ n).wrapping_mul(0x100_0000_01b3);
    }
    println!("pipeline: {} distinct words, checksum {check:016x}", keys.len());
}
