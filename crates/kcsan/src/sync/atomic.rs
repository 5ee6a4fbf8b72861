//! `std::sync::atomic`, checked: every operation is checked as a *marked*
//! access (KCSAN_ACCESS_ATOMIC) before it is performed.
//!
//! Marked accesses never race with each other; they are reported only
//! against a concurrent *plain* access to the same memory (a non-atomic
//! write through a raw pointer, an [`UnsafeCell`](crate::cell::UnsafeCell)
//! write), or when an `assert_exclusive_*!` says no concurrent writer may
//! exist. Without `--cfg kcsan` every type here is std's, wrapped
//! transparently, with no checks.
//!
//! # Examples
//!
//! ```
//! use kcsan::sync::atomic::{AtomicU64, Ordering};
//!
//! static HITS: AtomicU64 = AtomicU64::new(0);
//! HITS.fetch_add(1, Ordering::Relaxed);
//! assert_eq!(HITS.load(Ordering::Relaxed), 1);
//! ```

use core::fmt;

use crate::{ACCESS_ATOMIC, ACCESS_COMPOUND, ACCESS_WRITE, sys};

#[doc(no_inline)]
pub use core::sync::atomic::{Ordering, compiler_fence, fence};

const LOAD: u32 = ACCESS_ATOMIC;
const STORE: u32 = ACCESS_ATOMIC | ACCESS_WRITE;
const RMW: u32 = ACCESS_ATOMIC | ACCESS_WRITE | ACCESS_COMPOUND;

/// The methods every atomic type has (std's common surface).
macro_rules! atomic_common {
    ($atomic:ident, $std:ty, $t:ty) => {
        impl $atomic {
            /// Creates a new atomic (as std's `new`).
            #[inline]
            pub const fn new(v: $t) -> $atomic {
                $atomic(<$std>::new(v))
            }

            #[inline(always)]
            #[track_caller]
            fn check(&self, ty: u32) {
                sys::check(self.0.as_ptr() as *const u8, core::mem::size_of::<$t>(), ty);
            }

            /// Returns a mutable reference (no check: `&mut self` is exclusive).
            #[inline]
            pub fn get_mut(&mut self) -> &mut $t {
                self.0.get_mut()
            }

            /// Consumes the atomic and returns the value.
            #[inline]
            pub fn into_inner(self) -> $t {
                self.0.into_inner()
            }

            /// A raw pointer to the value (plain accesses through it are checked
            /// by the tsan pass in instrumented crates, not here).
            #[inline]
            pub const fn as_ptr(&self) -> *mut $t {
                self.0.as_ptr()
            }

            /// Loads the value; checked as a marked read.
            #[inline]
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $t {
                self.check(LOAD);
                self.0.load(order)
            }

            /// Stores a value; checked as a marked write.
            #[inline]
            #[track_caller]
            pub fn store(&self, v: $t, order: Ordering) {
                self.check(STORE);
                self.0.store(v, order)
            }

            /// Swaps in a value; checked as a marked read-modify-write.
            #[inline]
            #[track_caller]
            pub fn swap(&self, v: $t, order: Ordering) -> $t {
                self.check(RMW);
                self.0.swap(v, order)
            }

            /// Compare-and-exchange; checked as a marked read-modify-write.
            #[inline]
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                self.check(RMW);
                self.0.compare_exchange(current, new, success, failure)
            }

            /// Weak compare-and-exchange; checked as a marked read-modify-write.
            #[inline]
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                self.check(RMW);
                self.0.compare_exchange_weak(current, new, success, failure)
            }

            /// `fetch_update`; checked as a marked read-modify-write.
            #[inline]
            #[track_caller]
            pub fn fetch_update<F>(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                f: F,
            ) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
            {
                self.check(RMW);
                self.0.fetch_update(set_order, fetch_order, f)
            }
        }

        impl From<$t> for $atomic {
            fn from(v: $t) -> $atomic {
                $atomic::new(v)
            }
        }

        impl fmt::Debug for $atomic {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Formatting reads the value: a marked read, as std's Debug is.
                fmt::Debug::fmt(&self.load(Ordering::Relaxed), f)
            }
        }
    };
}

/// Read-modify-write operations: `fetch_*`, each checked as a marked
/// read-modify-write.
macro_rules! atomic_rmw {
    ($atomic:ident, $t:ty, $($op:ident),*) => {
        impl $atomic {
            $(
                #[doc = concat!("`", stringify!($op), "`; checked as a marked read-modify-write.")]
                #[inline]
                #[track_caller]
                pub fn $op(&self, v: $t, order: Ordering) -> $t {
                    self.check(RMW);
                    self.0.$op(v, order)
                }
            )*
        }
    };
}

