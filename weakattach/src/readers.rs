//! [`Readers`]: how lookups count themselves in a table without writing to
//! anything another thread's lookups touch.
//!
//! A table that has been read has a block of counters, one *slot* per group
//! of threads, each on 256 bytes of its own (Intel's prefetcher pairs 128-byte
//! lines, so two threads' counters never share a prefetch pair). A lookup
//! adds one to its thread's slot, reads the record, and takes the one away;
//! the record's memory is only read, so lookups of one table on several
//! threads do not slow each other down, and a lookup does not dirty the
//! key's node.
//!
//! A writer of a record sets the record's `WRITER` bit, then waits until it
//! has seen each slot at zero once ([`Readers::quiesce`]); a lookup adds to
//! its slot, then reads the record's state. Each side writes first and reads
//! second, all in the one `SeqCst` order, so at least one sees the other: a
//! lookup that sees `WRITER` steps back, and a lookup the writer does not see
//! came after the writer's bit, so it sees it. A slot seen at zero once is
//! enough: a later lookup counted there comes after the bit.

use core::cell::Cell;

use crate::sync::{
    AtomicUsize,
    Ordering::{Relaxed, SeqCst},
    backoff, store_load_order,
};

/// Slots of a table (a power of two). Threads take them in turn; threads
/// that share a slot are still counted correctly, they only share its
/// cache line. One under loom.
const SLOTS: usize = if cfg!(all(loom, feature = "loom")) {
    1
} else {
    16
};
const _: () = assert!(SLOTS.is_power_of_two());

pub(crate) struct Readers {
    slots: [Slot; SLOTS],
}

#[repr(align(256))]
struct Slot(AtomicUsize);

impl Readers {
    pub(crate) fn new() -> Self {
        Readers {
            slots: core::array::from_fn(|_| Slot(AtomicUsize::new(0))),
        }
    }

    /// Counts this thread in; the caller must read the record's state next,
    /// and `leave` with the returned counter.
    #[inline]
    pub(crate) fn enter(&self) -> &AtomicUsize {
        let count = &self.slots[this_threads_slot() & (SLOTS - 1)].0;
        count.fetch_add(1, SeqCst);
        store_load_order();
        count
    }

    #[inline]
    pub(crate) fn leave(count: &AtomicUsize) {
        count.fetch_sub(1, SeqCst);
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

#[cfg(not(all(loom, feature = "loom")))]
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
    // During thread-local teardown any slot is correct.
    SLOT.try_with(|slot| match slot.get() {
        usize::MAX => take(slot),
        taken => taken,
    })
    .unwrap_or(0)
}

#[cfg(all(loom, feature = "loom"))]
fn this_threads_slot() -> usize {
    let _ = (Cell::new(()), Relaxed);
    0 // one slot: every thread shares it
}
