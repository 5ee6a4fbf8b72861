//! Synchronization: checked atomics in [`atomic`], and std's other types
//! re-exported so that `use kcsan::sync::{Arc, Mutex}` keeps working after a
//! crate switches its `sync` imports to this crate.
//!
//! Only the atomics are wrapped: std's locks and channels are correct (and not
//! instrumented by cargo kcsan, which leaves std alone), and KCSAN needs no
//! happens-before information from them: it only ever reports two accesses
//! that really overlapped in time.

pub mod atomic;

#[doc(no_inline)]
pub use std::sync::{
    Arc, Barrier, BarrierWaitResult, Condvar, LazyLock, LockResult, Mutex, MutexGuard, Once,
    OnceLock, OnceState, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError,
    TryLockResult, WaitTimeoutResult, Weak, mpsc,
};
