//! The runtime's own heap: every allocation the runtime makes (symbolizer
//! tables, report text, option strings) comes from here, never from the C
//! library's `malloc`.
//!
//! Why: a report can be made from any context an instrumented access runs
//! in, including a signal handler that interrupted `malloc` itself. glibc's
//! `malloc` is not async-signal-safe: called again from that handler it
//! blocks on the arena lock its interrupted frame holds (or corrupts the
//! arena), while the report lock is held and every other thread waits for
//! it. A heap of our own, which no program code ever enters, has no such
//! interrupted frame (the runtime does not check accesses while it runs, so
//! no handler reports from inside the runtime).
//!
//! The design is the plainest that is safe there:
//! - **small** blocks (up to 2 KiB, any alignment up to their size) come
//!   from power-of-two size classes, carved out of one reserved range of
//!   address space (`MAP_NORESERVE`: pages cost memory only once touched)
//!   and recycled through one free list per class, never given back;
//! - **large** blocks are their own `mmap`, grown by `mremap`, unmapped when
//!   freed (the symbolizer's big tables);
//! - one spinlock guards the lists. Its holder is recorded, so that the one
//!   case of re-entry (a handler that interrupted the heap on the same thread
//!   and then allocates, outside any report) is served by a page of its own
//!   instead of deadlocking;
//! - `fork`: the lock is taken around it (`pthread_atfork`), so a child never
//!   inherits lists half updated by a thread that does not exist there.
//!
//! No block has a header: `GlobalAlloc::dealloc` is told the layout, and
//! whether a pointer is in the reserved range says which kind it is.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

/// The largest small block; larger ones are mapped on their own.
const MAX_SMALL: usize = 2048;
/// Size classes: 16, 32, ..., 2048.
const CLASSES: usize = 8;
/// Address space reserved for small blocks (touched pages only are used).
const ARENA_BYTES: usize = 256 << 20;
const PAGE: usize = 4096;

/// The runtime's allocator (kcsan-rt makes it the global allocator).
#[derive(Debug)]
pub struct RuntimeHeap;

/// A freed small block: the link of its class's free list.
struct FreeBlock {
    next: *mut FreeBlock,
}

struct Lists {
    free: [*mut FreeBlock; CLASSES],
}

static LISTS_LOCK: AtomicUsize = AtomicUsize::new(0); // owner: pthread_self, 0 = free
static LISTS: ListsCell = ListsCell(core::cell::UnsafeCell::new(Lists {
    free: [ptr::null_mut(); CLASSES],
}));

/// The free lists, reachable only through [`lists`] with `LISTS_LOCK` held.
struct ListsCell(core::cell::UnsafeCell<Lists>);

// SAFETY: the lists are only touched by the holder of LISTS_LOCK.
unsafe impl Sync for ListsCell {}

/// The free lists.
///
/// # Safety
/// The caller holds `LISTS_LOCK` (and drops the reference before unlocking).
#[allow(clippy::mut_from_ref)]
unsafe fn lists() -> &'static mut Lists {
    // SAFETY: exclusive by the lock (our caller's contract).
    unsafe { &mut *LISTS.0.get() }
}
/// The reserved range, `[ARENA, ARENA + ARENA_BYTES)`; null until first use
/// (or if the reservation failed: then small blocks get pages of their own).
static ARENA: AtomicPtr<u8> = AtomicPtr::new(ptr::null_mut());
/// Bytes of the arena handed out so far (bump pointer).
static ARENA_USED: AtomicUsize = AtomicUsize::new(0);
static ARENA_STATE: AtomicUsize = AtomicUsize::new(0); // 0 none, 1 being made, 2 made
static ATFORK: AtomicBool = AtomicBool::new(false);

fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(16);
    (size <= MAX_SMALL).then(|| size.next_power_of_two().trailing_zeros() as usize - 4)
}

fn class_size(class: usize) -> usize {
    16 << class
}