macro_rules! atomic_int {
    ($($atomic:ident($t:ty)),* $(,)?) => {$(
        #[doc = concat!("`std::sync::atomic::", stringify!($atomic), "`, checked as marked accesses.")]
        #[repr(transparent)]
        #[derive(Default)]
        pub struct $atomic(core::sync::atomic::$atomic);
        atomic_common!($atomic, core::sync::atomic::$atomic, $t);
        atomic_rmw!($atomic, $t, fetch_add, fetch_sub, fetch_and, fetch_nand, fetch_or,
                    fetch_xor, fetch_max, fetch_min);
    )*};
}

atomic_int!(
    AtomicI8(i8),
    AtomicU8(u8),
    AtomicI16(i16),
    AtomicU16(u16),
    AtomicI32(i32),
    AtomicU32(u32),
    AtomicI64(i64),
    AtomicU64(u64),
    AtomicIsize(isize),
    AtomicUsize(usize),
);

/// `std::sync::atomic::AtomicBool`, checked as marked accesses.
#[repr(transparent)]
#[derive(Default)]
pub struct AtomicBool(core::sync::atomic::AtomicBool);
atomic_common!(AtomicBool, core::sync::atomic::AtomicBool, bool);
atomic_rmw!(AtomicBool, bool, fetch_and, fetch_nand, fetch_or, fetch_xor);

/// `std::sync::atomic::AtomicPtr`, checked as marked accesses.
#[repr(transparent)]
pub struct AtomicPtr<T>(core::sync::atomic::AtomicPtr<T>);

impl<T> AtomicPtr<T> {
    /// Creates a new atomic pointer.
    #[inline]
    pub const fn new(p: *mut T) -> AtomicPtr<T> {
        AtomicPtr(core::sync::atomic::AtomicPtr::new(p))
    }

    #[inline(always)]
    #[track_caller]
    fn check(&self, ty: u32) {
        sys::check(
            self.0.as_ptr() as *const u8,
            core::mem::size_of::<*mut T>(),
            ty,
        );
    }

    /// Returns a mutable reference (no check: `&mut self` is exclusive).
    #[inline]
    pub fn get_mut(&mut self) -> &mut *mut T {
        self.0.get_mut()
    }

    /// Consumes the atomic and returns the pointer.
    #[inline]
    pub fn into_inner(self) -> *mut T {
        self.0.into_inner()
    }

    /// Loads the pointer; checked as a marked read.
    #[inline]
    #[track_caller]
    pub fn load(&self, order: Ordering) -> *mut T {
        self.check(LOAD);
        self.0.load(order)
    }

    /// Stores a pointer; checked as a marked write.
    #[inline]
    #[track_caller]
    pub fn store(&self, p: *mut T, order: Ordering) {
        self.check(STORE);
        self.0.store(p, order)
    }

    /// Swaps in a pointer; checked as a marked read-modify-write.
    #[inline]
    #[track_caller]
    pub fn swap(&self, p: *mut T, order: Ordering) -> *mut T {
        self.check(RMW);
        self.0.swap(p, order)
    }

    /// Compare-and-exchange; checked as a marked read-modify-write.
    #[inline]
    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.check(RMW);
        self.0.compare_exchange(current, new, success, failure)
    }

    /// Weak compare-and-exchange; checked as a marked read-modify-write.
    #[inline]
    #[track_caller]
    pub fn compare_exchange_weak(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.check(RMW);
        self.0.compare_exchange_weak(current, new, success, failure)
    }
}

impl<T> Default for AtomicPtr<T> {
    fn default() -> AtomicPtr<T> {
        AtomicPtr::new(core::ptr::null_mut())
    }
}

impl<T> fmt::Debug for AtomicPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.load(Ordering::Relaxed), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_match_std() {
        let a = AtomicU32::new(5);
        assert_eq!(a.fetch_add(2, Ordering::SeqCst), 5);
        assert_eq!(a.fetch_sub(1, Ordering::SeqCst), 7);
        assert_eq!(a.fetch_max(10, Ordering::SeqCst), 6);
        assert_eq!(a.fetch_min(3, Ordering::SeqCst), 10);
        assert_eq!(a.swap(9, Ordering::SeqCst), 3);
        assert_eq!(
            a.compare_exchange(9, 1, Ordering::SeqCst, Ordering::SeqCst),
            Ok(9)
        );
        assert_eq!(
            a.compare_exchange(9, 1, Ordering::SeqCst, Ordering::SeqCst),
            Err(1)
        );
        assert_eq!(
            a.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| Some(v * 4)),
            Ok(1)
        );
        assert_eq!(a.fetch_xor(0b101, Ordering::SeqCst), 4);
        assert_eq!(a.load(Ordering::SeqCst), 1);
        let b = AtomicBool::new(false);
        assert!(!b.fetch_or(true, Ordering::SeqCst));
        assert!(b.load(Ordering::SeqCst));
        let mut x = 3;
        let p = AtomicPtr::new(&mut x as *mut i32);
        assert_eq!(p.load(Ordering::SeqCst), &mut x as *mut i32);
        assert_eq!(format!("{:?}", AtomicI64::new(-4)), "-4");
        assert_eq!(
            core::mem::size_of::<AtomicU16>(),
            2,
            "a transparent wrapper"
        );
    }
}
