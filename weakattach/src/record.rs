//! A [`Record`]: one key's entry in one table, kept with the key (see
//! `node.rs`), and the lock word that guards it.
//!
//! A record says which table it belongs to (`table`, null while vacant) and
//! holds the value. Lookups take no lock on it: they count themselves in the
//! table's reader slots (`readers.rs`) and only read the record. A writer
//! (`insert` over a value, `remove`, `with_mut`, `clear`) sets `WRITER`,
//! waits for the lookups that may not have seen it, then sets `ACTIVE` and
//! has the record alone; in a table that no lookup has entered yet it sets
//! both at once (`Core::lock`). An `insert` that attaches a key fills a
//! vacant record and hands it to its table without locking it
//! (`Record::fill_vacant`, `Core::adopt`). Records of other keys, and of the
//! same key in other
//! tables, have their own words, so writers of different entries never wait
//! for each other.
//!
//! A lookup that finds `WRITER` steps back and waits, except on a thread
//! that is already inside a lookup of the same table while the writer is not
//! yet `ACTIVE`: that writer is waiting for this very thread, so the lookup
//! goes on (and so a closure may read any entry of its own table).
//!
//! Every change of the word is `SeqCst`, as is every change of a reader
//! slot: the hand-shake with the lookups needs one total order, and on x86
//! a locked instruction costs the same whatever its ordering (a mix of
//! orderings on one word is also where Miri's weak-memory emulation is known
//! to report executions that C++20 forbids).
//!
//! The word also carries what is not the record's lock: `CLAIM`, which
//! serialises the attaching of a key to new tables while it has no spare
//! records (`node.rs`), and the node's pins and
//! `ORPHAN` (see `release.rs`), used in a key's first record only; `HANDED`,
//! which a dying key sets on a record that a `clear` holds; and `OVERFLOW`,
//! fixed at creation, which tells a spare record from a first one.

use core::ptr;

use crate::readers::{Entered, Readers};
use crate::reentrancy;
use crate::sync::{
    AtomicPtr, AtomicU32, ConstPtr, MutPtr,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
    UnsafeCell, backoff, store_load_order,
};
use crate::table::Core;
use crate::value::{self, Word};

/// A writer holds the record (it may still wait for lookups).
pub(crate) const WRITER: u32 = 1;
/// The writer has the record alone.
pub(crate) const ACTIVE: u32 = 2;
/// The claim lock of a key.
const CLAIM: u32 = 4;
/// A spare record (fixed at creation).
pub(crate) const OVERFLOW: u32 = 8;
/// The key is gone; the last unpin frees the node.
const ORPHAN: u32 = 16;
/// Set by a dying key's release on a record that a `clear` holds: the
/// release pinned the node for that `clear`, which unpins it as it lets go
/// (`Record::hand_off`).
const HANDED: u32 = 32;
/// One pin of the node, by a `clear` that took one of its records; the
/// count takes the bits from here up.
const PIN: u32 = 64;
const PINS: u32 = !(PIN - 1);

/// `slot` of a record that a table's `clear` took out of its registry and
/// has not dealt with yet.
pub(crate) const CLAIMED: u32 = u32::MAX;

pub(crate) struct Record {
    /// The table this record holds a value for, or null while it is vacant.
    /// It changes from null when a key is attached, by an attach of the key,
    /// which runs alone (`Node::attach_with`), under the write lock or the
    /// table's registry lock; and to null when the entry goes, under the
    /// write lock, or by a dying key's release once the record is out of its
    /// registry (`Record::take_dying`), or by its table's drop, which takes it
    /// out of the registry (`Record::take_dropped`). So a holder of a lock of
    /// a record that belongs to a table sees it fixed, but for a `clear` that
    /// looks at a record it took out earlier, and a writer that found it by a
    /// stale hint, which find it another table's or vacant (they let go
    /// without touching it; it may be attached or vacated meanwhile); without
    /// a lock it is a hint, checked again under one.
    table: AtomicPtr<Core>,
    state: AtomicU32,
    /// The record's position in its table's registry (`FAR` from the
    /// registry's last distinct slot on), or `CLAIMED`. Written only under
    /// that registry's lock (see `registry.rs`), and read under it: atomic
    /// only so that a record can be shared, a plain load and store on
    /// the targets we know.
    slot: AtomicU32,
    /// The value (see `value.rs`) while `table` is set: read under the read
    /// lock, written under the write lock, and taken by a dying key's release
    /// once it has the record out of its registry (`Record::take_dying`).
    value: UnsafeCell<Word>,
}

