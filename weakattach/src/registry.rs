//! [`Registry`]: what a table keeps of its entries, so that `clear` and its
//! drop find them: one pointer per entry, to the record in the key's node.
//!
//! Each record knows its position (`slot`), so removing any entry is a swap
//! with the last one (past the 4,294,967,294th entry, records share the last
//! slot, `FAR`, and are found by a search of the tail). The storage grows
//! when full (fourfold while small, by doubling from `KEEP` entries on) and
//! shrinks by half when a quarter full:
//! a table gives its memory back as its keys die, at amortized O(1) per
//! removal, and a table that hovers at a boundary does not reallocate on
//! every call.
//!
//! A registry has no lock of its own. It is guarded by one of a fixed set of
//! locks that live as long as the program, picked by the address of its
//! table ([`lock`]), so a lock can be taken for a table that may be gone: a
//! dying key's release takes the lock of the table its record names, and
//! only then finds out whether the record is still registered, and so
//! whether the table is alive (`Core::unregister_dying`). Tables whose
//! addresses pick the same lock share it; no thread holds two registry
//! locks at once, so that never deadlocks.
//!
//! Every access to a registry, and to the `slot` of a record in it, happens
//! under its lock; a record stays alive while it is in a registry
//! (its key's release takes it out first, under that lock), and a table is
//! freed only once its registry is empty. A `clear` takes records out a
//! batch at a time, under one lock each.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::lock::{SpinGuard, SpinLock};
use crate::record::{CLAIMED, Record};
use crate::sync::{MutPtr, UnsafeCell};

/// How many registry locks there are: a power of two.
#[cfg(not(all(loom, feature = "loom")))]
const LOCKS: usize = 64;

/// A registry lock, alone in its cache line: threads that work on tables
/// with different locks share no line.
#[cfg(not(all(loom, feature = "loom")))]
#[repr(align(64))]
struct Stripe(SpinLock<()>);

/// Takes the registry lock of the table at `table`, which need not be alive
/// (the address is only hashed).
#[inline]
pub(crate) fn lock(table: *const ()) -> Held {
    #[cfg(debug_assertions)]
    nesting::enter();
    #[cfg(not(all(loom, feature = "loom")))]
    {
        static STRIPES: [Stripe; LOCKS] = [const { Stripe(SpinLock::new(())) }; LOCKS];
        // Fibonacci hashing: the high bits of the address times 2^64/φ.
        let hash = (table.addr() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            >> (u64::BITS - LOCKS.trailing_zeros());
        #[allow(clippy::cast_possible_truncation)] // below `LOCKS`
        Held {
            _lock: STRIPES[hash as usize].0.lock(),
        }
    }
    #[cfg(all(loom, feature = "loom"))]
    {
        // Two locks, so that two tables of a model are guarded by two (and a
        // third shares the first's): each address takes the next of them the
        // first time it is locked. Addresses differ from one execution of a
        // model to the next, and loom needs each to make the same calls; the
        // order in which a model's tables are first locked does not differ,
        // and no address is reused within an execution (the models make
        // every table's body before they drop one: `primed` in the tests).
        loom::lazy_static! {
            static ref STRIPES: [SpinLock<()>; 2] = [SpinLock::new(()), SpinLock::new(())];
            static ref SEEN: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());
        }
        let index = {
            let mut seen = SEEN.lock().unwrap();
            seen.iter()
                .position(|&seen| seen == table.addr())
                .unwrap_or_else(|| {
                    seen.push(table.addr());
                    seen.len() - 1
                })
        };
        Held {
            _lock: STRIPES[index % 2].lock(),
        }
    }
}

/// A registry lock, held; dropping it unlocks.
pub(crate) struct Held {
    _lock: SpinGuard<'static, ()>,
}

#[cfg(debug_assertions)]
impl Drop for Held {
    fn drop(&mut self) {
        nesting::leave();
    }
}

