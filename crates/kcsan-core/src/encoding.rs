//! Watchpoint encoding: address, size and write bit packed into one word.
//!
//! kcsan.rst "Implementation Details": "watchpoints are implemented using an
//! efficient encoding that stores access type, size, and address in a long". A
//! watchpoint word is `write:1 | size:14 | addr:49`. Two values can never be an
//! encoding (size is at least 1), so they name the free and the consumed states.
//!
//! Everything here is a pure `const fn`, so the boot self-test's encode/decode
//! and matching checks run as unit tests below.

/// Address range that maps to one slot: all bytes of a page share a slot.
pub const SLOT_RANGE: usize = 4096;
/// Pages on either side of an access's own page whose slots are also checked.
pub const CHECK_ADJACENT: usize = 1;
/// Slots scanned per lookup: the page's own slot and its neighbours'.
pub const NUM_SLOTS: usize = 1 + 2 * CHECK_ADJACENT;
/// The largest access a watchpoint can describe; larger ones are truncated by
/// the memory intrinsics and counted as `unencodable_accesses` elsewhere.
pub const MAX_ENCODABLE_SIZE: usize = SLOT_RANGE * (1 + CHECK_ADJACENT);

/// A free slot. The table is zero-initialised, so every slot starts free.
pub const INVALID_WATCHPOINT: usize = 0;
/// A watchpoint another thread has hit; the watcher will report and free it.
pub const CONSUMED_WATCHPOINT: usize = 1;

const BITS_PER_WORD: u32 = usize::BITS;
/// Bits needed to hold `MAX_ENCODABLE_SIZE` itself.
pub const WATCHPOINT_SIZE_BITS: u32 = usize::BITS - MAX_ENCODABLE_SIZE.leading_zeros();
/// Address bits kept: user-space x86-64 addresses (< 2^47) lose nothing.
pub const WATCHPOINT_ADDR_BITS: u32 = BITS_PER_WORD - 1 - WATCHPOINT_SIZE_BITS;
/// The write bit (top bit).
pub const WATCHPOINT_WRITE_MASK: usize = 1 << (BITS_PER_WORD - 1);
/// The size field, just below the write bit.
pub const WATCHPOINT_SIZE_MASK: usize = ((1 << WATCHPOINT_SIZE_BITS) - 1) << WATCHPOINT_ADDR_BITS;
/// The address field.
pub const WATCHPOINT_ADDR_MASK: usize = (1 << WATCHPOINT_ADDR_BITS) - 1;

// The three fields tile the word exactly: no overlap, no wasted bit.
const _: () = assert!(WATCHPOINT_SIZE_BITS == 14);
const _: () =
    assert!(WATCHPOINT_WRITE_MASK ^ WATCHPOINT_SIZE_MASK ^ WATCHPOINT_ADDR_MASK == usize::MAX);
const _: () = assert!(WATCHPOINT_WRITE_MASK & WATCHPOINT_SIZE_MASK == 0);
const _: () = assert!(WATCHPOINT_SIZE_MASK & WATCHPOINT_ADDR_MASK == 0);
// A real encoding has size >= 1, so it is never one of the two special values.
const _: () = assert!(encode_watchpoint(0, 1, false) > CONSUMED_WATCHPOINT);

/// Whether an access can be watched: not in the null page (the watcher reads
/// the value), and not larger than an encoding can describe.
#[inline(always)]
pub const fn check_encodable(addr: usize, size: usize) -> bool {
    addr >= SLOT_RANGE && size <= MAX_ENCODABLE_SIZE
}

/// Packs an access into a watchpoint word.
#[inline(always)]
pub const fn encode_watchpoint(addr: usize, size: usize, is_write: bool) -> usize {
    (if is_write { WATCHPOINT_WRITE_MASK } else { 0 })
        | (size << WATCHPOINT_ADDR_BITS)
        | (addr & WATCHPOINT_ADDR_MASK)
}

/// A decoded watchpoint word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The watched address, masked to `WATCHPOINT_ADDR_BITS`.
    pub addr_masked: usize,
    /// The watched size in bytes.
    pub size: usize,
    /// Whether the watcher's access is a write.
    pub is_write: bool,
}

/// Unpacks a watchpoint word; `None` for the free and consumed states.
#[inline(always)]
pub const fn decode_watchpoint(w: usize) -> Option<Decoded> {
    if w == INVALID_WATCHPOINT || w == CONSUMED_WATCHPOINT {
        return None;
    }
    Some(Decoded {
        addr_masked: w & WATCHPOINT_ADDR_MASK,
        size: (w & WATCHPOINT_SIZE_MASK) >> WATCHPOINT_ADDR_BITS,
        is_write: w & WATCHPOINT_WRITE_MASK != 0,
    })
}

/// Whether two accesses overlap (inclusive intervals). A size-0 access can
/// spuriously match, which is why `check_access` rejects size 0 up front.
#[inline(always)]
pub const fn matching_access(a1: usize, s1: usize, a2: usize, s2: usize) -> bool {
    a1 <= a2.wrapping_add(s2).wrapping_sub(1) && a2 <= a1.wrapping_add(s1).wrapping_sub(1)
}

/// Address bits above which the slot hash adds the address's "region" to its
/// page number: 2^26 = 64 MiB, glibc's per-thread heap arena alignment.
pub const SLOT_REGION_SHIFT: u32 = 26;

