// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: lazy initialisation with a plain `static mut` bool flag (Rust)
// FIX: the table is a `static OnceLock<[u32; 256]>`: get_or_init builds it
// once and every caller waits for the build to finish.
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

const THREADS: usize = 2;

static CRC_TABLE: OnceLock<[u32; 256]> = OnceLock::new();
static ARRIVED: AtomicUsize = AtomicUsize::new(0);

// The threads start together, as when two requests arrive at once.
fn start_together(n: usize) {
    ARRIVED.fetch_add(1, Ordering::SeqCst);
    while ARRIVED.load(Ordering::SeqCst) < n {
        std::thread::yield_now();
    }
}

fn crc_table() -> &'static [u32; 256] {
    CRC_TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for i in 0..256u32 {
            let mut c = i;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            table[i as usize] = c;
        }
        table
    })
}

fn crc32(table: &[u32; 256], data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = table[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

fn main() {
    let messages: Vec<Vec<u8>> = (0..THREADS)
        .map(|t| (0..2048).map(|i| (i * 7 + t * 13) as u8).collect())
        .collect();
    let crcs: Vec<u32> = std::thread::scope(|s| {
        let workers: Vec<_> = messages
            .iter()
            .map(|m| {
                s.spawn(move || {
                    start_together(THREADS);
                    let table = crc_table(); // once per thread
                    crc32(table, m)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for c in crcs {
        println!("crc {c:08x}");
    }
}