fn this_thread() -> usize {
    // SAFETY: pthread_self has no preconditions (a register read in glibc).
    unsafe { libc::pthread_self() as usize }
}

/// Takes the list lock; `false` if this thread already holds it (re-entry).
fn lock() -> bool {
    let me = this_thread();
    let mut spins = 0u32;
    loop {
        match LISTS_LOCK.compare_exchange_weak(0, me, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(owner) if owner == me => return false,
            Err(_) => {}
        }
        spins += 1;
        if spins < 64 {
            core::hint::spin_loop();
        } else {
            // SAFETY: sched_yield has no preconditions.
            unsafe { libc::sched_yield() };
        }
    }
}

fn unlock() {
    LISTS_LOCK.store(0, Ordering::Release);
}

extern "C" fn before_fork() {
    // The forking thread cannot be inside the heap (no program code runs
    // there), unless a handler forked after interrupting it: then it owns
    // the lock already, and the lists are as consistent as they get.
    if !lock() {
        BEFORE_FORK_OWNED.store(true, Ordering::Relaxed);
    }
}

static BEFORE_FORK_OWNED: AtomicBool = AtomicBool::new(false);

extern "C" fn after_fork() {
    if !BEFORE_FORK_OWNED.swap(false, Ordering::Relaxed) {
        unlock();
    }
}

extern "C" fn after_fork_child() {
    // The child's only thread has a new pthread_self: hand the lock over.
    if !BEFORE_FORK_OWNED.swap(false, Ordering::Relaxed) {
        unlock();
    } else {
        LISTS_LOCK.store(this_thread(), Ordering::Relaxed);
    }
}

