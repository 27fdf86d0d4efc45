//! The shared body of a [`WeakMap`](crate::WeakMap) ([`Core`]) and the table
//! operations on a key's records.
//!
//! A table holds no values: they are in the records of its keys' nodes
//! (`node.rs`). What the table keeps is its registry (`registry.rs`), which
//! lets `clear` and the table's drop reach those records, and the function
//! that drops its type of value, for a key's release, which does not know
//! the type.
//!
//! Who may touch a record, and how they meet:
//! - calls through a key (`insert`, `get`, `with`, `remove`, ...) find the
//!   record from the key and take its lock (read or write); the key is
//!   borrowed meanwhile, so it cannot be dropped;
//! - an `insert` that attaches the key (a new node, or a vacant record of
//!   the key's) takes no record lock: the record gets its value first, then
//!   its registration and its table under the registry's lock (for a new
//!   node, the registration comes before the node is published to the key),
//!   so a call that finds the record, or a `clear` that takes it out of the
//!   registry, finds it complete;
//! - a key's release (`release.rs`) needs no one to get out of its way but
//!   a `clear`: it takes a record that is still registered out of its
//!   registry under the registry's lock alone, which it can take before it
//!   knows the table is alive (the lock is picked by the table's address and
//!   outlives every table, `registry.rs`); only a record that a `clear` took
//!   out first (or a vacant one) does it lock;
//! - a `clear` takes records out of the registry (marking them `CLAIMED`)
//!   and, under the same lock, write-locks each that no writer holds: those
//!   are its own from then on, and a key that dies meanwhile hands its node
//!   over to the `clear` (`Record::hand_off`). A record that a writer holds
//!   (a `remove`, an `insert` over a value, a `with_mut`) it leaves for
//!   later and pins the node instead, then deals with the record under its
//!   write lock, asking the registry (under its lock) whether the record is
//!   still out of it. A `remove` or a release may get to such a record first
//!   and take its value: the `clear` then finds the record vacant (or
//!   registered again, as a new entry) and leaves it, and its pin kept the
//!   node alive for that look;
//! - a table's drop (`Core::clear_dropped`) has no lookups or writers to
//!   meet, only keys' releases and attaches of its keys to other tables:
//!   under the registry's lock it takes each value out of its record, with
//!   no record lock, and makes the record vacant, the last it does with it. A
//!   release looks at a record it finds taken out of a registry only under
//!   that lock or once it is vacant, and an attach fills only a vacant
//!   record. The key's index keeps the table's entry, stale (`node.rs`).
//!
//! Locks are taken in one order, and none is held while user code runs but
//! the lock of the record that the code was given: a key's claim lock, then
//! its spares' index, then a record, then its table's registry; a record, then
//! its key's index, only for the record being vacated (a claim under the
//! index waits only for a vacant record, whose holders take no index). Values
//! are dropped with no lock held.

use core::ptr;

use crate::anchor::Anchor;
use crate::node::{self, Claim, Node};
use crate::readers::Readers;
use crate::record::{ACTIVE, CLAIMED, Pending, ReadGuard, Record, WRITER, WriteGuard};
use crate::reentrancy::{self, Frame};
use crate::registry::{self, Guarded, Locked};
use crate::sync::{
    AtomicPtr,
    Ordering::{Acquire, SeqCst},
    backoff, set_once, store_load_order, unshared,
};
use crate::value::{self, DropWord, Owned, Word};

pub(crate) struct Core {
    registry: Guarded,
    /// Drops a value of this table's type.
    drop_word: DropWord,
    /// Null until the table is first read; then its reader slots, made by
    /// `Box::into_raw`, freed with the table.
    readers: AtomicPtr<Readers>,
}

impl Drop for Core {
    fn drop(&mut self) {
        let readers = unshared(&mut self.readers);
        if !readers.is_null() {
            // SAFETY: made by `Box::into_raw` in `readers`, and ours.
            drop(unsafe { Box::from_raw(readers) });
        }
    }
}