impl Record {
    /// A record of `table` holding `value`, write-locked by its creator, for
    /// a key's first record that is not yet shared.
    pub(crate) fn written(table: &Core, value: Word) -> Self {
        Record {
            table: AtomicPtr::new(ptr::from_ref(table).cast_mut()),
            state: AtomicU32::new(WRITER | ACTIVE),
            slot: AtomicU32::new(CLAIMED),
            value: UnsafeCell::new(value),
        }
    }

    /// A record of `table` holding `value`, unlocked, for a key's first
    /// record that is registered before it is shared (see
    /// `Core::attach_first_unlocked`).
    pub(crate) fn filled(table: &Core, value: Word) -> Self {
        Record {
            table: AtomicPtr::new(ptr::from_ref(table).cast_mut()),
            state: AtomicU32::new(0),
            slot: AtomicU32::new(CLAIMED),
            value: UnsafeCell::new(value),
        }
    }

    /// Stores `value` in a vacant record, for a claimer that then makes it a
    /// table's (`Core::adopt`), once no writer holds it: the writers a
    /// vacant record can have (the `clear` that vacated it, a writer or a
    /// `clear` that found it stale) never touch its value, and let go in a
    /// few instructions.
    ///
    /// # Safety
    /// The record is vacant and the caller attaches its key alone (see
    /// `Node::attach_with`).
    pub(crate) unsafe fn fill_vacant(&self, value: Word) {
        let mut round = 0;
        // `Acquire`: what the last holder did comes first.
        while self.state.load(Acquire) & WRITER != 0
            && !cfg!(weakattach_mutant = "fill_vacant_ignores_writer")
        {
            backoff(&mut round);
        }
        // SAFETY: no lookup reads a vacant record's value, no writer touches
        // it, and no other attach of the key runs (the caller's promise).
        unsafe { *self.value.get_mut().deref() = value };
    }

    /// Makes a vacant record, filled by `fill_vacant`, belong to `table`
    /// (`Release`: its registration and value come first).
    ///
    /// # Safety
    /// As for `fill_vacant`, and the caller holds `table`'s registry lock,
    /// with the record registered there.
    pub(crate) unsafe fn belong_to(&self, table: &Core) {
        self.table.store(ptr::from_ref(table).cast_mut(), Release);
    }

    /// Takes the value out of a record that nobody else can reach.
    pub(crate) fn take_unshared(&mut self) -> Word {
        // SAFETY: `&mut self`: no other access to the value.
        unsafe { core::mem::replace(self.value.get_mut().deref(), Word::uninit()) }
    }

    /// Takes the value out of a dying key's record, without its lock, for
    /// the key's release that has just taken the record out of its registry
    /// (`Core::unregister_dying`), and makes the record vacant. A `clear`
    /// that took the record out of a registry (this table's or another's)
    /// before the key was attached here may still lock it
    /// (`Core::take_claimed`), but finds it not its own and lets go without
    /// touching the value.
    ///
    /// # Safety
    /// As above: the record belonged to a table, the caller took it out of
    /// that table's registry, and its key is gone.
    pub(crate) unsafe fn take_dying(&self) -> Word {
        // Vacant from here on, so that such a `clear` sees it is not its own
        // whichever table it is looking for.
        self.table.store(ptr::null_mut(), Release);
        // SAFETY: the caller's promise: nothing else reads or writes the
        // value any more.
        unsafe { core::mem::replace(self.value.get_mut().deref(), Word::uninit()) }
    }

