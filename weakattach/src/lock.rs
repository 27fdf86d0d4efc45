//! [`SpinLock`]: mutual exclusion for the few short sections of the crate
//! that run no user code (a table's registry, a key's spare records).
//!
//! It is one byte, and unlocking is a single store: once it is done the
//! holder never touches the lock again, so the memory that holds it may be
//! freed by another thread the moment that thread takes the lock after it
//! (`std`'s `Mutex` may still wake a sleeper through its address after the
//! release). A waiter spins, yields, then sleeps in short steps
//! ([`backoff`]); that is the right wait only because no holder ever runs
//! user code or waits for anything while holding it.

use core::ops::{Deref, DerefMut};

use crate::sync::{
    AtomicBool, MutPtr,
    Ordering::{Acquire, Relaxed, Release},
    UnsafeCell, backoff,
};

pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    /// Accessed only through a [`SpinGuard`], that is while `locked` is held.
    data: UnsafeCell<T>,
    /// Under loom, waiters block on this instead of spinning: loom would
    /// explore every round of a spin, and a lock that no holder keeps across
    /// a wait gains nothing from that.
    #[cfg(all(loom, feature = "loom"))]
    model: loom::sync::Mutex<()>,
}

// SAFETY: the lock hands `data` to one thread at a time (see the field), as a
// `Mutex` does: sharing the lock moves `T` between threads, hence `T: Send`.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: as above; the lock owns its `T`.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    const_fn! {
        pub(crate) const fn new(data: T) -> Self {
            SpinLock {
                locked: AtomicBool::new(false),
                data: UnsafeCell::new(data),
                #[cfg(all(loom, feature = "loom"))]
                model: loom::sync::Mutex::new(()),
            }
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
        #[cfg(all(loom, feature = "loom"))]
        let model = self.model.lock().unwrap();
        if self.locked.swap(true, Acquire) {
            self.lock_contended();
        }
        SpinGuard {
            lock: self,
            data: Some(self.data.get_mut()),
            #[cfg(all(loom, feature = "loom"))]
            _model: model,
        }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut round = 0;
        loop {
            backoff(&mut round);
            if !self.locked.load(Relaxed) && !self.locked.swap(true, Acquire) {
                return;
            }
        }
    }
}

/// The holder of a [`SpinLock`]; dropping it unlocks.
pub(crate) struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
    /// `Some` until the guard unlocks.
    data: Option<MutPtr<T>>,
    /// Released after `locked` (fields drop after `Drop::drop`).
    #[cfg(all(loom, feature = "loom"))]
    _model: loom::sync::MutexGuard<'a, ()>,
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: as in `deref_mut`.
        unsafe { self.data.as_ref().expect("locked").deref() }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, so it has the only access to the
        // data; the borrow is tied to `&mut self` and ends before `drop`.
        unsafe { self.data.as_ref().expect("locked").deref() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // The access ends, then the lock is released: the store is the last
        // thing this guard does with the lock's memory.
        self.data = None;
        self.lock.locked.store(false, Release);
    }
}
