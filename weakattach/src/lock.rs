//! The lock of one shard of a table: any number of readers or one writer,
//! and a key's eviction can be handed to whoever holds the shard.
//!
//! Readers write nothing that other threads' readers touch: a reader counts
//! itself in its thread's *slot* of [`Readers`], a line of counters of its
//! own, and only reads the shard's state word. A writer sets `LOCKED` in the
//! state word, then waits for the shard's counters in every slot to fall to
//! zero. Each side writes its own word first and reads the other's second,
//! all in the one `SeqCst` order, so at least one of them sees the other: a
//! reader that sees `LOCKED` steps back and queues as a writer does.
//!
//! A key's drop must never wait for user code, yet readers and `with_mut`
//! closures run user code while they hold the shard. So the state word has a
//! `PENDING` bit: a releasing key that cannot have the shard to itself puts
//! its key in the shard's pending list and sets `PENDING`, and the work is
//! then done by whoever holds the shard:
//! - a writer's `unlock` cannot complete while `PENDING` is set;
//! - a reader that leaves and sees `PENDING` takes the lock if it is free and
//!   does the work if no reader is left, or else hands it on to the readers
//!   still inside ([`ShardLock::hand_to_readers`]);
//! - a writer that takes the lock while `PENDING` is set does the work
//!   before its own, and a reader that sees `PENDING` queues as a writer, so
//!   that no call sees an entry whose key is gone.
//!
//! Readers that run user code (closures, `Clone`) count themselves in the
//! upper half of a counter, the others in the lower half, so that a releasing
//! key can tell readers it may wait for (they run no user code, and new
//! readers stay out while it holds `LOCKED`) from readers it must not.
//!
//! Waiters spin briefly, then sleep on a condition variable: `PARKED` marks
//! threads that wait for `LOCKED` to clear, `AWAITED` the writer that waits
//! for readers that run user code.

#[cfg(not(loom))]
use core::cell::Cell;

use crate::sync::{
    AtomicU8, AtomicUsize, Condvar, Mutex,
    Ordering::{Relaxed, SeqCst},
    lock, spin_loop, store_load_order, yield_now,
};

const LOCKED: u8 = 1;
const PENDING: u8 = 2;
const PARKED: u8 = 4;
const AWAITED: u8 = 8;

/// The shards of a table (a power of two). One under loom, so that every key
/// of a model meets the shard another thread holds.
pub(crate) const SHARDS: usize = if cfg!(loom) { 1 } else { 16 };

/// Reader slots of a table. Threads take them in turn; threads that share a
/// slot are still counted correctly, they only share its cache line.
const SLOTS: usize = if cfg!(loom) { 1 } else { 16 };
const _: () = assert!(SLOTS.is_power_of_two());

/// How many times a contended wait retries before it sleeps. loom explores
/// every retry, so its models retry once.
const SPINS: u32 = if cfg!(loom) { 1 } else { 64 };

/// One reader that runs no user code.
pub(crate) const BRIEF: usize = 1;
/// One reader that runs user code: the upper half of a counter.
pub(crate) const IN_USER_CODE: usize = 1 << (usize::BITS / 2);

/// The reader counters of every shard of one table, one slot per group of
/// threads.
pub(crate) struct Readers {
    slots: [Slot; SLOTS],
}

/// The counters of one slot: one per shard, on a cache line pair of their
/// own, so that a reader's count is not next to another thread's.
#[repr(align(128))]
struct Slot([AtomicUsize; SHARDS]);

/// What a writer or a releasing key finds in a shard.
#[derive(PartialEq, Eq)]
enum Inside {
    Nobody,
    /// Readers that run no user code: they leave on their own, soon.
    Brief,
    /// At least one reader runs user code: it may take any time.
    UserCode,
}

impl Readers {
    pub(crate) fn new() -> Self {
        Readers {
            slots: core::array::from_fn(|_| Slot(core::array::from_fn(|_| AtomicUsize::new(0)))),
        }
    }

    /// This thread's counter for `shard`.
    #[inline]
    pub(crate) fn mine(&self, shard: usize) -> &AtomicUsize {
        // `SLOTS` is a power of two: the mask spares a bounds check.
        &self.slots[this_threads_slot() & (SLOTS - 1)].0[shard]
    }