/// The slot of the page that holds `addr`, for a table of `mask + 1` slots
/// (`num_watchpoints` is a power of two, so the modulo is a mask).
///
/// The kernel takes the page number modulo the table size. In user space that
/// aliases badly: glibc gives each thread a heap arena aligned to 64 MiB, so
/// the first blocks of every thread's heap sit at the same page offset and
/// would share one slot (eight threads watching their own heap blocks then
/// fail with `no_capacity` almost every time). Adding the 64 MiB region number
/// spreads them over the table, and keeps neighbouring pages of one region in
/// neighbouring slots, as the adjacent-slot check needs.
#[inline(always)]
pub const fn watchpoint_slot(addr: usize, mask: usize) -> usize {
    ((addr / SLOT_RANGE) + (addr >> SLOT_REGION_SHIFT)) & mask
}

/// Index of the `i`-th slot a lookup from `slot` scans. The table has
/// `NUM_SLOTS - 1` spare entries at the end, so no modulo is needed: a lookup
/// scans `slot`, `slot + 1`, `slot + 2`.
#[inline(always)]
pub const fn slot_idx_fast(slot: usize, i: usize) -> usize {
    slot + i
}

/// Index of the `i`-th slot an insert from `slot` tries: the page's primary
/// slot is `slot + 1`, so lookups from the previous and the next page (whose
/// windows are `slot - 1 ..= slot + 1` and `slot + 1 ..= slot + 3`) both see it
/// and an access that straddles a page boundary still finds the watchpoint.
#[inline(always)]
pub const fn slot_idx(slot: usize, i: usize) -> usize {
    slot + ((i + CHECK_ADJACENT) % NUM_SLOTS)
}

// The primary slot is the middle of the lookup window.
const _: () = assert!(slot_idx(0, 0) == CHECK_ADJACENT);

#[cfg(test)]
mod tests {
    use super::*;

    /// The boot self-test's `test_encode_decode`, with a small deterministic PRNG.
    #[test]
    fn encode_decode_round_trips() {
        let mut state: u32 = 12345;
        let mut next = |n: u32| {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            state % n
        };
        for _ in 0..2000 {
            let size = 1 + next(MAX_ENCODABLE_SIZE as u32) as usize;
            let is_write = next(2) == 1;
            let addr = ((next(u32::MAX) as usize) << 12 | next(4096) as usize).max(SLOT_RANGE);
            assert!(
                check_encodable(addr, size),
                "{addr:#x}/{size} should be encodable"
            );
            let w = encode_watchpoint(addr, size, is_write);
            let d = decode_watchpoint(w).expect("a real encoding decodes");
            assert_eq!(d.addr_masked, addr & WATCHPOINT_ADDR_MASK);
            assert_eq!(d.size, size);
            assert_eq!(d.is_write, is_write);
        }
        assert_eq!(
            decode_watchpoint(INVALID_WATCHPOINT),
            None,
            "INVALID must not decode"
        );
        assert_eq!(
            decode_watchpoint(CONSUMED_WATCHPOINT),
            None,
            "CONSUMED must not decode"
        );
    }

    /// The boot self-test's `test_matching_access`.
    #[test]
    fn matching_access_is_inclusive_overlap() {
        assert!(matching_access(10, 1, 10, 1));
        assert!(matching_access(10, 2, 11, 1));
        assert!(matching_access(10, 1, 9, 2));
        assert!(!matching_access(10, 1, 11, 1));
        assert!(!matching_access(9, 1, 10, 1));
        // Size 0 can match: documents why check_access rejects it.
        assert!(matching_access(8, 8, 12, 0));
    }

    #[test]
    fn unencodable_accesses() {
        assert!(!check_encodable(0, 8), "null page");
        assert!(!check_encodable(SLOT_RANGE - 1, 1), "null page");
        assert!(
            !check_encodable(0x10000, MAX_ENCODABLE_SIZE + 1),
            "too large"
        );
        assert!(check_encodable(0x10000, MAX_ENCODABLE_SIZE));
    }

    #[test]
    fn heap_arenas_spread_over_the_table() {
        // glibc's per-thread arenas: 64 MiB-aligned, the first block a few
        // hundred bytes in. Eight threads' first blocks get eight slots.
        let base = 0x7f00_0000_0000usize;
        let mut slots: Vec<usize> = (0..8)
            .map(|t| watchpoint_slot(base + (t << SLOT_REGION_SHIFT) + 0x8c0, 63))
            .collect();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), 8, "{slots:?}");
    }

    #[test]
    fn insert_slots_are_inside_every_neighbours_window() {
        let mask = 63;
        // Pages of the first 64 MiB region, and of the sixth (whose slots
        // are shifted by the hash), away from the table's wrap-around.
        let region = 5usize << SLOT_REGION_SHIFT;
        for (base, pages) in [(0, 1..62usize), (region, 1..57)] {
            for page in pages {
                let slot = watchpoint_slot(base + page * SLOT_RANGE, mask);
                let primary = slot_idx(slot, 0);
                for neighbour in [page - 1, page, page + 1] {
                    let s = watchpoint_slot(base + neighbour * SLOT_RANGE, mask);
                    let window: Vec<_> = (0..NUM_SLOTS).map(|i| slot_idx_fast(s, i)).collect();
                    assert!(
                        window.contains(&primary),
                        "page {page} primary {primary} not seen from {neighbour}"
                    );
                }
            }
        }
    }
}
