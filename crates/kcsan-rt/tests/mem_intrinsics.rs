//! `__tsan_memcpy`, `__tsan_memmove` and `__tsan_memset` do what the C
//! library's functions do, at every size up to a few words and beyond (the
//! sizes Rust's struct moves and buffer resets pass them), at every
//! alignment, and for `memmove` with the ranges overlapping either way.

use core::ffi::{c_int, c_void};

use kcsan_rt::tsan::{__tsan_memcpy, __tsan_memmove, __tsan_memset};

/// Every size up to nine words: each width boundary an inline copy could have.
const SIZES: std::ops::RangeInclusive<usize> = 0..=72;

/// A recognisable byte pattern, different for each `seed`.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 1)
        .collect()
}

#[test]
fn memcpy_copies_exactly_n_bytes() {
    for n in SIZES {
        for (d_off, s_off) in [(0, 0), (1, 3), (7, 0), (0, 5), (3, 9)] {
            let src = pattern(n + 16, 7);
            let mut dst = vec![0u8; n + 32];
            let mut want = dst.clone();
            want[8 + d_off..8 + d_off + n].copy_from_slice(&src[s_off..s_off + n]);
            // SAFETY: both ranges are in bounds of their buffers and disjoint.
            let ret = unsafe {
                __tsan_memcpy(
                    dst.as_mut_ptr().add(8 + d_off).cast::<c_void>(),
                    src.as_ptr().add(s_off).cast::<c_void>(),
                    n,
                )
            };
            assert_eq!(ret, dst[8 + d_off..].as_mut_ptr().cast::<c_void>(), "n={n}");
            assert_eq!(dst, want, "memcpy n={n} d_off={d_off} s_off={s_off}");
        }
    }
}

#[test]
fn memmove_copies_overlapping_ranges_both_ways() {
    for n in SIZES {
        for shift in -9isize..=9 {
            let mut buf = pattern(n + 64, 3);
            let mut want = buf.clone();
            let s = 24usize;
            let d = (24 + shift) as usize;
            want.copy_within(s..s + n, d);
            let base = buf.as_mut_ptr();
            // SAFETY: both ranges are inside `buf`; memmove allows overlap.
            let ret = unsafe {
                __tsan_memmove(
                    base.add(d).cast::<c_void>(),
                    base.add(s).cast::<c_void>().cast_const(),
                    n,
                )
            };
            assert_eq!(ret, base.wrapping_add(d).cast::<c_void>(), "n={n}");
            assert_eq!(buf, want, "memmove n={n} shift={shift}");
        }
    }
}

#[test]
fn memset_sets_exactly_n_bytes_to_the_low_byte() {
    for n in SIZES {
        for (off, c) in [(0, 0 as c_int), (1, 0xab), (5, -1), (3, 0x1ff), (7, 0x80)] {
            let mut buf = pattern(n + 24, 11);
            let mut want = buf.clone();
            want[8 + off..8 + off + n].fill(c as u8);
            // SAFETY: the range is in bounds of `buf`.
            let ret =
                unsafe { __tsan_memset(buf.as_mut_ptr().add(8 + off).cast::<c_void>(), c, n) };
            assert_eq!(ret, buf[8 + off..].as_mut_ptr().cast::<c_void>(), "n={n}");
            assert_eq!(buf, want, "memset n={n} off={off} c={c:#x}");
        }
    }
}