    fn inside(&self, shard: usize) -> Inside {
        let mut inside = Inside::Nobody;
        for slot in &self.slots {
            let count = slot.0[shard].load(SeqCst);
            if count >= IN_USER_CODE {
                return Inside::UserCode;
            }
            if count != 0 {
                inside = Inside::Brief;
            }
        }
        inside
    }

    /// For the holder of a shard's `LOCKED`, taken without waiting for
    /// readers: waits for the readers that run no user code to leave (new
    /// readers stay out meanwhile). Returns whether the holder now has the
    /// shard alone, or `false` if a reader that runs user code is in.
    pub(crate) fn wait_for_brief(&self, shard: usize) -> bool {
        let mut spins = 0;
        loop {
            match self.inside(shard) {
                Inside::Nobody => return true,
                Inside::UserCode => return false,
                Inside::Brief => {
                    spins += 1;
                    pause(spins);
                }
            }
        }
    }
}

#[cfg(not(loom))]
#[inline]
fn this_threads_slot() -> usize {
    thread_local_const! {
        /// This thread's slot, once it has read a table (`usize::MAX` before).
        static SLOT: Cell<usize> = Cell::new(usize::MAX);
    }
    #[cold]
    fn take(slot: &Cell<usize>) -> usize {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let taken = NEXT.fetch_add(1, Relaxed) % SLOTS;
        slot.set(taken);
        taken
    }
    SLOT.with(|slot| match slot.get() {
        usize::MAX => take(slot),
        taken => taken,
    })
}

#[cfg(loom)]
fn this_threads_slot() -> usize {
    0 // one slot: every thread shares it
}

/// What a writer found when it took the lock.
#[must_use]
pub(crate) enum Taken {
    Clean,
    /// Evictions were handed in and not yet done: the writer must do them
    /// before its own work (`PENDING` is already cleared).
    Pending,
}

/// What [`ShardLock::leave`] found.
#[must_use]
pub(crate) enum Leave {
    Done,
    /// Evictions wait: the reader must try to take them over.
    Pending,
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
    /// The caller now holds the lock and must see to the pending work.
    Locked,
    /// The holder was told; it will do the pending work before it unlocks.
    Handed,
}

/// What [`ShardLock::hand_to_readers`] did.
#[must_use]
pub(crate) enum ToReaders {
    /// No reader is inside: the caller holds the shard alone (`PENDING`
    /// cleared) and must do the pending work, then unlock.
    Alone,
    /// The lock is released and the work left to those inside.
    Handed,
}

pub(crate) struct ShardLock {
    state: AtomicU8,
    park: Mutex<()>,
    wake: Condvar,
}

