//! The lock of one shard of a table: a mutex that can be handed work.
//!
//! A key's drop must never wait for user code, yet a table shard may be
//! locked for as long as a `with` closure runs. So besides `LOCKED`, the
//! state word has a `PENDING` bit: a releasing key that finds the lock held
//! by user code records its eviction in the shard's pending list and sets
//! `PENDING`; the holder's `unlock` cannot complete while that bit is set, so
//! it always sees the request and carries it out before it lets go.
//!
//! Waiters spin briefly, then park on a condition variable (`PARKED`).

use crate::sync::{AtomicU8, lock, spin_loop, yield_now};
use crate::sync::{
    Condvar, Mutex,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};

const LOCKED: u8 = 1;
const PENDING: u8 = 2;
const PARKED: u8 = 4;

/// How many times a contended `lock` retries before it parks.
const SPINS: u32 = 64;

pub(crate) struct ShardLock {
    state: AtomicU8,
    park: Mutex<()>,
    wake: Condvar,
}

/// What [`ShardLock::unlock`] found.
#[must_use]
pub(crate) enum Unlock {
    /// The lock is released.
    Done,
    /// Work was handed in: the lock is still held (and `PENDING` cleared), the
    /// caller must do the pending work and call `unlock` again.
    Pending,
}

/// What [`ShardLock::lock_or_hand_over`] did.
#[must_use]
pub(crate) enum HandOver {
    /// The caller now holds the lock and must do the pending work itself.
    Locked,
    /// The holder was told; it will do the pending work before it unlocks.
    Handed,
}

impl ShardLock {
    pub(crate) fn new() -> Self {
        ShardLock {
            state: AtomicU8::new(0),
            park: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.state.fetch_or(LOCKED, Acquire) & LOCKED == 0
    }

    #[inline]
    pub(crate) fn lock(&self) {
        if !self.try_lock() {
            self.lock_contended();
        }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut spins = 0;
        loop {
            if self.try_lock() {
                return;
            }
            if spins < SPINS {
                spins += 1;
                if spins % 8 == 0 {
                    yield_now();
                } else {
                    spin_loop();
                }
                continue;
            }
            let guard = lock(&self.park);
            let state = self.state.load(Relaxed);
            if state & LOCKED == 0 {
                continue;
            }
            if state & PARKED == 0
                && self
                    .state
                    .compare_exchange(state, state | PARKED, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            // `unlock` clears `PARKED` and then takes `park` before it
            // notifies, so it cannot notify between our check and our wait.
            drop(
                self.wake
                    .wait(guard)
                    .unwrap_or_else(crate::sync::PoisonError::into_inner),
            );
        }
    }

    /// Releases the lock, unless work was handed in meanwhile.
    #[inline]
    pub(crate) fn unlock(&self) -> Unlock {
        match self.state.compare_exchange(LOCKED, 0, Release, Relaxed) {
            Ok(_) => Unlock::Done,
            Err(state) => self.unlock_contended(state),
        }
    }

    #[cold]
    fn unlock_contended(&self, mut state: u8) -> Unlock {
        loop {
            if state & PENDING != 0 {
                self.state.fetch_and(!PENDING, Acquire);
                return Unlock::Pending;
            }
            match self.state.compare_exchange(state, 0, Release, Relaxed) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state & PARKED != 0 {
            drop(lock(&self.park));
            self.wake.notify_all();
        }
        Unlock::Done
    }

    /// For a releasing key whose work is already in the pending list: either
    /// take the lock (so the caller does the work), or, if the lock is held,
    /// leave the work to the holder. Never waits.
    pub(crate) fn lock_or_hand_over(&self) -> HandOver {
        let mut state = self.state.load(Relaxed);
        loop {
            let (next, outcome) = if state & LOCKED == 0 {
                (state | LOCKED, HandOver::Locked)
            } else {
                (state | PENDING, HandOver::Handed)
            };
            match self
                .state
                .compare_exchange_weak(state, next, AcqRel, Relaxed)
            {
                Ok(_) => return outcome,
                Err(now) => state = now,
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{HandOver, ShardLock, Unlock};
    use std::cell::UnsafeCell;
    use std::sync::Arc;
    use std::thread;

    struct Counter {
        lock: ShardLock,
        value: UnsafeCell<u64>,
    }

    // SAFETY: `value` is only touched by the holder of `lock`.
    unsafe impl Sync for Counter {}

    #[test]
    fn excludes_and_wakes_parked_waiters() {
        let threads = 3;
        let rounds = if cfg!(miri) { 50 } else { 2_000 };
        let counter = Arc::new(Counter {
            lock: ShardLock::new(),
            value: UnsafeCell::new(0),
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let counter = counter.clone();
                thread::spawn(move || {
                    for _ in 0..rounds {
                        counter.lock.lock();
                        // SAFETY: the lock is held.
                        unsafe { *counter.value.get() += 1 };
                        // Holding the lock across a yield makes the others
                        // spin out and park.
                        thread::yield_now();
                        assert!(matches!(counter.lock.unlock(), Unlock::Done));
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        // SAFETY: every other thread has finished.
        assert_eq!(unsafe { *counter.value.get() }, threads * rounds);
    }

    #[test]
    fn work_handed_to_the_holder_makes_unlock_report_it_once() {
        let lock = ShardLock::new();
        assert!(matches!(lock.lock_or_hand_over(), HandOver::Locked));
        assert!(matches!(lock.lock_or_hand_over(), HandOver::Handed));
        assert!(!lock.try_lock());
        assert!(matches!(lock.unlock(), Unlock::Pending));
        assert!(matches!(lock.unlock(), Unlock::Done));
        assert!(lock.try_lock());
        assert!(matches!(lock.unlock(), Unlock::Done));
    }
}
