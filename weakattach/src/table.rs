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
//! - a key's release (`release.rs`) needs no one to get out of its way but
//!   a `clear`;
//! - a `clear` takes records out of the registry (marking them `CLAIMED`),
//!   then deals with each under its write lock. A record it took out is
//!   dealt with by it alone: a `remove` or a release that finds it `CLAIMED`
//!   lets go of the record and tries again once it has been vacated, so the
//!   `clear` never finds its record freed.
//!
//! Locks are taken in one order, and none is held while user code runs but
//! the lock of the record that the code was given: a record, then its
//! table's registry or its key's spares. Values are dropped with no lock held.

use crate::anchor::Anchor;
use crate::lock::SpinLock;
use crate::node::{self, Claim, Node};
use crate::record::{CLAIMED, ReadGuard, Record, WriteGuard};
use crate::reentrancy::{self, Frame};
use crate::registry::Registry;
use crate::sync::backoff;
use crate::value::{self, DropWord, Owned, Word};

pub(crate) struct Core {
    registry: SpinLock<Registry>,
    /// Drops a value of this table's type.
    drop_word: DropWord,
}

// SAFETY: the registry's pointers are to records, which are made to be
// reached from any thread; they are used only under the registry's lock.
unsafe impl Send for Registry {}

impl Core {
    /// A table of `V`s.
    pub(crate) fn new<V>() -> Core {
        Core {
            registry: SpinLock::new(Registry::new()),
            drop_word: value::drop_word::<V>,
        }
    }

    fn register(&self, record: &Record) {
        self.registry.lock().add(record);
    }

    /// Takes `record`, which belongs to the table at `this`, out of its
    /// registry, returning the function that drops its value; `None` if a
    /// `clear` took it out first.
    ///
    /// The table is passed as a pointer: once the lock is released it may be
    /// freed at any moment (by a drop that was waiting for the record to
    /// leave), so nothing here refers to it after that.
    ///
    /// # Safety
    /// `this` is alive: the caller holds the write lock of `record`, which
    /// belongs to it.
    pub(crate) unsafe fn unregister(this: *const Core, record: &Record) -> Option<DropWord> {
        // SAFETY: the caller's promise.
        let table = unsafe { &*this };
        let drop_word = table.drop_word;
        let mut registry = table.registry.lock();
        // SAFETY: the record belongs to this table: it is in the registry, or
        // a `clear` took it out.
        let removed = unsafe { registry.remove(record) };
        drop(registry);
        removed.then_some(drop_word)
    }

    pub(crate) fn contains(&self, node: &Node) -> bool {
        node.find(self).is_some()
    }

