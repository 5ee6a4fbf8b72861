// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: lazy initialisation with a plain `static mut` bool flag (Rust)
// crc_table() builds a CRC-32 table in a `static mut` array on first use,
// guarded by a `static mut` bool. Two threads each fetch the table once and
// then checksum their own message with it: both check the flag together,
// both may fill the table, and one may read entries the other is writing
// (RACE lines in crc_table()).
use std::ptr::{addr_of, addr_of_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

const THREADS: usize = 2;

static mut CRC_READY: bool = false;
static mut CRC_TABLE: [u32; 256] = [0; 256];
static ARRIVED: AtomicUsize = AtomicUsize::new(0);

// The threads start together, as when two requests arrive at once.
fn start_together(n: usize) {
    ARRIVED.fetch_add(1, Ordering::SeqCst);
    while ARRIVED.load(Ordering::SeqCst) < n {
        std::thread::yield_now();
    }
}

fn crc_table() -> &'static [u32; 256] {
    unsafe {
        let ready = CRC_READY; // RACE: plain check of the flag
        if !ready {
            let table = addr_of_mut!(CRC_TABLE);
            for i in 0..256u32 {
                let mut c = i;
                for _ in 0..8 {
                    c = if c & 1 != 0 {
                        0xedb8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
                (*table)[i as usize] = c; // RACE: both threads may fill the table
            }
            CRC_READY = true; // RACE: plain store of the flag
        }
        &*addr_of!(CRC_TABLE) // RACE: the caller reads entries being written
    }
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