impl Core {
    /// A table of `V`s.
    pub(crate) fn new<V>() -> Core {
        Core {
            registry: Guarded::new(),
            drop_word: value::drop_word::<V>,
            readers: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The registry, locked.
    #[inline]
    fn registry(&self) -> Locked<'_> {
        let lock = registry::lock(ptr::from_ref(self).cast());
        // SAFETY: the lock of this table's address.
        unsafe { self.registry.locked(lock) }
    }

    /// The table's reader slots, made on first use.
    #[inline]
    fn readers(&self) -> &Readers {
        // SAFETY: set once, freed with the table.
        match unsafe { self.readers.load(Acquire).as_ref() } {
            Some(readers) => readers,
            None => self.make_readers(),
        }
    }

    #[cold]
    fn make_readers(&self) -> &Readers {
        // `SeqCst`: a writer that loads the pointer after this sees it (see
        // `quiesce`).
        // SAFETY: set once, freed with the table.
        unsafe { &*set_once(&self.readers, Readers::new) }
    }

    /// For a writer that has set `WRITER`: waits for the lookups that may
    /// not have seen it. A table that was never read has none.
    fn quiesce(&self) {
        store_load_order();
        // SAFETY: as in `readers`. `SeqCst`: a lookup that makes the slots
        // after this load sees `WRITER` (see `readers.rs`).
        if let Some(readers) = unsafe { self.readers.load(SeqCst).as_ref() } {
            readers.quiesce();
        }
    }

    /// Sets `WRITER` on `record`, and `ACTIVE` with it if no lookup has
    /// ever counted itself in this table. `ACTIVE` comes second so that a
    /// lookup already inside the table, whose closure reads the record, may go
    /// on while the writer waits for it; a table that has no reader slots has
    /// no such lookup, so the writer waits for nothing and can be `ACTIVE` at
    /// once (one read-modify-write fewer). The slots are looked at again
    /// after the bits are set: a lookup that made them after that look sees
    /// the bits, waits if it reads this record, and is never waited for; if
    /// they were made before, the writer lets go and takes `WRITER` alone.
    ///
    /// # Panics
    /// As for [`Record::write`].
    #[track_caller]
    fn lock<'a>(&self, record: &'a Record) -> Pending<'a> {
        if self.readers.load(Acquire).is_null() {
            let pending = record.write_active();
            // `SeqCst`, after the bits: see `quiesce`.
            if self.readers.load(SeqCst).is_null()
                || cfg!(weakattach_mutant = "unread_table_unchecked")
            {
                return pending;
            }
            pending.release();
        }
        record.write()
    }

    /// # Safety
    /// As for `Registry::add`.
    fn register(&self, record: *const Record) {
        // SAFETY: the caller's promise: a live record.
        check_belongs(unsafe { &*record });
        self.registry().add(record);
    }

    /// Takes `record`, which belongs to this table and which the caller
    /// holds, out of the registry, unless a `clear` took it out first.
    fn unregister(&self, record: &Record) {
        // SAFETY: the record belongs to this table: it is in the registry, or
        // a `clear` took it out.
        unsafe { self.registry().remove(record) };
    }

    /// The function that drops a value of the table at `this`.
    ///
    /// # Safety
    /// `this` is alive.
    pub(crate) unsafe fn drop_word_of(this: *const Core) -> DropWord {
        // SAFETY: the caller's promise.
        unsafe { (*this).drop_word }
    }

    /// For a dying key's record: takes it out of the registry of the table
    /// it belongs to, if it is still there, without the record's lock, and
    /// returns the function that drops its value. `None` if the record is
    /// vacant, or a `clear` took it out of the registry first (and holds it,
    /// or will look at it): the caller then locks the record
    /// (`release.rs`).
    ///
    /// The table may be gone as this starts. Its registry's lock is taken by
    /// the address the record names (`registry::lock`), and the table is
    /// looked at only once the record is found still registered, which keeps
    /// it alive: a table is freed only once its registry is empty, and with
    /// the key gone only a `clear` takes records out, under that lock,
    /// marking each `CLAIMED`.
    ///
    /// # Safety
    /// The record's key is gone: nothing attaches, fills or removes the
    /// record any more.
    pub(crate) unsafe fn unregister_dying(record: &Record) -> Option<DropWord> {
        let this = record.table();
        if this.is_null() {
            return None;
        }
        let lock = registry::lock(this.cast());
        // SAFETY: under the lock of the registry the record is in or was
        // taken out of. A `clear` that took it out marked it `CLAIMED` under
        // this lock; otherwise it is still there, with the position it was
        // given when the key (now gone) was attached.
        if unsafe { record.slot() } == CLAIMED && !cfg!(weakattach_mutant = "dying_takes_claimed") {
            return None;
        }
        // SAFETY: the record is registered (see above), so its table is alive.
        let table = unsafe { &*this };
        // SAFETY: the lock of this table's address.
        let mut registry = unsafe { table.registry.locked(lock) };
        // SAFETY: the record belongs to this table.
        let registered = unsafe { registry.remove(record) };
        debug_assert!(
            registered || cfg!(weakattach_mutant = "dying_takes_claimed"),
            "checked above"
        );
        let drop_word = table.drop_word;
        drop(registry);
        Some(drop_word)
    }

    #[inline]
    pub(crate) fn contains(&self, node: &Node) -> bool {
        node.find(self).is_some()
    }

    /// A lookup of `node`'s key in this table.
    #[inline]
    #[track_caller]
    fn read<'a>(&'a self, node: &'a Node) -> Option<ReadGuard<'a>> {
        let readers = self.readers();
        let mut round = 0;
        loop {
            // Counted in before the node is read. On x86 no load passes an
            // atomic read-modify-write, either way; between this add and the
            // next lookup's, the node's read (often a cache miss) then
            // overlaps with the caller's read of its next key, where counted
            // in after it, the two would wait in turn. A lookup of a key that
            // is not in the table pays the add too.
            let entered = readers.enter();
            let Some(record) = node.find(self) else {
                entered.leave();
                return None;
            };
            let state = record.state();
            // A writer that is not yet `ACTIVE` waits for this thread, if
            // this thread already reads the table: then going on is what
            // lets both finish.
            if state & WRITER == 0
                || cfg!(weakattach_mutant = "read_ignores_writer")
                || (state & ACTIVE == 0 && reentrancy::reads(self))
            {
                if record.belongs_to(self) {
                    // SAFETY: counted in, and no writer is `ACTIVE`: one that
                    // comes now waits for us.
                    return Some(unsafe { ReadGuard::new(record, entered) });
                }
                // Vacated (by a `clear`) between the look and the read of
                // the state.
                entered.leave();
                backoff(&mut round);
                continue;
            }
            entered.leave();
            record.wait_for_writer();
        }
    }

    /// The record of `node`'s key in this table, to itself.
    ///
    /// # Panics
    /// If this thread runs user code of a lookup of this table, which would
    /// be waited for.
    #[track_caller]
    fn write<'a>(&self, node: &'a Node) -> Option<WriteGuard<'a>> {
        let mut round = 0;
        loop {
            let record = node.find(self)?;
            if reentrancy::reads(self) {
                reentrancy::waits_for_itself();
            }
            let pending = self.lock(record);
            if !record.belongs_to(self) {
                // Vacated between the look and the lock.
                pending.release();
                backoff(&mut round);
                continue;
            }
            if !pending.is_active() {
                self.quiesce();
            }
            return Some(pending.activate());
        }
    }

    /// Runs `f` on the value of a record of this table, as its user code.
    ///
    /// # Safety
    /// This is a table of `V`s.
    #[allow(clippy::needless_pass_by_value)] // the lookup ends as `guard` drops, after `f`
    #[inline]
    unsafe fn run<V, R>(&self, guard: ReadGuard<'_>, f: impl FnOnce(&V) -> R) -> R {
        let frame = Frame::new(guard.record(), self, true);
        let _entered = frame.enter();
        // SAFETY: the record belongs to this table of `V`s.
        f(unsafe { guard.value::<V>() })
    }

    /// # Safety
    /// This is a table of `V`s.
    #[inline]
    #[track_caller]
    pub(crate) unsafe fn with<V, R>(&self, node: &Node, f: impl FnOnce(&V) -> R) -> Option<R> {
        let guard = self.read(node)?;
        // SAFETY: the caller's promise.
        Some(unsafe { self.run(guard, f) })
    }

    /// # Safety
    /// This is a table of `V`s.
    #[track_caller]
    pub(crate) unsafe fn with_mut<V, R>(
        &self,
        node: &Node,
        f: impl FnOnce(&mut V) -> R,
    ) -> Option<R> {
        let mut guard = self.write(node)?;
        let frame = Frame::new(guard.record(), self, false);
        let _entered = frame.enter();
        // SAFETY: the record belongs to this table of `V`s.
        Some(f(unsafe { guard.value_mut::<V>() }))
    }

    /// For a key with no node yet: makes one, with `value` for this table in
    /// its first record, returned write-locked. If another thread gave the key
    /// a node first, returns that node and the value.
    fn attach_first<'a, V>(
        &self,
        anchor: &'a Anchor,
        value: Owned<V>,
    ) -> Result<WriteGuard<'a>, (&'a Node, Owned<V>)> {
        if let Some(node) = anchor.node() {
            return Err((node, value));
        }
        let fresh = Box::into_raw(Box::new(Node::written(self, value.into_word())));
        match anchor.publish(fresh) {
            Ok(node) => {
                // Before the lock is released: a `clear` finds the record
                // only once it is complete. The first field of a `repr(C)`
                // node: the node's own pointer, which a `clear` may free.
                self.register(ptr::from_ref(node).cast::<Record>());
                // SAFETY: the record was made write-locked, for us.
                Ok(unsafe { WriteGuard::adopt(&node.first) })
            }
            Err(node) => {
                // SAFETY: `fresh` lost the race and was never shared.
                let fresh = unsafe { Box::from_raw(fresh) };
                // SAFETY: as made above: write-locked, for us, with our value.
                let mut guard = unsafe { WriteGuard::adopt(&fresh.first) };
                // SAFETY: the record holds our `V`.
                let value = unsafe { Owned::from_word(guard.take()) };
                guard.keep_locked();
                Err((node, value))
            }
        }
    }

    /// For a key with no node yet: makes one, with `value` for this table in
    /// its first record. The record is registered before the node is
    /// published, under the registry's lock, which is held until then: a
    /// `clear`, or a `remove` on another thread (which takes the record out
    /// of the registry under that lock), finds it complete, so it needs no
    /// lock of its own meanwhile. If another thread gave the key a node
    /// first, returns that node and the value.
    fn attach_first_unlocked<'a, V>(
        &self,
        anchor: &'a Anchor,
        value: Owned<V>,
    ) -> Result<(), (&'a Node, Owned<V>)> {
        if let Some(node) = anchor.node() {
            return Err((node, value));
        }
        let fresh = Box::into_raw(Box::new(Node::filled(self, value.into_word())));
        let mut registry = self.registry();
        // The first field of a `repr(C)` node: the node's own pointer, which a
        // `clear` may free.
        let record = fresh.cast_const().cast::<Record>();
        if !cfg!(weakattach_mutant = "attach_registers_late") {
            registry.add(record);
        }
        let published = anchor.publish(fresh);
        if cfg!(weakattach_mutant = "attach_registers_late") && published.is_ok() {
            drop(registry);
            registry = self.registry();
            // SAFETY: published, and alive while its key is.
            check_belongs(unsafe { &*record });
            registry.add(record);
        }
        match published {
            Ok(_) => Ok(()),
            Err(node) => {
                // SAFETY: added above, under the lock still held, so still
                // there.
                unsafe { registry.remove(&*record) };
                drop(registry);
                // SAFETY: `fresh` lost the race and was never shared.
                let mut fresh = unsafe { Box::from_raw(fresh) };
                // SAFETY: the record holds our `V`, and is ours alone.
                let value = unsafe { Owned::from_word(fresh.first.take_unshared()) };
                Err((node, value))
            }
        }
    }

    /// Makes `record`, vacant, this table's with `value`: stored first, then
    /// registered and made the table's under the registry's lock, so that a
    /// `clear`, or a `remove` on another thread (which needs that lock to take
    /// the record out), finds the record complete, and a lookup that sees
    /// the table sees the value.
    ///
    /// # Safety
    /// As for `Record::fill_vacant`; `record` has the provenance
    /// `Registry::add` asks for.
    pub(crate) unsafe fn adopt(&self, record: *const Record, value: Word) {
        // SAFETY: the caller's promise.
        let record_ref = unsafe { &*record };
        // SAFETY: as above.
        unsafe { record_ref.fill_vacant(value) };
        let mut registry = self.registry();
        registry.add(record);
        // SAFETY: as above; under the lock, and registered.
        unsafe { record_ref.belong_to(self) };
    }

    /// Stores `value` in a record that `claim` gave this table, and registers
    /// the record; the guard still holds it.
    fn fill(&self, guard: &mut WriteGuard<'_>, record: *const Record, value: Word) {
        guard.put(value);
        self.register(record);
    }

    /// # Safety
    /// This is a table of `V`s.
    #[track_caller]
    pub(crate) unsafe fn insert<V>(&self, anchor: &Anchor, value: V) -> Option<V> {
        let (node, mut value) = match self.attach_first_unlocked(anchor, Owned::new(value)) {
            Ok(()) => return None,
            Err(taken) => taken,
        };
        loop {
            if let Some(mut guard) = self.write(node) {
                // SAFETY: the record belongs to this table of `V`s.
                let old = unsafe { Owned::<V>::from_word(guard.take()) };
                guard.put(value.into_word());
                drop(guard);
                return Some(old.into_inner());
            }
            match node.attach(self, value.into_word()) {
                Ok(()) => return None,
                // SAFETY: the word we made above.
                Err(word) => value = unsafe { Owned::from_word(word) },
            }
        }
    }

    /// Runs `f` on the value of `anchor`'s key, storing the result of `make`
    /// first if there is none. `make` runs with no lock held; if another
    /// call stored a value meanwhile, that one is used and the new one
    /// dropped, also with no lock held.
    ///
    /// # Safety
    /// This is a table of `V`s.
    #[track_caller]
    pub(crate) unsafe fn with_or_insert<V, R>(
        &self,
        anchor: &Anchor,
        make: impl FnOnce() -> V,
        f: impl FnOnce(&V) -> R,
    ) -> R {
        if let Some(node) = anchor.node() {
            if let Some(guard) = self.read(node) {
                // SAFETY: the caller's promise.
                return unsafe { self.run(guard, f) };
            }
        }
        let (node, value) = match self.attach_first(anchor, Owned::new(make())) {
            // SAFETY: the caller's promise.
            Ok(guard) => return unsafe { self.run(guard.downgrade(self.readers()), f) },
            Err(taken) => taken,
        };
        loop {
            if let Some(guard) = self.read(node) {
                // SAFETY: the caller's promise.
                let result = unsafe { self.run(guard, f) };
                drop(value); // unused, and dropped with no lock held
                return result;
            }
            if let Claim::Vacant(mut guard, record) = node.claim(self) {
                self.fill(&mut guard, record, value.into_word());
                // SAFETY: the caller's promise.
                return unsafe { self.run(guard.downgrade(self.readers()), f) };
            }
        }
    }

    /// # Safety
    /// This is a table of `V`s.
    #[track_caller]
    pub(crate) unsafe fn remove<V>(&self, node: &Node) -> Option<V> {
        let mut guard = self.write(node)?;
        // If a `clear` took the record out of the registry already, it finds
        // the record vacated when it gets there, and leaves it.
        self.unregister(guard.record());
        // SAFETY: the record belongs to this table of `V`s.
        let value = unsafe { Owned::<V>::from_word(guard.take()) };
        node::vacate(node, &mut guard, self);
        drop(guard);
        Some(value.into_inner())
    }

    /// Drops every value of the table before it returns. If a value's drop
    /// panics, the others are still dropped, then the panic goes on (a
    /// second panic aborts, as in `Vec`).
    #[track_caller]
    pub(crate) fn clear(&self) {
        self.take_all(false);
    }

    /// Drops every value of a table that is being dropped, as `clear` does,
    /// but taking each value out of its record, and making the record
    /// vacant, under the registry's lock, without the record's own lock:
    /// with no lookup or writer of the table left, only a dying key's
    /// release reaches one of its records through it, and that release
    /// looks at a record only under this lock, or once it is vacant. The
    /// index of a key's spares is left as it is: an entry of the table that
    /// names a vacant record is stale, and the key's next attach puts it to
    /// use (see `node.rs`).
    ///
    /// # Safety
    /// Nothing reaches the table any more, nor will: no call through it runs
    /// on any thread (only keys' releases may still look at it).
    pub(crate) unsafe fn clear_dropped(&self) {
        self.take_all(true);
    }

    #[track_caller]
    fn take_all(&self, dropping: bool) {
        struct Rest<'a>(Taking<'a>);
        impl Drop for Rest<'_> {
            fn drop(&mut self) {
                while let Some(word) = self.0.next() {
                    // SAFETY: the word holds a value of this table's type.
                    unsafe { (self.0.table.drop_word)(word) };
                }
            }
        }
        reentrancy::check_table(self);
        let mut rest = Rest(Taking {
            table: self,
            dropping,
            batch: [Taken::NONE; BATCH],
            next: 0,
            len: 0,
        });
        while let Some(word) = rest.0.next() {
            // SAFETY: as above.
            unsafe { (self.drop_word)(word) };
        }
        drop(rest);
    }

    /// The value of a record this `clear` took out of the registry but could
    /// not hold at once (its node is pinned), unless a `remove` or the key's
    /// release took it first (the record is vacant, or belongs to the table
    /// again as a new, registered entry). Lets go of the record; whether the
    /// key's release handed the node over meanwhile comes with the value.
    fn take_claimed(&self, node: &Node, record: &Record) -> (Option<Word>, bool) {
        // `check_table` made sure that no user code of this table runs on
        // this thread, so this waits only for other threads.
        let pending = self.lock(record);
        let ours = cfg!(weakattach_mutant = "clear_skips_recheck")
            || (record.belongs_to(self) && self.is_claimed(record));
        if !ours {
            return (None, pending.unlock());
        }
        if !pending.is_active() {
            self.quiesce();
        }
        let mut guard = pending.activate();
        // SAFETY: the record belongs to this table, so it holds a value.
        let word = unsafe { guard.take() };
        node::vacate(node, &mut guard, self);
        (Some(word), guard.unlock())
    }

    /// Whether `record`, which this `clear` holds and has seen belong to the
    /// table, is still out of the registry (`CLAIMED`), or was put back as a
    /// new entry meanwhile. Read under the registry's lock: a record put back
    /// may have been taken out again by another `clear` of this table, which
    /// pins the node under that lock after it marks the record. Seen under
    /// the lock, the mark comes with that pin, so the node outlives the other
    /// `clear`'s look at the record even if this one takes the value and
    /// unpins (unread, the mark could come before the pin, and the key's
    /// release could free the node in between).
    fn is_claimed(&self, record: &Record) -> bool {
        let _registry = self.registry();
        // SAFETY: under the registry's lock.
        unsafe { record.slot() == CLAIMED }
    }

    /// Sets `WRITER` on a record just taken out of the registry, if no writer
    /// holds it, and `ACTIVE` with it if the table was never read (as
    /// `lock`, without waiting); whether `ACTIVE` was set too.
    fn try_hold(&self, record: &Record, unread: bool) -> Option<bool> {
        if unread {
            let pending = record.try_write_active()?;
            // `SeqCst`, after the bits: see `quiesce`.
            if self.readers.load(SeqCst).is_null()
                || cfg!(weakattach_mutant = "unread_table_unchecked")
            {
                pending.keep_locked();
                return Some(true);
            }
            pending.release();
        }
        record.try_write().map(|pending| {
            pending.keep_locked();
            false
        })
    }
}