    /// The record of `node`'s key in this table, read-locked.
    #[track_caller]
    fn read<'a>(&self, node: &'a Node) -> Option<ReadGuard<'a>> {
        loop {
            let record = node.find(self)?;
            let guard = record.read();
            if record.belongs_to(self) {
                return Some(guard);
            }
            // Vacated (by a `clear`) between the look and the lock.
        }
    }

    /// The record of `node`'s key in this table, write-locked.
    #[track_caller]
    fn write<'a>(&self, node: &'a Node) -> Option<WriteGuard<'a>> {
        loop {
            let record = node.find(self)?;
            let guard = record.write();
            if record.belongs_to(self) {
                return Some(guard);
            }
        }
    }

    /// Runs `f` on the value of a record of this table, as its user code.
    ///
    /// # Safety
    /// This is a table of `V`s.
    unsafe fn run<V, R>(&self, guard: ReadGuard<'_>, f: impl FnOnce(&V) -> R) -> R {
        let frame = Frame::new(guard.record(), self);
        let _entered = frame.enter();
        // SAFETY: the record belongs to this table of `V`s.
        f(unsafe { guard.value::<V>() })
    }

    /// # Safety
    /// This is a table of `V`s.
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
        let frame = Frame::new(guard.record(), self);
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
                // only once it is complete.
                self.register(&node.first);
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

    /// Stores `value` in a record that `claim` gave this table, and registers
    /// the record; the guard still holds it.
    fn fill(&self, guard: &mut WriteGuard<'_>, value: Word) {
        guard.put(value);
        self.register(guard.record());
    }

    /// # Safety
    /// This is a table of `V`s.
    #[track_caller]
    pub(crate) unsafe fn insert<V>(&self, anchor: &Anchor, value: V) -> Option<V> {
        let (node, value) = match self.attach_first(anchor, Owned::new(value)) {
            Ok(_guard) => return None,
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
            if let Claim::Vacant(mut guard) = node.claim(self) {
                self.fill(&mut guard, value.into_word());
                return None;
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
        if let Some(guard) = anchor.node().and_then(|node| self.read(node)) {
            // SAFETY: the caller's promise.
            return unsafe { self.run(guard, f) };
        }
        let (node, value) = match self.attach_first(anchor, Owned::new(make())) {
            // SAFETY: the caller's promise.
            Ok(guard) => return unsafe { self.run(guard.downgrade(), f) },
            Err(taken) => taken,
        };
        loop {
            if let Some(guard) = self.read(node) {
                // SAFETY: the caller's promise.
                let result = unsafe { self.run(guard, f) };
                drop(value); // unused, and dropped with no lock held
                return result;
            }
            if let Claim::Vacant(mut guard) = node.claim(self) {
                self.fill(&mut guard, value.into_word());
                // SAFETY: the caller's promise.
                return unsafe { self.run(guard.downgrade(), f) };
            }
        }
    }

    /// # Safety
    /// This is a table of `V`s.
    #[track_caller]
    pub(crate) unsafe fn remove<V>(&self, node: &Node) -> Option<V> {
        let mut round = 0;
        loop {
            let mut guard = self.write(node)?;
            // SAFETY: we hold the write lock of a record of this table.
            if unsafe { Core::unregister(self, guard.record()) }.is_none() {
                // A `clear` is on its way to this record: let it have it.
                drop(guard);
                backoff(&mut round);
                continue;
            }
            // SAFETY: the record belongs to this table of `V`s.
            let value = unsafe { Owned::<V>::from_word(guard.take()) };
            node::vacate(&mut guard, self);
            drop(guard);
            return Some(value.into_inner());
        }
    }

    /// Drops every value of the table before it returns. If a value's drop
    /// panics, the others are still dropped, then the panic goes on (a
    /// second panic aborts, as in `Vec`).
    #[track_caller]
    pub(crate) fn clear(&self) {
        reentrancy::check_table(self);
        struct Rest<'a>(&'a Core);
        impl Drop for Rest<'_> {
            fn drop(&mut self) {
                while let Some(word) = self.0.take_one() {
                    // SAFETY: the word holds a value of this table's type.
                    unsafe { (self.0.drop_word)(word) };
                }
            }
        }
        let rest = Rest(self);
        while let Some(word) = self.take_one() {
            // SAFETY: as above.
            unsafe { (self.drop_word)(word) };
        }
        drop(rest);
    }

    /// Takes one value out of the table, vacating its record.
    fn take_one(&self) -> Option<Word> {
        let record = self.registry.lock().pop()?;
        // SAFETY: a record taken out of a registry stays alive until we have
        // dealt with it: its key's release waits for us.
        let record = unsafe { &*record };
        // `check_table` made sure that no user code of this table runs on
        // this thread, so this waits only for other threads.
        let mut guard = record.write();
        // Nobody vacates a `CLAIMED` record but us.
        debug_assert!(record.belongs_to(self));
        debug_assert!({
            let _registry = self.registry.lock();
            // SAFETY: under the registry's lock.
            unsafe { record.slot() == CLAIMED }
        });
        // SAFETY: the record belongs to this table, so it holds a value.
        let word = unsafe { guard.take() };
        node::vacate(&mut guard, self);
        drop(guard); // our last touch of the record
        Some(word)
    }
}
