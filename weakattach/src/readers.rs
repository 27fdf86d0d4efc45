//! [`Readers`]: how lookups count themselves in a table without writing to
//! anything another thread's lookups touch.
//!
//! A table that has been read has a block of counters, one *slot* per
//! thread, each on 256 bytes of its own (Intel's prefetcher pairs 128-byte
//! lines, so two threads' counters never share a prefetch pair). A lookup
//! adds one to its thread's slot, reads the record, and takes the one away;
//! the record's memory is only read, so lookups of one table on several
//! threads do not slow each other down, and a lookup does not dirty the
//! key's node.
//!
//! All slots but the last are *owned*: a thread takes one of them (the same
//! in every table) at its first lookup and gives it back when it exits, so
//! only that thread ever writes it. Counting in is an atomic add; counting
//! out of an owned slot is a load and a `Release` store, no atomic
//! read-modify-write, so a lookup takes one where it would take two. Threads
//! that find every owned slot taken, or that look up during their own
//! thread-local teardown, share the last slot, and count out with an atomic
//! subtract.
//!
//! A writer of a record sets the record's `WRITER` bit, then waits until it
//! has seen each slot at zero once ([`Readers::quiesce`]); a lookup adds to
//! its slot, then reads the record's state. Each side writes first and reads
//! second, all in the one `SeqCst` order, so at least one sees the other: a
//! lookup that sees `WRITER` steps back, and a lookup the writer does not see
//! came after the writer's bit, so it sees it. A slot seen at zero once is
//! enough: a later lookup counted there comes after the bit. The writer's
//! `SeqCst` load of a zero that a lookup stored on its way out (`Release`)
//! orders that lookup's reads before whatever the writer does next.

use core::cell::Cell;
use core::marker::PhantomData;

use crate::sync::{
    AtomicUsize,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
    backoff, store_load_order,
};

/// Slots of a table: [`SHARED`] owned ones, then the shared one. Two under
/// loom, so that its models see both kinds.
const SLOTS: usize = if cfg!(all(loom, feature = "loom")) {
    2
} else {
    16
};
/// The shared slot's index, which is also how many owned slots there are.
const SHARED: usize = SLOTS - 1;
// One bit of `TAKEN` an owned slot.
const _: () = assert!(SHARED < usize::BITS as usize && SLOTS.is_power_of_two());

pub(crate) struct Readers {
    slots: [Slot; SLOTS],
}

#[repr(align(256))]
struct Slot(AtomicUsize);

/// A lookup counted in its table's readers: the slot, and whether it is the
/// thread's own. Not `Send`: an owned slot is counted out by its thread.
pub(crate) struct Entered<'a> {
    count: &'a AtomicUsize,
    owned: bool,
    _this_thread: PhantomData<*const ()>,
}

impl Readers {
    pub(crate) fn new() -> Self {
        Readers {
            slots: core::array::from_fn(|_| Slot(AtomicUsize::new(0))),
        }
    }

    /// Counts this thread in; the caller must read the record's state next,
    /// and [`leave`](Entered::leave) after.
    #[inline]
    pub(crate) fn enter(&self) -> Entered<'_> {
        let index = this_threads_slot();
        let count = &self.slots[index & (SLOTS - 1)].0;
        count.fetch_add(1, SeqCst);
        store_load_order();
        Entered {
            count,
            owned: index != SHARED,
            _this_thread: PhantomData,
        }
    }

    /// For a writer that has set a record's `WRITER` bit: waits until every
    /// lookup that may have missed the bit is gone.
    pub(crate) fn quiesce(&self) {
        store_load_order();
        for slot in &self.slots {
            let mut round = 0;
            while slot.0.load(SeqCst) != 0 {
                backoff(&mut round);
            }
        }
    }
}

impl Entered<'_> {
    /// Counts the lookup out. `Release`: a writer that loads the count this
    /// leaves sees the lookup's reads done.
    #[inline]
    pub(crate) fn leave(&self) {
        if self.owned {
            // Only this thread writes its own slot, so no write comes between
            // the load and the store.
            let order = if cfg!(weakattach_mutant = "leave_relaxed") {
                Relaxed
            } else {
                Release
            };
            self.count.store(self.count.load(Relaxed) - 1, order);
        } else {
            self.count.fetch_sub(1, SeqCst);
        }
    }
}

/// The owned slots taken, one bit each.
#[cfg(not(all(loom, feature = "loom")))]
static TAKEN: AtomicUsize = AtomicUsize::new(0);

#[cfg(all(loom, feature = "loom"))]
loom::lazy_static! {
    static ref TAKEN: AtomicUsize = AtomicUsize::new(0);
}

/// Before a thread's first lookup.
const UNTAKEN: usize = usize::MAX;

thread_local_const! {
    /// This thread's slot, once it has read a table (`UNTAKEN` before). A
    /// thread-local with no destructor, so that a lookup finds it with one
    /// load, at any time (the lease below has the destructor).
    static SLOT: Cell<usize> = Cell::new(UNTAKEN);
}

thread_local_const! {
    /// The owned slot this thread holds, if any (`SHARED` if none): given
    /// back as the thread's thread-locals are dropped.
    static LEASE: Lease = Lease(Cell::new(SHARED));
}

struct Lease(Cell<usize>);

impl Drop for Lease {
    fn drop(&mut self) {
        let index = self.0.get();
        if index == SHARED {
            return;
        }
        // Lookups this thread makes from now on (in other thread-locals'
        // destructors) share the last slot. It has none going on: the
        // thread's code has returned, thread-locals are dropped one at a
        // time, and a lookup that another's destructor started has ended.
        // (`SLOT` has no destructor, so std always has it; loom drops all of
        // a thread's locals at once, after which it makes no lookups.)
        let _ = SLOT.try_with(|slot| slot.set(SHARED));
        // Not under loom, which drops the main thread's locals after its
        // statics: its threads keep the slots they took.
        if !cfg!(any(
            all(loom, feature = "loom"),
            weakattach_mutant = "slot_taken_twice"
        )) {
            TAKEN.fetch_and(!(1 << index), Release);
        }
    }
}

/// This thread's slot.
#[inline]
fn this_threads_slot() -> usize {
    // A thread-local without a destructor is there until the thread ends.
    SLOT.with(|slot| match slot.get() {
        UNTAKEN => take(slot),
        index => index,
    })
}

/// Takes an owned slot for this thread, if one is free and the thread can
/// still give it back, else the shared one.
#[cold]
fn take(slot: &Cell<usize>) -> usize {
    let index = match take_owned() {
        Some(index) => {
            if LEASE.try_with(|lease| lease.0.set(index)).is_ok() {
                index
            } else {
                // The lease is gone (thread-local teardown): nothing would
                // give the slot back.
                TAKEN.fetch_and(!(1 << index), Release);
                SHARED
            }
        }
        None => SHARED,
    };
    slot.set(index);
    index
}

/// The lowest owned slot no thread has, now taken; `None` if there is none.
fn take_owned() -> Option<usize> {
    if cfg!(weakattach_mutant = "slot_taken_twice") {
        return Some(0);
    }
    let mut taken = TAKEN.load(Relaxed);
    loop {
        let free = !taken & ((1 << SHARED) - 1);
        if free == 0 {
            return None;
        }
        let bit = free & free.wrapping_neg();
        // `Acquire`: the slot's last holder gave it back (`Release`) with
        // its counts at zero; this thread's first load of each sees that.
        match TAKEN.compare_exchange_weak(taken, taken | bit, Acquire, Relaxed) {
            Ok(_) => return Some(bit.trailing_zeros() as usize),
            Err(now) => taken = now,
        }
    }
}
