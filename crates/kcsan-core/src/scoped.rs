//! Scoped accesses (kernel-kcsan.md §4.6, §5.2): `ASSERT_EXCLUSIVE_WRITER_SCOPED`
//! and `ASSERT_EXCLUSIVE_ACCESS_SCOPED`, and the work that runs after every
//! access that neither found nor set up a watchpoint while the thread has
//! scoped accesses or a pending reordered access (weak memory, `weak_memory.rs`).
//!
//! A scoped access is checked when its scope begins, again on every runtime
//! entry the thread makes inside the scope, and once more when the scope
//! ends. Its report points at the start of the scope: the frame of the
//! function that opened the scope is replaced by the pc where it opened it,
//! and the frame where the check fired is printed as "reordered to:".
//!
//! The entries live in the caller's frames and form an intrusive list headed
//! in the thread's context, so nothing here allocates. The fast path pays for
//! none of this: a non-empty list opens the context's gate (`GATE_SCOPED`), and
//! only then do accesses come here.

use crate::access::AccessType;
use crate::check::check_access;
use crate::ctx::{self, Ctx, Origin, ScopedAccess};

/// Checks `addr..addr + size` as a `SCOPED` access from `origin`.
///
/// # Safety
/// As [`check_access`]; a reordered access (`Origin::Reorder`) is never read.
unsafe fn check_from(ctx: &Ctx, origin: Origin, addr: *const u8, size: usize, ty: AccessType) {
    let saved = ctx.origin.replace(origin);
    // SAFETY: forwarded from our caller's contract.
    unsafe { check_access(addr, size, ty) };
    ctx.origin.set(saved);
}

/// After an access that neither found nor set up a watchpoint: replay the
/// pending reordered access (unless this access is itself a replay or a
/// scoped check), then check every scoped access (`kcsan_check_scoped_accesses`).
#[cold]
#[inline(never)]
pub(crate) extern "C" fn check_pending(ty: AccessType) {
    ctx::with(|ctx| {
        if ctx.disable_scoped.get() != 0 {
            return;
        }
        ctx.disable_scoped.set(ctx.disable_scoped.get() + 1);
        let ra = &ctx.reorder;
        if !ty.has(AccessType::SCOPED) && ra.size.get() != 0 {
            // SAFETY: a replay never reads memory (setup_watchpoint skips the
            // value reads for Origin::Reorder; the racer side never reads).
            unsafe {
                check_from(
                    ctx,
                    Origin::Reorder,
                    ra.addr.get() as *const u8,
                    ra.size.get(),
                    ra.ty.get(),
                );
            }
        }
        let mut sa = ctx.scoped_head.get();
        while !sa.is_null() {
            // SAFETY: list entries are live: each is removed by
            // `end_scoped_access` before its frame goes away (the contract of
            // `begin_scoped_access`).
            let e = unsafe { &*sa };
            // SAFETY: the object is alive for the whole scope (same contract).
            unsafe {
                check_from(
                    ctx,
                    Origin::Scope(e.ip),
                    e.ptr,
                    e.size,
                    AccessType(e.ty as u32),
                )
            };
            sa = e.next;
        }
        ctx.disable_scoped.set(ctx.disable_scoped.get() - 1);
    });
}

/// Begins a scoped access (`kcsan_begin_scoped_access`): checks it once, then
/// links `sa` into the thread's list so every later access re-checks it.
/// `ip` is the pc where the scope starts (0 if unknown).
///
/// # Safety
/// - `ptr..ptr + size` stays readable until [`end_scoped_access`];
/// - `sa` is valid for writes and stays valid and unmoved until
///   [`end_scoped_access`]`(sa)` runs on this thread; scopes end in reverse
///   order of their start (a C `cleanup` variable or a Rust guard does this).
pub unsafe fn begin_scoped_access(
    ptr: *const u8,
    size: usize,
    ty: AccessType,
    sa: *mut ScopedAccess,
    ip: usize,
) -> *mut ScopedAccess {
    let ty = ty.with(AccessType::SCOPED);
    ctx::with(|ctx| {
        // SAFETY: forwarded from our caller's contract.
        unsafe { check_from(ctx, Origin::Scope(ip), ptr, size, ty) };
        // SAFETY: `sa` is valid for writes (our contract).
        unsafe {
            sa.write(ScopedAccess {
                next: ctx.scoped_head.get(),
                ptr,
                size,
                ty: ty.0 as core::ffi::c_int,
                ip,
            });
        }
        ctx.scoped_head.set(sa);
        ctx.update_gate();
    });
    sa
}

