//! The runtime's C ABI (libkcsan_rt's `kcsan_*` functions, `include/kcsan.h`)
//! under `cfg(kcsan)`, and empty inline stand-ins without it, so the rest of
//! the crate calls one set of functions and compiles to nothing when checking
//! is off.
//!
//! The runtime is linked into the program by `cargo kcsan`; this crate never
//! depends on it at the Rust level (it is a separately built, uninstrumented
//! library: the kernel's `KCSAN_SANITIZE := n`).

#[cfg(kcsan)]
mod imp {
    use core::ffi::{c_int, c_ulong, c_void};

    unsafe extern "C" {
        fn __kcsan_check_access_at(
            ptr: *const c_void,
            size: usize,
            ty: c_int,
            file: *const u8,
            file_len: usize,
            line_column: u64,
        );
        fn kcsan_disable_current();
        fn kcsan_enable_current();
        fn kcsan_enable_current_nowarn();
        fn kcsan_nestable_atomic_begin();
        fn kcsan_nestable_atomic_end();
        fn kcsan_flat_atomic_begin();
        fn kcsan_flat_atomic_end();
        fn kcsan_atomic_next(n: c_int);
        fn kcsan_set_access_mask(mask: c_ulong);
        fn kcsan_begin_scoped_access(
            ptr: *const c_void,
            size: usize,
            ty: c_int,
            sa: *mut RawScoped,
        ) -> *mut RawScoped;
        fn kcsan_end_scoped_access(sa: *mut RawScoped);
    }

    /// `struct kcsan_scoped_access` (include/kcsan.h): one entry of the
    /// thread's list of scoped accesses, which the runtime checks again on
    /// every access the thread makes. Its fields belong to the runtime.
    #[repr(C)]
    #[derive(Debug)]
    pub(crate) struct RawScoped {
        next: *mut RawScoped,
        ptr: *const c_void,
        size: usize,
        ty: c_int,
        ip: c_ulong,
    }

    /// A scoped access on the runtime's list until [`end_scoped`]. Boxed: the
    /// runtime links to it by address, and the guard that owns it moves.
    pub(crate) type Scoped = Box<RawScoped>;

    /// Checks the access now and puts it on the thread's list
    /// (`kcsan_begin_scoped_access`).
    ///
    /// Always inlined: the runtime takes its caller's address as the scope's
    /// start, which should be the function that holds the guard.
    #[inline(always)]
    pub(crate) fn begin_scoped(ptr: *const u8, size: usize, ty: u32) -> Scoped {
        let mut sa = Box::new(RawScoped {
            next: core::ptr::null_mut(),
            ptr: core::ptr::null(),
            size: 0,
            ty: 0,
            ip: 0,
        });
        // SAFETY: `sa` is valid for writes and stays at this address (boxed)
        // until `end_scoped`; `ptr..ptr + size` is a place the caller borrows
        // for the scope (the runtime reads it at each check); the runtime
        // never unwinds.
        unsafe { kcsan_begin_scoped_access(ptr.cast(), size, ty as c_int, &mut *sa) };
        sa
    }

    /// Takes the access off the list and checks it a last time
    /// (`kcsan_end_scoped_access`). On the thread that began it.
    #[inline(always)]
    pub(crate) fn end_scoped(sa: &mut Scoped) {
        // SAFETY: `sa` was begun by `begin_scoped` on this thread (the guard
        // is neither Send nor Sync) and is still on its list.
        unsafe { kcsan_end_scoped_access(&mut **sa) }
    }

    /// Checks an access; `ty` holds `ACCESS_*` bits. The caller's location
    /// goes with it, for the report: every public function on the way here
    /// is `#[track_caller]`, so it is the user's line, not this crate's.
    ///
    /// The runtime only reads `ptr..ptr + size` (the watcher's value check),
    /// and only while the access it stands for is about to happen, so any
    /// address the caller is about to access is fine.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn check(ptr: *const u8, size: usize, ty: u32) {
        let at = core::panic::Location::caller();
        // SAFETY:
        // - the runtime reads at most `size` bytes at `ptr`, which the caller
        //   is about to access itself (every caller checks an access it makes,
        //   or an assertion on memory it can name);
        // - `at.file()` is a `&'static str`;
        // - the runtime never unwinds.
        unsafe {
            __kcsan_check_access_at(
                ptr.cast(),
                size,
                ty as c_int,
                at.file().as_ptr(),
                at.file().len(),
                (u64::from(at.line()) << 32) | u64::from(at.column()),
            )
        }
    }

    macro_rules! forward {
        ($($name:ident => $c:ident;)*) => {$(
            #[inline(always)]
            pub(crate) fn $name() {
                // SAFETY: a per-thread counter update in the runtime; no
                // pointers, no preconditions.
                unsafe { $c() }
            }
        )*};
    }
    forward! {
        disable_current => kcsan_disable_current;
        enable_current => kcsan_enable_current;
        enable_current_nowarn => kcsan_enable_current_nowarn;
        nestable_atomic_begin => kcsan_nestable_atomic_begin;
        nestable_atomic_end => kcsan_nestable_atomic_end;
        flat_atomic_begin => kcsan_flat_atomic_begin;
        flat_atomic_end => kcsan_flat_atomic_end;
    }

    #[inline(always)]
    pub(crate) fn atomic_next(n: i32) {
        // SAFETY: sets a per-thread counter; no preconditions.
        unsafe { kcsan_atomic_next(n) }
    }

    #[inline(always)]
    pub(crate) fn set_access_mask(mask: u64) {
        // SAFETY: sets a per-thread mask; no preconditions.
        unsafe { kcsan_set_access_mask(mask as c_ulong) }
    }
}

#[cfg(not(kcsan))]
mod imp {
    #[inline(always)]
    #[track_caller]
    pub(crate) fn check(_ptr: *const u8, _size: usize, _ty: u32) {}
    #[inline(always)]
    pub(crate) fn disable_current() {}
    #[inline(always)]
    pub(crate) fn enable_current() {}
    #[inline(always)]
    pub(crate) fn enable_current_nowarn() {}
    #[inline(always)]
    pub(crate) fn nestable_atomic_begin() {}
    #[inline(always)]
    pub(crate) fn nestable_atomic_end() {}
    #[inline(always)]
    pub(crate) fn flat_atomic_begin() {}
    #[inline(always)]
    pub(crate) fn flat_atomic_end() {}
    #[inline(always)]
    pub(crate) fn atomic_next(_n: i32) {}
    #[inline(always)]
    pub(crate) fn set_access_mask(_mask: u64) {}
    /// Without checking, a scoped access is nothing.
    pub(crate) type Scoped = ();
    #[inline(always)]
    pub(crate) fn begin_scoped(_ptr: *const u8, _size: usize, _ty: u32) -> Scoped {}
    #[inline(always)]
    pub(crate) fn end_scoped(_sa: &mut Scoped) {}
}

pub(crate) use imp::*;