    /// Takes the value out of a record of a table being dropped, without its
    /// lock, for the drop that has just taken the record out of the table's
    /// registry and then makes it vacant ([`Record::vacate_dropped`]).
    ///
    /// # Safety
    /// The record belongs to the table, which nothing else reaches (no
    /// lookup, no writer of its values), and the caller holds the table's
    /// registry lock and has taken the record out: the key's release looks
    /// at the value only of a record it finds registered under that lock,
    /// and an attach of the key fills only a vacant record. So nothing else
    /// reads or writes the value until the record is vacant.
    pub(crate) unsafe fn take_dropped(&self) -> Word {
        // SAFETY: the caller's promise.
        unsafe { core::mem::replace(self.value.get_mut().deref(), Word::uninit()) }
    }

    /// Makes a record whose value [`Record::take_dropped`] took vacant
    /// (`Release`: an attach of the key that finds it vacant may fill it
    /// again, and the key's release may free the node). The caller does not
    /// touch the record after it.
    pub(crate) fn vacate_dropped(&self) {
        self.table.store(ptr::null_mut(), Release);
    }

    /// A vacant record with the fixed `flags` (`OVERFLOW` or nothing).
    pub(crate) fn vacant(flags: u32) -> Self {
        Record {
            table: AtomicPtr::new(ptr::null_mut()),
            state: AtomicU32::new(flags),
            slot: AtomicU32::new(CLAIMED),
            value: UnsafeCell::new(Word::uninit()),
        }
    }

    /// The table this record belongs to: a hint unless a lock is held.
    #[inline]
    pub(crate) fn table(&self) -> *const Core {
        self.table.load(Acquire)
    }

    #[inline]
    pub(crate) fn belongs_to(&self, table: &Core) -> bool {
        ptr::eq(self.table(), table)
    }

    pub(crate) fn is_overflow(&self) -> bool {
        self.state.load(Relaxed) & OVERFLOW != 0
    }

    /// # Safety
    /// The caller holds the lock of the registry the record is in or is
    /// being taken out of.
    pub(crate) unsafe fn slot(&self) -> u32 {
        // The registry's lock orders every store (see the field).
        self.slot.load(Relaxed)
    }

    /// # Safety
    /// As for [`Record::slot`].
    pub(crate) unsafe fn set_slot(&self, slot: u32) {
        self.slot.store(slot, Relaxed);
    }

    /// The state word, for a lookup that has counted itself in.
    #[inline]
    pub(crate) fn state(&self) -> u32 {
        self.state.load(SeqCst)
    }

