//! Every atomic, lock and thread primitive the crate uses comes from here, so
//! that a `cfg(loom)` build can put loom's models in their place without the
//! rest of the crate noticing.

#[cfg(not(loom))]
pub(crate) use std::sync::{
    Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak,
    atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, Ordering},
};
#[cfg(not(loom))]
pub(crate) use std::thread::yield_now;

#[cfg(loom)]
pub(crate) use loom::sync::{
    Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, Ordering},
};
// loom has no `Weak`; the reference counts of a table are not what the loom
// models explore, so std's `Arc` stands in for them.
#[cfg(loom)]
pub(crate) use loom::thread::yield_now;
#[cfg(loom)]
pub(crate) use std::sync::{Arc, PoisonError, Weak};

/// Locks `mutex`, ignoring poison: no lock of this crate is held while user
/// code runs, so a poisoned one still guards consistent data.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(not(loom))]
    {
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }
    #[cfg(loom)]
    {
        mutex.lock().unwrap()
    }
}
