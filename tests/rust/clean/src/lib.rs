//! Race-free code that leans on std (Arc, Mutex, RwLock, mpsc, thread::scope,
//! OnceLock, atomics). std itself is not instrumented, but its generic code
//! inlined here is; `cargo kcsan test` must stay silent (the kcsan
//! workspace's tests/cargo_kcsan.rs asserts it).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock, RwLock};
use std::thread;

/// How many rounds each worker does.
pub const ROUNDS: u64 = 20_000;

/// A table behind a lock, written by several threads.
///
/// ```
/// // A doctest: under cargo kcsan, rustdoc links it with the runtime.
/// assert_eq!(clean::mutex_counter(2), clean::ROUNDS * 3);
/// ```
pub fn mutex_counter(threads: u64) -> u64 {
    let total = Arc::new(Mutex::new(vec![0u64; 4]));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let total = Arc::clone(&total);
            thread::spawn(move || {
                for i in 0..ROUNDS {
                    let mut v = total.lock().unwrap();
                    v[(i % 4) as usize] += t + 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let v = total.lock().unwrap();
    v.iter().sum()
}

/// Readers and a writer on an RwLock'd string.
pub fn rwlock_readers() -> usize {
    let s = RwLock::new(String::from("x"));
    let lens = AtomicU64::new(0);
    thread::scope(|sc| {
        sc.spawn(|| {
            for i in 0..ROUNDS / 10 {
                let mut w = s.write().unwrap();
                w.push(if i % 2 == 0 { 'a' } else { 'b' });
            }
        });
        for _ in 0..2 {
            sc.spawn(|| {
                for _ in 0..ROUNDS / 10 {
                    let r = s.read().unwrap();
                    lens.fetch_add(r.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    let n = s.read().unwrap().len();
    n
}

/// Boxed values sent through a channel and summed by the receiver.
pub fn channel_sum() -> u64 {
    let (tx, rx) = mpsc::channel::<Box<[u64; 4]>>();
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..ROUNDS {
                    tx.send(Box::new([i, p, i ^ p, 1])).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let sum = rx.iter().map(|b| b.iter().sum::<u64>()).sum();
    for p in producers {
        p.join().unwrap();
    }
    sum
}

/// A lazily initialised global, read by many threads.
pub fn once_lock() -> usize {
    static TABLE: OnceLock<Vec<u32>> = OnceLock::new();
    thread::scope(|sc| {
        let hs: Vec<_> = (0..4)
            .map(|_| sc.spawn(|| TABLE.get_or_init(|| (0..1000).collect()).len()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// Disjoint halves of a buffer, written by scoped threads.
pub fn scoped_halves() -> u64 {
    let mut buf = vec![0u64; 2048];
    for _ in 0..50 {
        let (a, b) = buf.split_at_mut(1024);
        thread::scope(|sc| {
            sc.spawn(|| a.iter_mut().for_each(|x| *x += 1));
            sc.spawn(|| b.iter_mut().for_each(|x| *x += 2));
        });
    }
    buf.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutex() {
        assert_eq!(mutex_counter(3), ROUNDS * (1 + 2 + 3));
    }

    #[test]
    fn rwlock() {
        assert_eq!(rwlock_readers(), 1 + (ROUNDS / 10) as usize);
    }

    #[test]
    fn channel() {
        let per = |p: u64| (0..ROUNDS).map(|i| i + p + (i ^ p) + 1).sum::<u64>();
        assert_eq!(channel_sum(), per(0) + per(1));
    }

    #[test]
    fn oncelock() {
        assert_eq!(once_lock(), 4000);
    }

    #[test]
    fn scoped() {
        assert_eq!(scoped_halves(), 50 * 1024 * 3);
    }
}