/// Records a `clear` takes out of the registry under one lock.
const BATCH: usize = 16;

/// A `clear` under way: the records it took out of the registry and has
/// not dealt with yet, each with its node.
///
/// A record that no writer holds as the `clear` takes it out is held by the
/// `clear` from then on (write-locked under the registry's lock, and
/// `ACTIVE` before any is dealt with): nothing else can touch it, so its
/// node needs no pin, and a key that dies meanwhile hands its node over
/// (`Record::hand_off`). A record that a writer holds is left to that
/// writer for now: the `clear` pins its node, and locks it when it gets
/// there (`take_claimed`).
struct Taking<'a> {
    table: &'a Core,
    /// The table is being dropped (`Core::clear_dropped`).
    dropping: bool,
    batch: [Taken; BATCH],
    next: usize,
    len: usize,
}

/// A record a `clear` took out of the registry, with its node.
#[derive(Clone, Copy)]
struct Taken {
    record: *const Record,
    node: *const Node,
    /// Write-locked by the `clear` (else its node is pinned).
    held: bool,
    /// Held and `ACTIVE`.
    active: bool,
    /// Taken out already, by a table's drop, which has made the record
    /// vacant: the value, and nothing else to do (the node may be gone).
    word: Option<Word>,
}

impl Taken {
    const NONE: Taken = Taken {
        record: ptr::null(),
        node: ptr::null(),
        held: false,
        active: false,
        word: None,
    };
}

