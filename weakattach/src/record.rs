//! A [`Record`]: one key's entry in one table, kept with the key (see
//! `node.rs`), and the reader-writer lock that guards it.
//!
//! A record says which table it belongs to (`table`, null while vacant) and
//! holds the value. Lookups read it under its read lock, `insert`, `remove`
//! and `with_mut` under its write lock; records of other keys, or of the same
//! key in other tables, have locks of their own, so calls on different
//! entries never wait for each other, and a closure may use any other entry.
//!
//! The lock word also carries two bits that are not the record's lock:
//! `CLAIM`, which serialises the attaching of one key to new tables (only
//! used in a key's first record), and `OVERFLOW`, fixed at creation, which
//! tells a spare record (with a way back to its key's spares) from a first
//! one.
//!
//! Readers never wait for a writer that is only waiting: a writer takes the
//! lock only when no reader is in, so a closure that reads its entry again
//! (directly or through code it calls) never waits for itself. A writer
//! therefore waits while readers keep coming, which is the price of that.

use core::ptr;

use crate::reentrancy;
use crate::sync::{
    AtomicPtr, AtomicU32, ConstPtr, MutPtr,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
    UnsafeCell, backoff,
};
use crate::table::Core;
use crate::value::{self, Word};

/// Held by one writer.
const WRITER: u32 = 1;
/// The claim lock of a key (first records only).
const CLAIM: u32 = 2;
/// A spare record (fixed at creation).
pub(crate) const OVERFLOW: u32 = 4;
/// One reader; the readers' count takes the bits from here up.
const READER: u32 = 8;
const READERS: u32 = !(READER - 1);

/// `slot` of a record that a table's `clear` took out of its registry and
/// has not dealt with yet.
pub(crate) const CLAIMED: u32 = u32::MAX;

pub(crate) struct Record {
    /// The table this record holds a value for, or null while it is vacant.
    /// It changes only under the write lock (from null when a key is
    /// attached, to null when the entry goes), so a holder of either lock
    /// sees it fixed; without the lock it is a hint, checked again under it.
    table: AtomicPtr<Core>,
    state: AtomicU32,
    /// The record's position in its table's registry, or `CLAIMED`. Read and
    /// written only under that registry's lock (see `registry.rs`).
    slot: UnsafeCell<u32>,
    /// The value (see `value.rs`) while `table` is set: read under the read
    /// lock, written under the write lock.
    value: UnsafeCell<Word>,
}

impl Record {
    /// A record of `table` holding `value`, write-locked by its creator, for
    /// a key's first record that is not yet shared.
    pub(crate) fn written(table: &Core, value: Word) -> Self {
        Record {
            table: AtomicPtr::new(ptr::from_ref(table).cast_mut()),
            state: AtomicU32::new(WRITER),
            slot: UnsafeCell::new(CLAIMED),
            value: UnsafeCell::new(value),
        }
    }