    /// Sets `WRITER` if no writer holds the record.
    #[inline]
    pub(crate) fn try_write(&self) -> Option<Pending<'_>> {
        self.try_lock(WRITER)
    }

    /// Sets `WRITER` and `ACTIVE` at once if no writer holds the record: for
    /// a record of a table that no lookup has ever counted itself in (see
    /// `Core::lock`).
    #[inline]
    pub(crate) fn try_write_active(&self) -> Option<Pending<'_>> {
        self.try_lock(WRITER | ACTIVE)
    }

    /// Sets `bits` (`WRITER`, with or without `ACTIVE`) if no writer holds
    /// the record.
    #[inline]
    fn try_lock(&self, bits: u32) -> Option<Pending<'_>> {
        let mut state = self.state.load(Relaxed);
        loop {
            if state & WRITER != 0 {
                return None;
            }
            match self
                .state
                .compare_exchange_weak(state, state | bits, SeqCst, Relaxed)
            {
                Ok(_) => {
                    store_load_order();
                    return Some(Pending(self, state, bits & ACTIVE != 0));
                }
                Err(now) => state = now,
            }
        }
    }

    /// Sets `WRITER`, waiting for the writer on another thread; the caller
    /// must then wait for lookups as needed, and `activate` the guard.
    ///
    /// # Panics
    /// If this thread runs user code with this record (it would wait for
    /// itself).
    #[inline]
    #[track_caller]
    pub(crate) fn write(&self) -> Pending<'_> {
        self.lock(WRITER)
    }

    /// Sets `WRITER` and `ACTIVE` at once, waiting for the writer on another
    /// thread: for a record of a table that no lookup has ever counted
    /// itself in (see `Core::lock`).
    ///
    /// # Panics
    /// As for [`Record::write`].
    #[inline]
    #[track_caller]
    pub(crate) fn write_active(&self) -> Pending<'_> {
        self.lock(WRITER | ACTIVE)
    }

    #[inline]
    #[track_caller]
    fn lock(&self, bits: u32) -> Pending<'_> {
        if let Some(pending) = self.try_lock(bits) {
            return pending;
        }
        self.wait_for_writer();
        let mut round = 0;
        loop {
            if let Some(pending) = self.try_lock(bits) {
                return pending;
            }
            backoff(&mut round);
        }
    }

    /// Sets `WRITER` and `ACTIVE` at once, for a vacant record of a key
    /// being attached (`Node::attach_with`): no lookup reads a vacant
    /// record's value, so none is waited for, and the writers it can have
    /// (the `clear` that vacated it, a writer or a `clear` that found it
    /// stale) let go in a few instructions.
    pub(crate) fn take_vacant(&self) -> WriteGuard<'_> {
        let mut round = 0;
        let mut state = self.state.load(Relaxed);
        loop {
            if state & WRITER == 0 || cfg!(weakattach_mutant = "take_vacant_ignores_writer") {
                match self.state.compare_exchange_weak(
                    state,
                    state | WRITER | ACTIVE,
                    SeqCst,
                    Relaxed,
                ) {
                    Ok(_) => return WriteGuard::new(self),
                    Err(now) => state = now,
                }
            } else {
                backoff(&mut round);
                state = self.state.load(Relaxed);
            }
        }
    }

    /// Waits until the writer that holds the record lets go.
    ///
    /// # Panics
    /// If that writer would be this thread.
    #[cold]
    #[track_caller]
    pub(crate) fn wait_for_writer(&self) {
        if reentrancy::holds(self) {
            reentrancy::waits_for_itself();
        }
        let mut round = 0;
        while self.state.load(SeqCst) & WRITER != 0 {
            backoff(&mut round);
        }
    }

    /// Sets `ACTIVE` on a record whose `WRITER` the caller set and gave up
    /// the guard of (`Pending::keep_locked`), for a `clear` that holds
    /// several records at once and has waited for the lookups.
    pub(crate) fn activate_held(&self) {
        self.state.fetch_or(ACTIVE, SeqCst);
    }

    /// Clears `WRITER`, `ACTIVE` and `HANDED`; whether `HANDED` was set.
    fn unlock(&self) -> bool {
        let mark = if cfg!(weakattach_mutant = "clear_ignores_hand_off") {
            0
        } else {
            HANDED
        };
        self.state.fetch_and(!(WRITER | ACTIVE | mark), SeqCst) & mark != 0
    }

    /// Takes the claim lock of the key whose first record this is. Its holders
    /// run no user code and wait only for the short sections of others.
    pub(crate) fn claim(&self) -> Claiming<'_> {
        let mut round = 0;
        while self.state.fetch_or(CLAIM, SeqCst) & CLAIM != 0 {
            backoff(&mut round);
        }
        Claiming(self)
    }

    /// Pins the node whose first record this is, for a `clear` that took
    /// one of its records out of a registry.
    pub(crate) fn pin(&self) {
        self.state.fetch_add(PIN, SeqCst);
    }

    /// Whether a `clear` has the node pinned, for a key's release: one that
    /// holds one of the node's records (so that every pin taken before that
    /// record was last let go is seen), or that took its only record out of a
    /// registry (every pin was taken before the record was vacated and the
    /// key attached again, see `release.rs`).
    pub(crate) fn is_pinned(&self) -> bool {
        self.state.load(SeqCst) & PINS != 0
    }

    /// Unpins the node; whether the caller must now free it (the key is gone
    /// and this was the last pin).
    pub(crate) fn unpin(&self) -> bool {
        let before = self.state.fetch_sub(PIN, SeqCst);
        before & PINS == PIN && before & ORPHAN != 0
    }

    /// For a dying key's release that found this record (its own, or one of
    /// its spares) held by a writer, which can only be a `clear` of its
    /// table: pins the node (`first` is its first record) on that `clear`'s
    /// behalf and marks the record `HANDED`, so that the `clear`, as it lets
    /// go, unpins the node ([`Pending::unlock`], [`WriteGuard::unlock`]) and
    /// frees it if it is the last. The pin comes first, so it is there by
    /// the time the `clear` can see the mark. Whether it was handed over:
    /// `false` if the writer let go meanwhile (the pin is taken back; the
    /// caller looks again).
    pub(crate) fn hand_off(&self, first: &Record) -> bool {
        if cfg!(weakattach_mutant = "hand_off_unpinned") {
            return true;
        }
        first.pin();
        let mut state = self.state.load(Relaxed);
        while state & WRITER != 0 {
            match self
                .state
                .compare_exchange_weak(state, state | HANDED, SeqCst, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        let last = first.unpin();
        debug_assert!(!last, "a key's release unpins before it orphans");
        false
    }

    /// Marks the node of a released key; whether the caller must free it
    /// (no `clear` has it pinned).
    pub(crate) fn orphan(&self) -> bool {
        let before = self.state.fetch_or(ORPHAN, SeqCst);
        before & PINS == 0
    }
}

/// Holds a key's claim lock; dropping it unlocks.
pub(crate) struct Claiming<'a>(&'a Record);