/// Ends a scoped access (`kcsan_end_scoped_access`): unlinks it, then checks
/// it one last time. Warns once if `sa` is not on this thread's list.
///
/// # Safety
/// `sa` was passed to [`begin_scoped_access`] on this thread and is still valid.
pub unsafe fn end_scoped_access(sa: *mut ScopedAccess) {
    static WARNED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    let found = ctx::with(|ctx| {
        let mut link: &core::cell::Cell<*mut ScopedAccess> = &ctx.scoped_head;
        loop {
            let cur = link.get();
            if cur.is_null() {
                return false;
            }
            if cur == sa {
                // SAFETY: `cur` is a live list entry (see check_pending).
                link.set(unsafe { (*cur).next });
                ctx.update_gate();
                return true;
            }
            // SAFETY: as above; `Cell<*mut T>` has the layout of `*mut T`, and
            // the `next` field is only accessed by this thread.
            link =
                unsafe { &*(&raw mut (*cur).next).cast::<core::cell::Cell<*mut ScopedAccess>>() };
        }
    });
    if !found {
        crate::annotate::warn_once(&WARNED, "unbalanced kcsan_end_scoped_access()");
        return;
    }
    // SAFETY: `sa` is valid (our contract).
    let e = unsafe { &*sa };
    // SAFETY: the object is still alive at the scope's end (our contract).
    ctx::with(|ctx| unsafe {
        check_from(
            ctx,
            Origin::Scope(e.ip),
            e.ptr,
            e.size,
            AccessType(e.ty as u32),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::GATE_SCOPED;
    use core::mem::MaybeUninit;

    fn head() -> *mut ScopedAccess {
        ctx::with(|c| c.scoped_head.get())
    }

    #[test]
    fn scopes_link_unlink_and_open_the_gate_while_any_is_active() {
        let (x, y) = (0u64, 0u64);
        let mut a = MaybeUninit::<ScopedAccess>::uninit();
        let mut b = MaybeUninit::<ScopedAccess>::uninit();
        // SAFETY: x, y, a and b outlive both scopes, which end below.
        unsafe {
            let pa = begin_scoped_access(
                (&raw const x).cast(),
                8,
                AccessType::ASSERT,
                a.as_mut_ptr(),
                0x1234,
            );
            assert_eq!(head(), pa);
            assert_eq!(
                (*pa).ty as u32,
                AccessType::ASSERT.with(AccessType::SCOPED).0
            );
            assert_eq!((*pa).ip, 0x1234);
            ctx::with(|c| assert_ne!(c.gate.get() & GATE_SCOPED, 0));
            let pb = begin_scoped_access(
                (&raw const y).cast(),
                8,
                AccessType::ASSERT,
                b.as_mut_ptr(),
                0,
            );
            assert_eq!(
                (head(), (*pb).next),
                (pb, pa),
                "the newest scope is the head"
            );
            // Out of order still unlinks the right entry.
            end_scoped_access(pa);
            assert_eq!((head(), (*pb).next), (pb, core::ptr::null_mut()));
            end_scoped_access(pb);
        }
        assert!(head().is_null());
        ctx::with(|c| assert_eq!(c.gate.get() & GATE_SCOPED, 0, "no scope: the gate closes"));
    }
}