    /// A vacant record with the fixed `flags` (`OVERFLOW` or nothing).
    pub(crate) fn vacant(flags: u32) -> Self {
        Record {
            table: AtomicPtr::new(ptr::null_mut()),
            state: AtomicU32::new(flags),
            slot: UnsafeCell::new(CLAIMED),
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
        // SAFETY: the registry's lock orders every access (see the field).
        unsafe { *self.slot.get().deref() }
    }

    /// # Safety
    /// As for [`Record::slot`].
    pub(crate) unsafe fn set_slot(&self, slot: u32) {
        // SAFETY: as in `slot`.
        unsafe { *self.slot.get_mut().deref() = slot };
    }

    #[inline]
    fn try_read(&self) -> bool {
        if self.state.fetch_add(READER, Acquire) & WRITER == 0 {
            return true;
        }
        self.state.fetch_sub(READER, Relaxed);
        false
    }

    #[inline]
    fn try_write(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        loop {
            if state & (WRITER | READERS) != 0 {
                return false;
            }
            match self
                .state
                .compare_exchange_weak(state, state | WRITER, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }

    /// Takes the read lock, waiting for a writer on another thread.
    ///
    /// # Panics
    /// If this thread holds the write lock (in a closure it runs).
    #[inline]
    #[track_caller]
    pub(crate) fn read(&self) -> ReadGuard<'_> {
        if !self.try_read() {
            self.wait(Record::try_read);
        }
        ReadGuard::new(self)
    }

    /// Takes the write lock, waiting for the holders on other threads.
    ///
    /// # Panics
    /// If this thread holds either lock (in a closure it runs).
    #[inline]
    #[track_caller]
    pub(crate) fn write(&self) -> WriteGuard<'_> {
        if !self.try_write() {
            self.wait(Record::try_write);
        }
        WriteGuard::new(self)
    }

    #[cold]
    #[track_caller]
    fn wait(&self, take: fn(&Record) -> bool) {
        if reentrancy::holds(self) {
            reentrancy::waits_for_itself();
        }
        let mut round = 0;
        loop {
            backoff(&mut round);
            if take(self) {
                return;
            }
        }
    }

    /// Takes the claim lock of the key whose first record this is. Its holders
    /// run no user code and wait only for the short sections of others.
    pub(crate) fn claim(&self) -> Claiming<'_> {
        let mut round = 0;
        while self.state.fetch_or(CLAIM, Acquire) & CLAIM != 0 {
            backoff(&mut round);
        }
        Claiming(self)
    }
}

/// Holds a key's claim lock; dropping it unlocks.
pub(crate) struct Claiming<'a>(&'a Record);

impl Drop for Claiming<'_> {
    fn drop(&mut self) {
        self.0.state.fetch_and(!CLAIM, Release);
    }
}

/// Holds a record's read lock; dropping it unlocks.
pub(crate) struct ReadGuard<'a> {
    record: &'a Record,
    /// `Some` until the guard unlocks: the access to the value, tracked by
    /// loom.
    value: Option<ConstPtr<Word>>,
}

impl<'a> ReadGuard<'a> {
    fn new(record: &'a Record) -> Self {
        ReadGuard {
            record,
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
        // SAFETY: the read lock keeps writers out, and a record that belongs
        // to a table holds a value of the table's type.
        unsafe { value::as_ref(self.value.as_ref().expect("locked").deref()) }
    }
}

impl Drop for ReadGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        drop(self.value.take());
        self.record.state.fetch_sub(READER, Release);
    }
}

/// Holds a record's write lock; dropping it unlocks.
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

    /// A guard for the write lock of a record made write-locked.
    ///
    /// # Safety
    /// The caller holds the write lock and hands it to the guard.
    pub(crate) unsafe fn adopt(record: &'a Record) -> Self {
        WriteGuard::new(record)
    }

    pub(crate) fn record(&self) -> &'a Record {
        self.record
    }

    fn word(&mut self) -> &mut Word {
        // SAFETY: the write lock gives this guard the only access to the
        // value; the borrow is tied to `&mut self`.
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

    /// Trades the write lock for a read lock, with no writer in between.
    pub(crate) fn downgrade(mut self) -> ReadGuard<'a> {
        let record = self.record;
        drop(self.value.take());
        core::mem::forget(self);
        // Adding `READER - WRITER` to a word whose `WRITER` bit is set clears
        // that bit and counts one reader, leaving the other bits alone.
        record.state.fetch_add(READER - WRITER, AcqRel);
        ReadGuard::new(record)
    }

    /// Gives up the guard without unlocking: for a record of a key being
    /// released, which nothing else reaches any more.
    pub(crate) fn keep_locked(mut self) {
        drop(self.value.take());
        core::mem::forget(self);
    }
}

impl Drop for WriteGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        drop(self.value.take());
        self.record.state.fetch_and(!WRITER, Release);
    }
}