impl Drop for Claiming<'_> {
    fn drop(&mut self) {
        self.0.state.fetch_and(!CLAIM, SeqCst);
    }
}

/// A lookup counted in its table's readers, with the record it found; dropping
/// it leaves.
pub(crate) struct ReadGuard<'a> {
    record: &'a Record,
    entered: Entered<'a>,
    /// `Some` until the guard leaves: the access to the value, tracked by
    /// loom.
    value: Option<ConstPtr<Word>>,
}

impl<'a> ReadGuard<'a> {
    /// # Safety
    /// The caller counted itself in (`entered`) and saw no writer that
    /// could be `ACTIVE` in `record`.
    pub(crate) unsafe fn new(record: &'a Record, entered: Entered<'a>) -> Self {
        ReadGuard {
            record,
            entered,
            value: Some(record.value.get()),
        }
    }

    pub(crate) fn record(&self) -> &'a Record {
        self.record
    }

    /// The value.
    ///
    /// # Safety
    /// The record belongs to a table of `V`s.
    pub(crate) unsafe fn value<V>(&self) -> &V {
        // SAFETY: no writer is `ACTIVE` until we leave, and a record that
        // belongs to a table holds a value of the table's type.
        unsafe { value::as_ref(self.value.as_ref().expect("entered").deref()) }
    }
}

impl Drop for ReadGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.value = None;
        self.entered.leave();
    }
}

/// A record with `WRITER` set, and `ACTIVE` if the flag says so (else not
/// yet), and its state word from just before: dropping it lets go.
pub(crate) struct Pending<'a>(&'a Record, u32, bool);

impl<'a> Pending<'a> {
    /// Whether a `clear` had the node pinned when `WRITER` was set, for a
    /// key's first record, which holds the pins.
    pub(crate) fn was_pinned(&self) -> bool {
        self.1 & PINS != 0 && !cfg!(weakattach_mutant = "release_ignores_pins")
    }