/// The arena, reserved on first use; null if it cannot be.
fn arena() -> *mut u8 {
    let a = ARENA.load(Ordering::Acquire);
    if !a.is_null() || ARENA_STATE.load(Ordering::Acquire) == 2 {
        return a;
    }
    if ARENA_STATE
        .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
    {
        // SAFETY: an anonymous private mapping; MAP_NORESERVE: no commit charge.
        let p = unsafe {
            libc::mmap(
                ptr::null_mut(),
                ARENA_BYTES,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p != libc::MAP_FAILED {
            ARENA.store(p.cast(), Ordering::Release);
        }
        if !ATFORK.swap(true, Ordering::Relaxed) {
            // SAFETY: the handlers are extern "C" functions valid for the
            // life of the process.
            unsafe {
                libc::pthread_atfork(Some(before_fork), Some(after_fork), Some(after_fork_child))
            };
        }
        ARENA_STATE.store(2, Ordering::Release);
    } else {
        while ARENA_STATE.load(Ordering::Acquire) != 2 {
            core::hint::spin_loop();
        }
    }
    ARENA.load(Ordering::Acquire)
}

fn in_arena(p: *mut u8) -> bool {
    let a = ARENA.load(Ordering::Relaxed) as usize;
    a != 0 && (p as usize).wrapping_sub(a) < ARENA_BYTES
}

/// `len` bytes (a multiple of the page size) of fresh mapping, aligned to
/// `align` (a power of two); null on failure.
fn map(len: usize, align: usize) -> *mut u8 {
    let extra = if align > PAGE { align } else { 0 };
    // SAFETY: an anonymous private mapping.
    let p = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len + extra,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return ptr::null_mut();
    }
    let p = p.cast::<u8>();
    if extra == 0 {
        return p;
    }
    let start = (p as usize + align - 1) & !(align - 1);
    let (head, tail) = (start - p as usize, extra - (start - p as usize));
    // SAFETY: both ranges are parts of the mapping just made, outside the
    // block handed out.
    unsafe {
        if head > 0 {
            libc::munmap(p.cast(), head);
        }
        if tail > 0 {
            libc::munmap((start + len) as *mut libc::c_void, tail);
        }
    }
    start as *mut u8
}

fn pages(size: usize) -> usize {
    (size.max(1) + PAGE - 1) & !(PAGE - 1)
}

// SAFETY:
// - small blocks come from disjoint pieces of the arena (bump pointer under
//   the lock) or from free lists of their class, and are class-sized and
//   class-aligned (classes are powers of two, pieces are carved at multiples
//   of their size);
// - large blocks and re-entry pages are fresh mappings of at least the size
//   asked, aligned as asked;
// - dealloc tells the kinds apart by the layout (small or not) and the
//   address (in the arena or not), exactly as alloc chose them.
unsafe impl GlobalAlloc for RuntimeHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            return map(pages(layout.size()), layout.align());
        };
        let size = class_size(class);
        let arena = arena();
        if arena.is_null() || !lock() {
            // No arena, or re-entry: a page of its own.
            return map(PAGE, size.min(PAGE));
        }
        // SAFETY: the lock is held; `lists` is not used after unlock().
        let lists = unsafe { lists() };
        let head = lists.free[class];
        let p = if head.is_null() {
            // Carve from the arena, aligned to the class size.
            let used = ARENA_USED.load(Ordering::Relaxed);
            let start = (used + size - 1) & !(size - 1);
            if start + size > ARENA_BYTES {
                unlock();
                return map(PAGE, size.min(PAGE));
            }
            ARENA_USED.store(start + size, Ordering::Relaxed);
            // SAFETY: start + size is within the arena.
            unsafe { arena.add(start) }
        } else {
            // SAFETY: free-list entries are freed blocks of this class.
            lists.free[class] = unsafe { (*head).next };
            head.cast()
        };
        unlock();
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else {
            // SAFETY: a large block is a mapping of `pages(size)` bytes at `p`.
            unsafe { libc::munmap(p.cast(), pages(layout.size())) };
            return;
        };
        if !in_arena(p) {
            // SAFETY: a re-entry page of its own.
            unsafe { libc::munmap(p.cast(), PAGE) };
            return;
        }
        if !lock() {
            // Re-entry while this thread holds the lists: leak the block
            // rather than corrupt them (it never happens in the runtime's
            // own code, which frees nothing from a handler).
            return;
        }
        // SAFETY: the lock is held; `p` is a block of this class, now free.
        unsafe {
            let lists = lists();
            let b = p.cast::<FreeBlock>();
            (*b).next = lists.free[class];
            lists.free[class] = b;
        }
        unlock();
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old_small = class_of(layout);
        // SAFETY: Layout's contract: new_size rounded up to align does not overflow.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let new_small = class_of(new_layout);
        if old_small.is_some() && old_small == new_small && in_arena(p) {
            return p; // same class: the block already fits
        }
        if old_small.is_none() && new_small.is_none() && layout.align() <= PAGE {
            // SAFETY: `p` is a mapping of pages(layout.size()) bytes; mremap
            // moves or grows it whole.
            let q = unsafe {
                libc::mremap(
                    p.cast(),
                    pages(layout.size()),
                    pages(new_size),
                    libc::MREMAP_MAYMOVE,
                )
            };
            return if q == libc::MAP_FAILED {
                ptr::null_mut()
            } else {
                q.cast()
            };
        }
        // SAFETY: alloc/dealloc with valid layouts; the copy stays within
        // both blocks.
        unsafe {
            let q = self.alloc(new_layout);
            if !q.is_null() {
                copy_bytes(p, q, layout.size().min(new_size));
                self.dealloc(p, layout);
            }
            q
        }
    }
}