impl Taking<'_> {
    /// Takes one value out of the table, vacating its record; `None` once the
    /// registry is empty.
    fn next(&mut self) -> Option<Word> {
        loop {
            if self.next == self.len {
                self.refill();
                if self.len == 0 {
                    return None;
                }
            }
            let Taken {
                record,
                node,
                held,
                word,
                ..
            } = self.batch[self.next];
            self.next += 1;
            if word.is_some() {
                return word;
            }
            // SAFETY: held or pinned, so alive until we let go or unpin.
            let (node_ref, record_ref) = unsafe { (&*node, &*record) };
            let (word, handed) = if held {
                // SAFETY: held since it left the registry, so it still belongs
                // to the table and holds a value.
                let mut guard = unsafe { WriteGuard::adopt(record_ref) };
                // SAFETY: as above.
                let word = unsafe { guard.take() };
                node::vacate(node_ref, &mut guard, self.table);
                node_ref.life.used();
                (Some(word), guard.unlock())
            } else {
                self.table.take_claimed(node_ref, record_ref)
            };
            // Past the unlock, only a pin keeps the node alive: the
            // release's, handed over, and our own for a record not held.
            let pins = usize::from(handed) + usize::from(!held);
            if !held {
                node_ref.life.used();
            }
            for _ in 0..pins {
                // SAFETY: pinned, so alive until this unpin.
                if unsafe { (*node).first.unpin() } {
                    // SAFETY: the key is gone and this was the last pin;
                    // `node` has the provenance of the whole node.
                    unsafe { Node::free(node.cast_mut()) };
                }
            }
            if word.is_some() {
                return word;
            }
        }
    }

    /// Takes up to `BATCH` records out of the registry, holding each that no
    /// writer holds and pinning the nodes of the others; then waits for the
    /// lookups that may not have seen the records held, and makes them
    /// `ACTIVE`.
    fn refill(&mut self) {
        let unread = self.table.readers.load(Acquire).is_null();
        let mut registry = self.table.registry();
        self.next = 0;
        self.len = 0;
        let mut waiting = false;
        while self.len < BATCH {
            let Some(record) = registry.pop() else {
                break;
            };
            // SAFETY: a record in a registry is alive, with the provenance
            // `Registry::add` asks for; taken out, its node stays alive while
            // we hold the record or have the node pinned, which we do before
            // its key's release can see that the record was taken (under the
            // same lock).
            let node = unsafe { node::node_of(record) };
            // SAFETY: as above.
            let record_ref = unsafe { &*record };
            check_belongs(record_ref);
            if self.dropping {
                self.batch[self.len] = Taken {
                    // SAFETY: a table being dropped, its registry's lock
                    // held, the record just taken out.
                    word: Some(unsafe { take_dropped(&*node, record_ref) }),
                    ..Taken::NONE
                };
                self.len += 1;
                continue;
            }
            let held = self.table.try_hold(record_ref, unread);
            if held.is_none() {
                // SAFETY: as above.
                unsafe { (*node).first.pin() };
            }
            waiting |= held == Some(false);
            self.batch[self.len] = Taken {
                record,
                node,
                held: held.is_some(),
                active: held == Some(true),
                word: None,
            };
            self.len += 1;
        }
        drop(registry);
        if self.dropping {
            return;
        }
        let taken = &mut self.batch[..self.len];
        if taken.iter().any(|taken| !taken.held) {
            // The records held first: dealing with one that a writer holds
            // waits for that writer, whose code may be reading (and so
            // waiting for) an entry this `clear` holds.
            taken.sort_unstable_by_key(|taken| !taken.held);
        }
        if waiting {
            // Every record held is `WRITER` by now: one wait covers them all,
            // and each is `ACTIVE` before any is dealt with, so that no
            // lookup that comes after the wait reads one.
            self.table.quiesce();
            for taken in &mut self.batch[..self.len] {
                if taken.held && !taken.active {
                    // SAFETY: held, so alive.
                    unsafe { (*taken.record).activate_held() };
                    taken.active = true;
                }
            }
        }
    }
}

/// For a table's drop, under its registry's lock: takes the value out of
/// `record`, one of `node`'s just taken out of the registry, and makes the
/// record vacant. Making it vacant is the last touch: from then on the key's
/// next attach may fill the record again, or the key's release free the node.
///
/// # Safety
/// As for [`Record::take_dropped`].
unsafe fn take_dropped(node: &Node, record: &Record) -> Word {
    node.life.used();
    if cfg!(weakattach_mutant = "dropped_vacated_first") {
        record.vacate_dropped();
    }
    // SAFETY: the caller's promise.
    let word = unsafe { record.take_dropped() };
    record.vacate_dropped();
    word
}

/// What the loom models check of a registry: it holds records of its table
/// only (one that left its table would outlive its key there). Nothing
/// outside loom.
#[inline]
fn check_belongs(record: &Record) {
    #[cfg(all(loom, feature = "loom"))]
    assert!(!record.table().is_null(), "a vacant record in a registry");
    let _ = record;
}