    /// Has the record alone without setting `ACTIVE`, for a record of a key
    /// that is gone, which no lookup can reach: `ACTIVE` only tells the
    /// lookups of a thread that already reads the table to wait, and other
    /// writers wait for `WRITER` alone.
    pub(crate) fn unreachable(self) -> WriteGuard<'a> {
        let record = self.0;
        core::mem::forget(self);
        WriteGuard::new(record)
    }

    /// Whether `ACTIVE` is set already (`Record::write_active`).
    pub(crate) fn is_active(&self) -> bool {
        self.2
    }

    /// Has the record alone: for the caller that has waited for the lookups
    /// that may not have seen `WRITER`, or knows there are none.
    pub(crate) fn activate(self) -> WriteGuard<'a> {
        let (record, active) = (self.0, self.2);
        core::mem::forget(self);
        if !active {
            record.state.fetch_or(ACTIVE, SeqCst);
        }
        WriteGuard::new(record)
    }

    /// Lets go, for a record found to be vacant or another table's.
    pub(crate) fn release(self) {
        drop(self);
    }

    /// Lets go, for a `clear`: whether a dying key's release handed the node
    /// over meanwhile (see [`Record::hand_off`]), which the caller must then
    /// unpin. Dropping the guard instead leaves the mark for the next holder.
    pub(crate) fn unlock(self) -> bool {
        let record = self.0;
        core::mem::forget(self);
        record.unlock()
    }

    /// Gives up the guard without unlocking: for a record of a key being
    /// released, which nothing else reaches any more.
    pub(crate) fn keep_locked(self) {
        core::mem::forget(self);
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.0.state.fetch_and(!(WRITER | ACTIVE), SeqCst);
    }
}

/// Has a record alone (`WRITER` and `ACTIVE`); dropping it lets go.
pub(crate) struct WriteGuard<'a> {
    record: &'a Record,
    /// As in `ReadGuard`.
    value: Option<MutPtr<Word>>,
}

impl<'a> WriteGuard<'a> {
    fn new(record: &'a Record) -> Self {
        WriteGuard {
            record,
            value: Some(record.value.get_mut()),
        }
    }

    /// A guard for a record made `WRITER | ACTIVE` (`Record::written`).
    ///
    /// # Safety
    /// The caller made the record so and hands its lock to the guard.
    pub(crate) unsafe fn adopt(record: &'a Record) -> Self {
        WriteGuard::new(record)
    }

    pub(crate) fn record(&self) -> &'a Record {
        self.record
    }

    fn word(&mut self) -> &mut Word {
        // SAFETY: `ACTIVE` gives this guard the only access to the value; the
        // borrow is tied to `&mut self`.
        unsafe { self.value.as_ref().expect("locked").deref() }
    }

    /// The value, mutably.
    ///
    /// # Safety
    /// The record belongs to a table of `V`s.
    pub(crate) unsafe fn value_mut<V>(&mut self) -> &mut V {
        // SAFETY: see `word`; the caller vouches for the type.
        unsafe { value::as_mut(self.word()) }
    }

    /// Takes the value out; the record must then be vacated or given a new
    /// value before the lock is released.
    ///
    /// # Safety
    /// The record holds a value (it belongs to a table).
    pub(crate) unsafe fn take(&mut self) -> Word {
        core::mem::replace(self.word(), Word::uninit())
    }

    /// Stores `value` in a record that holds none.
    pub(crate) fn put(&mut self, value: Word) {
        *self.word() = value;
    }

    /// Makes the record belong to `table`, or to none (null).
    pub(crate) fn set_table(&mut self, table: *const Core) {
        self.record.table.store(table.cast_mut(), Release);
    }

    /// Trades the lock for a lookup of `readers`, with no writer in between.
    pub(crate) fn downgrade(mut self, readers: &'a Readers) -> ReadGuard<'a> {
        let record = self.record;
        self.value = None;
        core::mem::forget(self);
        // Counted in first, so that the next writer waits for us.
        let entered = readers.enter();
        record.state.fetch_and(!(WRITER | ACTIVE), SeqCst);
        // SAFETY: counted in, and a writer that comes now waits for us.
        unsafe { ReadGuard::new(record, entered) }
    }

    /// Lets go, for a `clear`: as [`Pending::unlock`].
    pub(crate) fn unlock(mut self) -> bool {
        let record = self.record;
        self.value = None;
        core::mem::forget(self);
        record.unlock()
    }

    /// Gives up the guard without unlocking: for a record of a key being
    /// released, which nothing else reaches any more.
    pub(crate) fn keep_locked(mut self) {
        self.value = None;
        core::mem::forget(self);
    }
}

impl Drop for WriteGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.value = None;
        self.record.state.fetch_and(!(WRITER | ACTIVE), SeqCst);
    }
}