/// Debug builds check that no thread takes a registry lock while it holds
/// one: with two tables that share a lock, it would wait for itself.
#[cfg(debug_assertions)]
mod nesting {
    use core::cell::Cell;

    thread_local_const! {
        static HOLDS: Cell<bool> = Cell::new(false);
    }

    pub(super) fn enter() {
        let _ = HOLDS.try_with(|holds| {
            assert!(
                !holds.replace(true),
                "weakattach: a registry lock taken while one is held"
            );
        });
    }

    pub(super) fn leave() {
        let _ = HOLDS.try_with(|holds| holds.set(false));
    }
}

/// A table's registry, reached through its lock.
pub(crate) struct Guarded(UnsafeCell<Registry>);

// SAFETY: the registry's pointers are to records, which are made to be
// reached from any thread; it is used only under its lock (`Locked`), by one
// thread at a time.
unsafe impl Send for Guarded {}
// SAFETY: as above.
unsafe impl Sync for Guarded {}

impl Guarded {
    const_fn! {
        pub(crate) const fn new() -> Self {
            Guarded(UnsafeCell::new(Registry::new()))
        }
    }

    /// The registry, under `lock`.
    ///
    /// # Safety
    /// `lock` is the lock of the table that holds this registry, taken by
    /// [`lock`] with that table's address.
    #[inline]
    pub(crate) unsafe fn locked(&self, lock: Held) -> Locked<'_> {
        Locked {
            registry: self.0.get_mut(),
            _lock: lock,
            _guarded: PhantomData,
        }
    }
}

/// A registry and its lock, held; dropping it unlocks.
pub(crate) struct Locked<'a> {
    /// The access, which ends before the lock is released (fields drop in
    /// order).
    registry: MutPtr<Registry>,
    _lock: Held,
    _guarded: PhantomData<&'a Guarded>,
}

impl Deref for Locked<'_> {
    type Target = Registry;

    fn deref(&self) -> &Registry {
        // SAFETY: as in `deref_mut`.
        unsafe { self.registry.deref() }
    }
}

impl DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Registry {
        // SAFETY: the registry's lock is held (see `Guarded::locked`), so
        // this is the only access; the borrow is tied to `&mut self`.
        unsafe { self.registry.deref() }
    }
}

/// Below this capacity a registry does not shrink.
const KEEP: usize = 16;

/// The `slot` of every record from this position on: a record's slot is a
/// `u32`, and `CLAIMED` is taken, so the records of a table past its
/// 4,294,967,294th entry share one slot and are found by a search of that
/// tail when they leave. A table never refuses an entry: a limit found only
/// once the value is in its record would have to drop it, or lose it. (Small
/// in the unit tests, so that they reach it.)
#[cfg(not(test))]
const FAR: u32 = CLAIMED - 1;
#[cfg(test)]
const FAR: u32 = 3;

/// The slot of position `position`.
#[allow(clippy::cast_possible_truncation)] // at most `FAR`
fn slot_of(position: usize) -> u32 {
    position.min(FAR as usize) as u32
}

pub(crate) struct Registry {
    records: Vec<*const Record>,
}

impl Registry {
    const fn new() -> Self {
        Registry {
            records: Vec::new(),
        }
    }

    /// Adds `record`, which is in no registry. The pointer must carry the
    /// provenance of the record's whole node or spare (not only of the
    /// record): a `clear` that takes it out may be the one that frees it.
    pub(crate) fn add(&mut self, record: *const Record) {
        let slot = slot_of(self.records.len());
        if self.records.len() == self.records.capacity() {
            self.grow();
        }
        self.records.push(record);
        // SAFETY: the record is alive (the caller is adding it); under the
        // registry's lock (see the module docs).
        unsafe { (*record).set_slot(slot) };
    }