/// A byte copy that is not a call to `memcpy`: in gcc links `memcpy` is the
/// program's checked wrapper (`--wrap=memcpy` applies to the runtime's
/// objects too).
///
/// # Safety
/// `src` and `dst` are valid for `n` bytes and do not overlap.
unsafe fn copy_bytes(src: *const u8, dst: *mut u8, n: usize) {
    let mut i = 0;
    // Word copies, then the tail; `read_unaligned` / `write_unaligned` of a
    // usize compile to plain moves, not a call.
    while i + 8 <= n {
        // SAFETY: within both blocks (our caller's contract).
        unsafe {
            let w = ptr::read_unaligned(src.add(i).cast::<u64>());
            ptr::write_volatile(dst.add(i).cast::<[u8; 8]>(), w.to_ne_bytes());
        }
        i += 8;
    }
    while i < n {
        // SAFETY: as above.
        unsafe { ptr::write_volatile(dst.add(i), *src.add(i)) };
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_blocks_are_class_aligned_and_recycled() {
        let h = RuntimeHeap;
        for size in [1, 15, 16, 17, 100, 1000, 2048] {
            let l = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: valid layouts; the blocks are written within their size.
            unsafe {
                let a = h.alloc(l);
                assert!(!a.is_null());
                assert!(in_arena(a), "{size}");
                assert_eq!(a as usize % class_size(class_of(l).unwrap()), 0);
                a.write_bytes(0xab, size);
                h.dealloc(a, l);
                let b = h.alloc(l);
                assert_eq!(a, b, "a freed block of the class is reused");
                h.dealloc(b, l);
            }
        }
    }

    #[test]
    fn large_blocks_are_mapped_and_grow_in_place_or_move() {
        let h = RuntimeHeap;
        let l = Layout::from_size_align(10_000, 16).unwrap();
        // SAFETY: valid layouts; writes within the blocks.
        unsafe {
            let a = h.alloc(l);
            assert!(!in_arena(a));
            for i in 0..10_000 {
                *a.add(i) = i as u8;
            }
            let b = h.realloc(a, l, 1 << 20);
            assert!(!b.is_null());
            for i in 0..10_000 {
                assert_eq!(*b.add(i), i as u8);
            }
            h.dealloc(b, Layout::from_size_align(1 << 20, 16).unwrap());
        }
    }

    #[test]
    fn realloc_across_kinds_keeps_the_bytes() {
        let h = RuntimeHeap;
        let l = Layout::from_size_align(100, 8).unwrap();
        // SAFETY: valid layouts; writes within the blocks.
        unsafe {
            let a = h.alloc(l);
            for i in 0..100 {
                *a.add(i) = i as u8;
            }
            let b = h.realloc(a, l, 5000);
            for i in 0..100 {
                assert_eq!(*b.add(i), i as u8);
            }
            let l2 = Layout::from_size_align(5000, 8).unwrap();
            let c = h.realloc(b, l2, 40);
            for i in 0..40 {
                assert_eq!(*c.add(i), i as u8);
            }
            h.dealloc(c, Layout::from_size_align(40, 8).unwrap());
        }
    }

    #[test]
    fn big_alignments_are_honoured() {
        let h = RuntimeHeap;
        for align in [4096, 65536] {
            let l = Layout::from_size_align(100, align).unwrap();
            // SAFETY: a valid layout.
            unsafe {
                let a = h.alloc(l);
                assert_eq!(a as usize % align, 0);
                h.dealloc(a, l);
            }
        }
    }

    #[test]
    fn reentry_gets_a_page_of_its_own() {
        let h = RuntimeHeap;
        let l = Layout::from_size_align(64, 8).unwrap();
        arena();
        assert!(lock());
        // SAFETY: a valid layout; this thread holds the lock, as a handler
        // that interrupted the heap would.
        unsafe {
            let a = h.alloc(l);
            assert!(!a.is_null() && !in_arena(a));
            h.dealloc(a, l);
        }
        unlock();
    }

    #[test]
    fn threads_share_the_heap() {
        let ts: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let h = RuntimeHeap;
                    for i in 0..10_000usize {
                        let l = Layout::from_size_align(16 + (i * 7 + t) % 1500, 8).unwrap();
                        // SAFETY: valid layouts; writes within the blocks.
                        unsafe {
                            let a = h.alloc(l);
                            a.write_bytes(t as u8, l.size());
                            assert!((0..l.size()).all(|k| *a.add(k) == t as u8));
                            h.dealloc(a, l);
                        }
                    }
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
    }
}
