//! The consumer handshake: how the racing thread hands its access and stack to
//! the watcher, which prints one report with both.
//!
//! There is one entry per watchpoint slot. An entry is exclusive to one race at
//! a time: a slot that holds `CONSUMED` cannot be reused until its watcher
//! removes the watchpoint, which it does only after reporting.
//!
//! Producer (the racer, after its CAS to `CONSUMED` succeeded): capture its own
//! stack, take the report lock, fill the entry, release.
//! Consumer (the watcher, after its XCHG found `CONSUMED`): take the report
//! lock and wait, dropping the lock between looks, until the entry is filled.
//! There is no timeout: the producer consumed, so it is guaranteed to fill.

use super::stack::RawStack;
use crate::access::AccessType;
use crate::watchpoint::TABLE_LEN;

/// What the racing thread knows about its own access.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AccessInfo {
    pub(crate) addr: usize,
    /// 0 means the entry is empty (KCSAN ignores size-0 accesses).
    pub(crate) size: usize,
    pub(crate) ty: AccessType,
    pub(crate) tid: i32,
    pub(crate) cpu: i32,
    pub(crate) in_interrupt: bool,
    /// The thread's name (`comm`), NUL-padded.
    pub(crate) comm: [u8; 16],
    /// Where the access was written, if its check said (`location.rs`).
    pub(crate) location: super::location::CallerLocation,
}

impl AccessInfo {
    pub(crate) const EMPTY: AccessInfo = AccessInfo {
        addr: 0,
        size: 0,
        ty: AccessType::READ,
        tid: 0,
        cpu: 0,
        in_interrupt: false,
        comm: [0; 16],
        location: super::location::CallerLocation::NONE,
    };
}

/// The other thread's side of a race.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OtherInfo {
    pub(crate) ai: AccessInfo,
    pub(crate) stack: RawStack,
    /// For a scoped or reordered access: where it came from (the scope's
    /// start pc, or the reordered access's stack); empty otherwise.
    pub(crate) origin: RawStack,
}

/// An empty entry.
pub(crate) const EMPTY_OTHER_INFO: OtherInfo = OtherInfo {
    ai: AccessInfo::EMPTY,
    stack: RawStack::EMPTY,
    origin: RawStack::EMPTY,
};

/// The entries, indexed by watchpoint slot; lives inside the report lock.
pub(crate) type Handoff = [OtherInfo; TABLE_LEN];