impl ShardLock {
    pub(crate) fn new() -> Self {
        ShardLock {
            state: AtomicU8::new(0),
            park: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Enters as a reader, adding `weight` (`BRIEF` or `IN_USER_CODE`) to
    /// `count`, this thread's counter for the shard; or
    /// returns `false` (not counted) if a writer holds the lock or
    /// evictions wait: the caller must then take the lock as a writer.
    #[inline]
    pub(crate) fn read(&self, count: &AtomicUsize, weight: usize) -> bool {
        count.fetch_add(weight, SeqCst);
        store_load_order();
        if self.state.load(SeqCst) & (LOCKED | PENDING) == 0 {
            return true;
        }
        // Step back. Pending work is done by the writer the caller becomes.
        let _ = self.leave(count, weight);
        false
    }

    /// Leaves as a reader counted with `weight` in `count`.
    #[inline]
    pub(crate) fn leave(&self, count: &AtomicUsize, weight: usize) -> Leave {
        count.fetch_sub(weight, SeqCst);
        store_load_order();
        let state = self.state.load(SeqCst);
        if state & (PENDING | AWAITED) == 0 {
            Leave::Done
        } else {
            self.leave_contended(state)
        }
    }

    #[cold]
    fn leave_contended(&self, state: u8) -> Leave {
        if state & AWAITED != 0 {
            self.wake_all();
        }
        if state & PENDING == 0 {
            Leave::Done
        } else {
            Leave::Pending
        }
    }

    /// Takes the lock if no writer holds it, without waiting for readers.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        let taken = self.state.fetch_or(LOCKED, SeqCst) & LOCKED == 0;
        store_load_order();
        taken
    }

    /// Takes the lock as a writer: waits for the writer before it, then for
    /// the readers inside `shard` to leave.
    #[inline]
    pub(crate) fn lock(&self, readers: &Readers, shard: usize) -> Taken {
        let mut state = self.state.fetch_or(LOCKED, SeqCst);
        if state & LOCKED != 0 {
            state = self.lock_contended();
        }
        store_load_order();
        if readers.inside(shard) != Inside::Nobody {
            self.wait_for_readers(readers, shard);
        }
        if state & PENDING == 0 {
            Taken::Clean
        } else {
            self.state.fetch_and(!PENDING, SeqCst);
            Taken::Pending
        }
    }

    /// Waits for `LOCKED` to clear and sets it; returns the state before.
    #[cold]
    fn lock_contended(&self) -> u8 {
        let mut spins = 0;
        loop {
            let state = self.state.fetch_or(LOCKED, SeqCst);
            if state & LOCKED == 0 {
                return state;
            }
            if spins < SPINS {
                spins += 1;
                pause(spins);
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
            // Whoever clears `LOCKED` clears `PARKED` with it and then takes
            // `park` before it notifies, so it cannot notify between our
            // check and our wait.
            self.sleep(guard);
        }
    }

    /// Holding `LOCKED`: waits until no reader is inside `shard`. Readers
    /// that run no user code are waited for by spinning; while one that runs
    /// user code is inside, `AWAITED` is set (so that a releasing key hands
    /// its work over rather than wait for us), and we sleep.
    #[cold]
    fn wait_for_readers(&self, readers: &Readers, shard: usize) {
        let mut spins = 0;
        loop {
            match readers.inside(shard) {
                Inside::Nobody => break,
                Inside::Brief => {
                    spins += 1;
                    pause(spins);
                }
                Inside::UserCode => {
                    self.state.fetch_or(AWAITED, SeqCst);
                    store_load_order();
                    let guard = lock(&self.park);
                    if readers.inside(shard) == Inside::UserCode {
                        // A reader leaves with `fetch_sub`, then reads the
                        // state; seeing `AWAITED` it takes `park` and
                        // notifies, so it cannot notify between our check
                        // and our wait.
                        self.sleep(guard);
                    }
                }
            }
        }
        self.state.fetch_and(!AWAITED, SeqCst);
    }

    /// Whether the holder waits for readers that run user code.
    #[inline]
    pub(crate) fn awaits_readers(&self) -> bool {
        self.state.load(SeqCst) & AWAITED != 0
    }

    /// Releases the lock, unless work was handed in meanwhile.
    #[inline]
    pub(crate) fn unlock(&self) -> Unlock {
        match self.state.compare_exchange(LOCKED, 0, SeqCst, Relaxed) {
            Ok(_) => Unlock::Done,
            Err(state) => self.unlock_contended(state),
        }
    }

    #[cold]
    fn unlock_contended(&self, mut state: u8) -> Unlock {
        loop {
            if state & PENDING != 0 {
                self.state.fetch_and(!PENDING, SeqCst);
                return Unlock::Pending;
            }
            match self.state.compare_exchange(state, 0, SeqCst, Relaxed) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state & PARKED != 0 {
            self.wake_all();
        }
        Unlock::Done
    }

    /// For a releasing key whose work is already in the pending list: takes
    /// the lock (so that the caller sees to the work), or, if a writer holds
    /// it, leaves the work to that writer. Never waits.
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
                .compare_exchange_weak(state, next, SeqCst, Relaxed)
            {
                Ok(_) => {
                    store_load_order();
                    return outcome;
                }
                Err(now) => state = now,
            }
        }
    }

    /// For a caller that holds the lock (taken without waiting for readers)
    /// with work in the pending list: keeps the shard once the readers that
    /// run no user code have left, or, if one that does is in, releases the lock with `PENDING` set, so that the last reader
    /// to leave sees to the work. Never waits.
    ///
    /// A reader that leaves while we hold the lock sees `PENDING`, fails to
    /// take the lock and counts on us; so after releasing, we look again,
    /// and take the work back if everyone has left.
    pub(crate) fn hand_to_readers(&self, readers: &Readers, shard: usize) -> ToReaders {
        loop {
            self.state.fetch_or(PENDING, SeqCst);
            store_load_order();
            if readers.wait_for_brief(shard) {
                self.state.fetch_and(!PENDING, SeqCst);
                return ToReaders::Alone;
            }
            let state = self.state.fetch_and(!(LOCKED | PARKED), SeqCst);
            store_load_order();
            if state & PARKED != 0 {
                self.wake_all();
            }
            if readers.inside(shard) != Inside::Nobody || !self.try_lock() {
                // Those inside will see `PENDING` as they leave, or a writer
                // holds the lock and will see it as it unlocks.
                return ToReaders::Handed;
            }
        }
    }

    fn wake_all(&self) {
        drop(lock(&self.park));
        self.wake.notify_all();
    }

    fn sleep(&self, guard: crate::sync::MutexGuard<'_, ()>) {
        drop(
            self.wake
                .wait(guard)
                .unwrap_or_else(crate::sync::PoisonError::into_inner),
        );
    }
}

/// One round of a contended wait: a spin, and every eighth round a yield.
pub(crate) fn pause(round: u32) {
    if round % 8 == 0 {
        yield_now();
    } else {
        spin_loop();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{
        BRIEF, HandOver, IN_USER_CODE, Leave, Readers, ShardLock, Taken, ToReaders, Unlock,
    };
    use std::cell::UnsafeCell;
    use std::sync::Arc;
    use std::thread;

    struct Counter {
        lock: ShardLock,
        readers: Readers,
        value: UnsafeCell<u64>,
    }

    // SAFETY: `value` is written only by the writer of `lock`, and read only
    // by its readers.
    unsafe impl Sync for Counter {}

    #[test]
    fn writers_exclude_each_other_and_readers() {
        let threads = 3;
        let rounds = if cfg!(miri) { 50 } else { 2_000 };
        let counter = Arc::new(Counter {
            lock: ShardLock::new(),
            readers: Readers::new(),
            value: UnsafeCell::new(0),
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let counter = counter.clone();
                thread::spawn(move || {
                    for _ in 0..rounds {
                        assert!(matches!(
                            counter.lock.lock(&counter.readers, 0),
                            Taken::Clean
                        ));
                        // SAFETY: the lock is held by this writer.
                        unsafe { *counter.value.get() += 1 };
                        // Holding the lock across a yield makes the others
                        // spin out and sleep.
                        thread::yield_now();
                        assert!(matches!(counter.lock.unlock(), Unlock::Done));
                        let count = counter.readers.mine(0);
                        if counter.lock.read(count, IN_USER_CODE) {
                            // SAFETY: read as a reader of the lock.
                            let seen = unsafe { *counter.value.get() };
                            thread::yield_now();
                            // SAFETY: as above; no writer came in meanwhile.
                            assert_eq!(unsafe { *counter.value.get() }, seen);
                            assert!(matches!(
                                counter.lock.leave(count, IN_USER_CODE),
                                Leave::Done
                            ));
                        }
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

    #[test]
    fn work_handed_to_readers_goes_to_the_last_one_out() {
        let lock = ShardLock::new();
        let readers = Readers::new();
        let count = readers.mine(0);
        assert!(lock.read(count, BRIEF));
        assert!(lock.read(count, IN_USER_CODE));
        assert!(lock.try_lock());
        assert!(matches!(
            lock.hand_to_readers(&readers, 0),
            ToReaders::Handed
        ));
        // Readers stay out while work waits, and the lock is free.
        assert!(!lock.read(count, BRIEF));
        assert!(matches!(lock.leave(count, BRIEF), Leave::Pending));
        assert!(lock.try_lock());
        assert!(matches!(
            lock.hand_to_readers(&readers, 0),
            ToReaders::Handed
        ));
        assert!(matches!(lock.leave(count, IN_USER_CODE), Leave::Pending));
        assert!(lock.try_lock());
        assert!(matches!(
            lock.hand_to_readers(&readers, 0),
            ToReaders::Alone
        ));
        assert!(matches!(lock.unlock(), Unlock::Done));
        assert!(lock.read(count, BRIEF));
        assert!(matches!(lock.leave(count, BRIEF), Leave::Done));
    }

    #[test]
    fn a_writer_that_finds_work_waiting_is_told_to_do_it_first() {
        let lock = ShardLock::new();
        let readers = Readers::new();
        let count = readers.mine(0);
        assert!(lock.read(count, IN_USER_CODE));
        assert!(lock.try_lock());
        assert!(matches!(
            lock.hand_to_readers(&readers, 0),
            ToReaders::Handed
        ));
        assert!(matches!(lock.leave(count, IN_USER_CODE), Leave::Pending));
        assert!(matches!(lock.lock(&readers, 0), Taken::Pending));
        assert!(matches!(lock.unlock(), Unlock::Done));
    }
}