    /// Takes `record` out, if it is still here: `false` if a `clear` took it
    /// out first (`CLAIMED`).
    ///
    /// # Safety
    /// `record` is in this registry or was taken out of it by `pop`.
    pub(crate) unsafe fn remove(&mut self, record: &Record) -> bool {
        // SAFETY: under the registry's lock.
        let slot = unsafe { record.slot() };
        if slot == CLAIMED {
            return false;
        }
        let position = if slot == FAR {
            self.far(record)
        } else {
            slot as usize
        };
        debug_assert!(core::ptr::eq(self.records[position], record));
        self.records.swap_remove(position);
        if let Some(&moved) = self.records.get(position) {
            // SAFETY: `moved` is in this registry, hence alive; under the lock.
            unsafe { (*moved).set_slot(slot_of(position)) };
        }
        self.shrink();
        true
    }

    /// The position of `record`, which is in the registry's far tail.
    #[cold]
    fn far(&self, record: &Record) -> usize {
        let tail = &self.records[FAR as usize..];
        FAR as usize
            + tail
                .iter()
                .position(|&far| core::ptr::eq(far, record))
                .expect("weakattach: a record with the far slot is in the registry's tail")
    }

    /// Takes any record out, marking it `CLAIMED`: the caller must deal with
    /// its value.
    pub(crate) fn pop(&mut self) -> Option<*const Record> {
        let record = self.records.pop()?;
        // SAFETY: `record` was in this registry, hence alive; under the lock.
        unsafe { (*record).set_slot(CLAIMED) };
        self.shrink();
        Some(record)
    }

    /// Makes room for 4 entries, then grows fourfold up to `KEEP` and by
    /// doubling after: a short-lived table of a few entries (a set built for
    /// one traversal) reallocates once or twice, not at 4, 8 and 16 as a
    /// `Vec` would.
    #[cold]
    fn grow(&mut self) {
        let capacity = self.records.capacity();
        let more = if capacity < KEEP {
            (capacity * 3).max(4)
        } else {
            capacity
        };
        self.records.reserve_exact(more);
    }

    fn shrink(&mut self) {
        let capacity = self.records.capacity();
        if capacity > KEEP && self.records.len() <= capacity / 4 {
            self.records.shrink_to(capacity / 2);
        }
    }
}

#[cfg(all(test, not(all(loom, feature = "loom"))))]
mod tests {
    use super::{FAR, Registry};
    use crate::record::{CLAIMED, OVERFLOW, Record};

    /// Every record's slot is its position, or `FAR` from there on.
    fn check(registry: &Registry) {
        for (position, &record) in registry.records.iter().enumerate() {
            let expected = u32::try_from(position).unwrap().min(FAR);
            // SAFETY: alive (in `records` below); one thread, so as
            // exclusive as the registry's lock.
            assert_eq!(unsafe { (*record).slot() }, expected, "at {position}");
        }
    }

    /// Records past the last distinct slot share it, and each still leaves
    /// from wherever it is, the others still found after.
    #[test]
    fn records_past_the_last_slot_are_found() {
        let records: Vec<Record> = (0..8).map(|_| Record::vacant(OVERFLOW)).collect();
        let mut registry = Registry::new();
        for record in &records {
            registry.add(record);
        }
        check(&registry);
        assert_eq!(FAR, 3);
        // From the far tail, from below it (a far record moves there and
        // gets its position), from there again, and from the tail's start.
        for leaving in [5, 1, 6, 3] {
            // SAFETY: in the registry; one thread.
            assert!(unsafe { registry.remove(&records[leaving]) });
            assert!(!registry.records.contains(&&raw const records[leaving]));
            check(&registry);
        }
        let mut left: Vec<usize> = Vec::new();
        while let Some(record) = registry.pop() {
            let index = records
                .iter()
                .position(|r| core::ptr::eq(r, record))
                .unwrap();
            // SAFETY: alive; one thread.
            assert_eq!(unsafe { records[index].slot() }, CLAIMED);
            left.push(index);
        }
        left.sort_unstable();
        assert_eq!(left, [0, 2, 4, 7]);
        // SAFETY: taken out by `pop`.
        assert!(!unsafe { registry.remove(&records[0]) });
    }
}
