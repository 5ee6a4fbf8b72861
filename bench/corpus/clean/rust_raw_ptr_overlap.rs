// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: raw pointer into a Vec written by two threads at overlapping indices (off-by-one split) (Rust)
// FIX: the left half takes columns 0..MID, so the two ranges are disjoint
// and every pixel has one writer; the joins order the writes before main
// reads the image.
use std::sync::atomic::{AtomicUsize, Ordering};

const WIDTH: usize = 64;
const HEIGHT: usize = 128;
const MID: usize = WIDTH / 2;

#[derive(Clone, Copy)]
struct Pixels(*mut u32);

// Each thread writes its own columns.
unsafe impl Send for Pixels {}

static ARRIVED: AtomicUsize = AtomicUsize::new(0);

// Both threads start together, as when a frame is requested.
fn start_together(n: usize) {
    ARRIVED.fetch_add(1, Ordering::SeqCst);
    while ARRIVED.load(Ordering::SeqCst) < n {
        std::thread::yield_now();
    }
}

fn shade(x: usize, y: usize) -> u32 {
    // A few iterations of z = z^2 + c in fixed point.
    let (cx, cy) = ((x as i64 - 44) * 96, (y as i64 - 64) * 40);
    let (mut zx, mut zy) = (0i64, 0i64);
    let mut n = 0;
    while n < 24 && zx * zx + zy * zy < (4 << 24) {
        let t = ((zx * zx - zy * zy) >> 12) + cx;
        zy = ((2 * zx * zy) >> 12) + cy;
        zx = t;
        n += 1;
    }
    n
}

fn render(px: Pixels, cols: std::ops::Range<usize>) {
    for y in 0..HEIGHT {
        for x in cols.clone() {
            unsafe { *px.0.add(y * WIDTH + x) = shade(x, y) }
        }
    }
}

fn main() {
    let mut image = vec![0u32; WIDTH * HEIGHT];
    let px = Pixels(image.as_mut_ptr());
    std::thread::scope(|s| {
        let left = s.spawn(move || {
            start_together(2);
            render(px, 0..MID)
        });
        let right = s.spawn(move || {
            start_together(2);
            render(px, MID..WIDTH)
        });
        left.join().unwrap();
        right.join().unwrap();
    });
    let sum: u64 = image.iter().map(|&p| p as u64).sum();
    println!("image checksum {sum}");
}
