//! [`UnsafeCell`], checked: std's `UnsafeCell` with loom's access API, whose
//! accesses are checked as plain accesses.
//!
//! The check is explicit (a call into the runtime made by this crate), so it
//! works when the crate that uses the cell is not compiled with the tsan pass
//! at all: only `--cfg kcsan` and the runtime are needed.

use core::fmt;

use crate::{ACCESS_WRITE, sys};

/// A checked `UnsafeCell`: every access through [`with`](UnsafeCell::with),
/// [`with_mut`](UnsafeCell::with_mut), [`get`](UnsafeCell::get) or
/// [`get_mut`](UnsafeCell::get_mut) is checked as a plain read or write of
/// the whole value, so a concurrent conflicting access by another thread is
/// reported as a data race.
///
/// The API is loom's (`loom::cell::UnsafeCell`), so a crate can switch
/// between the two with a `use` line. Without `--cfg kcsan` it is exactly
/// `std::cell::UnsafeCell` (same layout, no checks).
///
/// # Examples
///
/// ```
/// use kcsan::cell::UnsafeCell;
///
/// let cell = UnsafeCell::new(1u64);
/// // SAFETY: nothing else accesses the cell meanwhile.
/// cell.with_mut(|p| unsafe { *p += 1 });
/// // SAFETY: as above.
/// assert_eq!(cell.with(|p| unsafe { *p }), 2);
/// ```
///
/// # Limitations
///
/// The check stands for one access at the moment the closure (or the
/// pointer guard) starts; accesses later in a long closure are not
/// re-checked. Detection is probabilistic, as for all of KCSAN.
#[repr(transparent)]
pub struct UnsafeCell<T: ?Sized> {
    data: core::cell::UnsafeCell<T>,
}

/// A pointer to a cell's value for reading, from [`UnsafeCell::get`].
#[derive(Debug)]
pub struct ConstPtr<T: ?Sized> {
    ptr: *const T,
}

/// A pointer to a cell's value for writing, from [`UnsafeCell::get_mut`].
#[derive(Debug)]
pub struct MutPtr<T: ?Sized> {
    ptr: *mut T,
}

impl<T> UnsafeCell<T> {
    /// Wraps a value.
    #[inline]
    pub const fn new(data: T) -> UnsafeCell<T> {
        UnsafeCell {
            data: core::cell::UnsafeCell::new(data),
        }
    }

    /// Unwraps the value (no check: the cell is owned, nobody else can access it).
    #[inline]
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    #[inline(always)]
    #[track_caller]
    fn check(&self, ty: u32) {
        // The size of the value, taken through the cell (a reference to an
        // UnsafeCell may coexist with writes to its contents).
        sys::check(
            self.data.get() as *const u8,
            core::mem::size_of_val(&self.data),
            ty,
        );
    }

    /// The raw pointer to the value, unchecked (std's `UnsafeCell::raw_get`):
    /// for accesses checked otherwise, such as [`read_once`](crate::read_once)
    /// and [`write_once`](crate::write_once), which are marked.
    #[inline]
    pub const fn raw_get(this: *const Self) -> *mut T {
        // repr(transparent): the same address as the std cell inside.
        core::cell::UnsafeCell::raw_get(this as *const core::cell::UnsafeCell<T>)
    }

    /// Reads through a pointer to the value: checks a plain read, then calls `f`.
    #[inline]
    #[track_caller]
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*const T) -> R,
    {
        self.check(0);
        f(self.data.get())
    }

    /// Writes through a pointer to the value: checks a plain write, then calls `f`.
    #[inline]
    #[track_caller]
    pub fn with_mut<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*mut T) -> R,
    {
        self.check(ACCESS_WRITE);
        f(self.data.get())
    }

    /// Checks a plain read and returns a pointer guard for it.
    #[inline]
    #[track_caller]
    pub fn get(&self) -> ConstPtr<T> {
        self.check(0);
        ConstPtr {
            ptr: self.data.get(),
        }
    }

    /// Checks a plain write and returns a pointer guard for it.
    #[inline]
    #[track_caller]
    pub fn get_mut(&self) -> MutPtr<T> {
        self.check(ACCESS_WRITE);
        MutPtr {
            ptr: self.data.get(),
        }
    }
}

impl<T: ?Sized> ConstPtr<T> {
    /// Dereferences the pointer.
    ///
    /// # Safety
    /// As for `&*ptr` on std's `UnsafeCell::get`: no `&mut` to the value may
    /// exist while the reference lives.
    #[inline]
    pub unsafe fn deref(&self) -> &T {
        // SAFETY: forwarded to the caller.
        unsafe { &*self.ptr }
    }

    /// Calls `f` with the raw pointer.
    #[inline]
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*const T) -> R,
    {
        f(self.ptr)
    }
}

impl<T: ?Sized> MutPtr<T> {
    /// Dereferences the pointer mutably.
    ///
    /// # Safety
    /// As for `&mut *ptr` on std's `UnsafeCell::get`: no other reference to
    /// the value may exist while the returned one lives.
    #[allow(clippy::mut_from_ref)]
    #[inline]
    pub unsafe fn deref(&self) -> &mut T {
        // SAFETY: forwarded to the caller.
        unsafe { &mut *self.ptr }
    }

    /// Calls `f` with the raw pointer.
    #[inline]
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*mut T) -> R,
    {
        f(self.ptr)
    }
}

impl<T: Default> Default for UnsafeCell<T> {
    fn default() -> UnsafeCell<T> {
        UnsafeCell::new(T::default())
    }
}

impl<T> From<T> for UnsafeCell<T> {
    fn from(t: T) -> UnsafeCell<T> {
        UnsafeCell::new(t)
    }
}

impl<T: ?Sized> fmt::Debug for UnsafeCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsafeCell").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_layout_as_std() {
        assert_eq!(
            core::mem::size_of::<UnsafeCell<[u8; 3]>>(),
            core::mem::size_of::<core::cell::UnsafeCell<[u8; 3]>>(),
            "a transparent wrapper"
        );
    }

    #[test]
    fn guards_read_and_write_the_value() {
        let c = UnsafeCell::new(5u32);
        // SAFETY: single-threaded, no other reference.
        unsafe { *c.get_mut().deref() += 1 };
        // SAFETY: as above.
        assert_eq!(unsafe { *c.get().deref() }, 6, "the write went through");
        assert_eq!(
            c.get().with(|p| p as usize),
            c.get_mut().with(|p| p as usize)
        );
        assert_eq!(c.into_inner(), 6);
    }
}
