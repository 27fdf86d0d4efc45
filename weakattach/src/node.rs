//! [`Node`]: what an attached [`Anchor`](crate::Anchor) owns. A key's entries
//! live here, with the key, not in the tables: a lookup goes from the key to
//! its record without a hash probe, and a key's drop gives back its memory
//! with its values.
//!
//! The first record is inline, so a key in one table costs one allocation
//! of 32 bytes (on 64-bit targets). A key in several tables at once keeps the
//! others in *spare* records, found through a small index by table. Spare
//! records never move and are not freed before the node: a record that a
//! table leaves becomes vacant and serves the next table the key joins.
//!
//! A table's drop makes its records vacant without the key's index, whose
//! lock it cannot wait for under its registry's (`Core::clear_dropped`): it
//! leaves the table's entry in the index, *stale*, naming a vacant record.
//! The key's next attach puts stale entries to use, under the index's lock:
//! one of the new table's own address (a table made where a dropped one was)
//! it takes over, and when it needs a record and has no vacant one it sweeps
//! the stale entries out first, once the index has grown to twice what the
//! last sweep left (amortized O(1) an attach). So a key holds at most about
//! twice as many records as it had tables at one time, however many
//! short-lived tables it passes through.
//!
//! Finding a key's spare record of a table takes no lock when the spare
//! claimed last is that table's (the record says so), or when the index has
//! no entry (a count beside it says so; stale entries count); otherwise it
//! asks the index, under the index's lock. A key that passes through
//! short-lived tables one at a time so never takes that lock to be looked up.
//!
//! Attaching a key to a table (turning a vacant record into the table's)
//! happens under the key's claim lock while it has no spares, under its
//! index's lock once it has (see `Node::attach_with`), so one key never gets
//! two records for one table. Everything else on a record happens under its
//! own lock (but a dying key's release, `release.rs`).

use core::hash::{BuildHasherDefault, Hasher};
use core::ptr;
use std::collections::HashMap;

use crate::lock::SpinLock;
use crate::record::{OVERFLOW, Record, WriteGuard};
use crate::sync::{
    AtomicPtr, AtomicUsize, Lifetime,
    Ordering::{Acquire, Release},
    set_once, unshared,
};
use crate::table::Core;
use crate::value::Word;

#[repr(C)]
pub(crate) struct Node {
    /// The first record, and the key's claim lock (see `record.rs`).
    pub(crate) first: Record,
    /// Null until the key is in two tables at once; then the spare records.
    /// Set once, freed with the node.
    spares: AtomicPtr<Spares>,
    /// For loom: a `clear`'s use of the node while it has it pinned, and the
    /// node's free.
    pub(crate) life: Lifetime,
}

// A panic never leaves a node half-changed: locks are released by guards
// as the panic unwinds, and values are dropped out of their records. So an
// `Anchor`, which points to its node, is unwind-safe, as with a `Mutex`.
impl core::panic::RefUnwindSafe for Node {}
impl core::panic::UnwindSafe for Node {}

/// A key's spare records.
struct Spares {
    /// The node they belong to, whose first record holds the pins.
    node: *const Node,
    /// The spare record claimed last (null before the first): looked at
    /// before the index, without its lock. A record says which table it
    /// belongs to, so the hint needs no upkeep: a stale one names another
    /// table (or none) and the lookup goes on to the index. Lookups of the
    /// key's newest table, the one a short-lived table per traversal keeps
    /// asking, so take no lock.
    latest: AtomicPtr<Record>,
    /// How many entries the index's `by_table` has (stale ones included),
    /// stored under the index's lock: a lookup that finds none takes no lock
    /// either.
    indexed: AtomicUsize,
    inner: SpinLock<Index>,
}

struct Index {
    /// The spare record of each table that has one, and stale entries: ones
    /// of dropped tables, whose records are vacant (see the module docs).
    by_table: ByTable,
    /// Spare records that belong to no table, and are not in `by_table`.
    vacant: Vec<*const Record>,
    /// Every spare record (made by `Box::into_raw`), for the key's release.
    all: Vec<*mut Spare>,
    /// The length of `by_table` from which an attach that finds no vacant
    /// record sweeps the stale entries out: twice what the last sweep left.
    sweep_at: usize,
}

impl Index {
    /// Moves the records of stale entries to `vacant`.
    fn sweep(&mut self) {
        let Index {
            by_table, vacant, ..
        } = self;
        by_table.retain(|record| {
            // SAFETY: spare records live as long as the node. Under the
            // index's lock, a record that it names and that is vacant was
            // made so by its table's drop: a `remove` or `clear` takes the
            // entry out first, under this lock, a dying key's release does
            // not run while its key is being attached, and nothing attaches
            // the record but an attach of the key, which holds the lock.
            let stale = unsafe { &*record }.table().is_null()
                || cfg!(weakattach_mutant = "sweep_unchecked");
            if stale {
                push(vacant, record);
            }
            !stale
        });
        self.sweep_at = (2 * self.by_table.len()).max(1);
    }
}

impl Spares {
    /// A vacant spare record (one that is, or a new one), with the
    /// provenance of the whole spare (see `node_of`).
    fn vacant(&self, index: &mut Index) -> *const Record {
        if index.vacant.is_empty() && index.by_table.len() >= index.sweep_at {
            index.sweep();
        }
        index.vacant.pop().unwrap_or_else(|| {
            let spare = Box::into_raw(Box::new(Spare {
                record: Record::vacant(OVERFLOW),
                spares: self,
            }));
            push(&mut index.all, spare);
            spare.cast_const().cast()
        })
    }

    /// Indexes `record`, which now belongs to `table`, by it (`stale`: the
    /// record of the table's stale entry, indexed so already).
    fn index_as(&self, index: &mut Index, table: &Core, record: *const Record, stale: bool) {
        if !stale {
            index.by_table.insert(address(table), record);
        }
        if !cfg!(weakattach_mutant = "indexed_unpublished") {
            self.indexed.store(index.by_table.len(), Release);
        }
        self.latest.store(record.cast_mut(), Release);
    }
}

/// A spare record, with the way back to its key's spares (which a table's
/// `clear` takes to vacate it).
#[repr(C)]
struct Spare {
    record: Record,
    spares: *const Spares,
}

/// What [`Node::claim`] found.
pub(crate) enum Claim<'a> {
    /// The key has a record for the table by now.
    Present,
    /// A record now belongs to the table, write-locked and without a value:
    /// the caller must store one and register the record, whose pointer (with
    /// the provenance of its whole node or spare) comes with it.
    Vacant(WriteGuard<'a>, *const Record),
}

impl Node {
    /// A node whose first record belongs to `table` with `value`,
    /// write-locked: not yet shared with anyone.
    pub(crate) fn written(table: &Core, value: Word) -> Self {
        Node {
            first: Record::written(table, value),
            spares: AtomicPtr::new(ptr::null_mut()),
            life: Lifetime::new(),
        }
    }

    /// A node whose first record belongs to `table` with `value`, unlocked:
    /// for a caller that registers it before sharing it.
    pub(crate) fn filled(table: &Core, value: Word) -> Self {
        Node {
            first: Record::filled(table, value),
            spares: AtomicPtr::new(ptr::null_mut()),
            life: Lifetime::new(),
        }
    }

    /// The record of `table`, if any: a hint, to be checked under the
    /// record's lock (a `clear` on another thread may vacate it meanwhile).
    #[inline]
    pub(crate) fn find(&self, table: &Core) -> Option<&Record> {
        if self.first.belongs_to(table) {
            return Some(&self.first);
        }
        self.find_spare(table)
    }

    fn find_spare(&self, table: &Core) -> Option<&Record> {
        let spares = self.made_spares()?;
        // SAFETY: null, or a spare record, which lives as long as the node.
        if let Some(latest) = unsafe { spares.latest.load(Acquire).as_ref() } {
            if latest.belongs_to(table) || cfg!(weakattach_mutant = "latest_unchecked") {
                return Some(latest);
            }
        }
        if spares.indexed.load(Acquire) == 0 {
            return None;
        }
        let record = spares.inner.lock().by_table.get(address(table))?;
        // SAFETY: spare records live as long as the node.
        let record = unsafe { &*record };
        // Not the record of a stale entry, which is vacant.
        record.belongs_to(table).then_some(record)
    }

    /// Gives `table` a record of this key, write-locked, unless it has one.
    pub(crate) fn claim(&self, table: &Core) -> Claim<'_> {
        let taken = self.attach_with(table, (), |record, ()| {
            // SAFETY: a record of this node, alive as long as the node.
            take_vacant(unsafe { &*record }, table)
        });
        match taken {
            Ok((guard, record)) => Claim::Vacant(guard, record),
            Err(()) => Claim::Present,
        }
    }

    /// Attaches the key to `table` with `value`, unless it has a record for
    /// the table already: then the value comes back. The record taken is
    /// never locked: it is vacant, so no lookup reads it, and it gets the
    /// value first, then its registration and its table at once (see
    /// `Core::adopt`), so whoever finds it afterwards finds it complete.
    pub(crate) fn attach(&self, table: &Core, value: Word) -> Result<(), Word> {
        self.attach_with(table, value, |record, value| {
            // SAFETY: a vacant record of this node, which we attach alone.
            unsafe { table.adopt(record, value) };
        })
        .map(|((), _)| ())
    }

    /// Makes a vacant record of this key `table`'s with `take` (given the
    /// record, with the provenance of its whole node or spare, and `arg`),
    /// unless the key has a record for the table: then `arg` comes back.
    ///
    /// Attaches of one key happen one at a time, so that a key never gets
    /// two records for one table: under its claim lock while it has no
    /// spares, under its index's lock once it has. The spares are made under
    /// the claim lock, whose holder then takes the index's lock too, and a
    /// claimer that finds them made lets go of the claim lock; so a key in
    /// two tables or more (a key that passes through short-lived tables)
    /// takes one lock per attach.
    fn attach_with<T, R>(
        &self,
        table: &Core,
        arg: T,
        take: impl FnOnce(*const Record, T) -> R,
    ) -> Result<(R, *const Record), T> {
        // The first field of a `repr(C)` node: the node's own pointer.
        let first = ptr::from_ref(self).cast::<Record>();
        let mut claiming = None;
        let spares = loop {
            if let Some(spares) = self.made_spares() {
                break spares;
            }
            let claim = (!cfg!(weakattach_mutant = "claim_unlocked")).then(|| self.first.claim());
            if self.made_spares().is_none() {
                // Under the claim lock, with no spares: nobody else attaches
                // the key, and only attaches make a record a table's.
                if self.first.belongs_to(table) {
                    return Err(arg);
                }
                if self.first.table().is_null() {
                    return Ok((take(first, arg), first));
                }
                claiming = claim;
                break self.spares();
            }
            // Made between the two looks: the index's lock it is.
        };
        let mut index = spares.inner.lock();
        // Under the index's lock: nobody else attaches the key. An entry of
        // the table's address is the table's own record, or a stale one (of
        // a table dropped there before), whose record is vacant.
        let entry = index.by_table.get(address(table));
        // SAFETY: spare records live as long as the node.
        let stale = match entry.filter(|&record| unsafe { &*record }.belongs_to(table)) {
            Some(_) if !cfg!(weakattach_mutant = "attach_unchecked") => return Err(arg),
            _ => entry,
        };
        if self.first.belongs_to(table) {
            return Err(arg);
        }
        if self.first.table().is_null() {
            return Ok((take(first, arg), first));
        }
        let record = stale.unwrap_or_else(|| spares.vacant(&mut index));
        // A vacant record's lock (for `claim`) is taken under the index's,
        // which a record's lock is otherwise taken before (`vacate`): the
        // holders a vacant record can have (the `clear` that vacated it, a
        // writer or a `clear` that found it stale) let go without taking an
        // index.
        let taken = take(record, arg);
        // Found by table only now that it belongs to the table.
        spares.index_as(&mut index, table, record, stale.is_some());
        drop(index);
        drop(claiming);
        Ok((taken, record))
    }

    /// The key's spares, if it has been in two tables at once.
    fn made_spares(&self) -> Option<&Spares> {
        // SAFETY: set once, freed with the node, which `&self` keeps alive.
        unsafe { self.spares.load(Acquire).as_ref() }
    }

    fn spares(&self) -> &Spares {
        let spares = set_once(&self.spares, || Spares {
            node: self,
            latest: AtomicPtr::new(ptr::null_mut()),
            indexed: AtomicUsize::new(0),
            inner: SpinLock::new(Index {
                by_table: ByTable::default(),
                vacant: Vec::new(),
                all: Vec::new(),
                sweep_at: 1,
            }),
        });
        // SAFETY: set once, freed with the node.
        unsafe { &*spares }
    }

    /// Whether the key has ever been in two tables at once.
    pub(crate) fn has_spares(&self) -> bool {
        self.made_spares().is_some()
    }

    /// The spare record at `index` of the key's release, if there is one.
    pub(crate) fn spare(&self, index: usize) -> Option<&Record> {
        // SAFETY: as in `find_spare`.
        let spares = unsafe { self.spares.load(Acquire).as_ref()? };
        let spare = *spares.inner.lock().all.get(index)?;
        // SAFETY: spare records live as long as the node.
        Some(unsafe { &(*spare).record })
    }

    /// Frees a released node and its spare records.
    ///
    /// # Safety
    /// `node` came from `Box::into_raw`, its key is gone, no record is in a
    /// registry, and nobody else is inside (no pin is left).
    pub(crate) unsafe fn free(node: *mut Node) {
        // SAFETY: the caller's promise.
        let mut node = unsafe { Box::from_raw(node) };
        node.life.ends();
        let spares = unshared(&mut node.spares);
        if !spares.is_null() {
            // SAFETY: made by `Box::into_raw` in `spares`; nobody else is
            // inside (the caller's promise).
            let spares = unsafe { Box::from_raw(spares) };
            for spare in spares.inner.lock().all.drain(..) {
                // SAFETY: made by `Box::into_raw` in `claim`, freed once.
                drop(unsafe { Box::from_raw(spare) });
            }
        }
    }
}

/// Makes a vacant record `table`'s, write-locked, for an attach of its key
/// (`Node::attach_with`).
fn take_vacant<'a>(record: &'a Record, table: &Core) -> WriteGuard<'a> {
    let mut guard = record.take_vacant();
    guard.set_table(table);
    guard
}

/// The node that `record` belongs to, whose first record holds its pins,
/// with the provenance of `record` (a whole node's, or a spare's, whose
/// `spares` lead to the node's own pointer).
///
/// # Safety
/// `record` is a live record, with the provenance `Registry::add` asks for.
pub(crate) unsafe fn node_of(record: *const Record) -> *const Node {
    // SAFETY: the caller's promise; a node outlives its spares.
    unsafe {
        if (*record).is_overflow() {
            (*(*record.cast::<Spare>()).spares).node
        } else {
            // The first field of a `repr(C)` node.
            record.cast::<Node>()
        }
    }
}

/// Makes the record of `guard`, one of `node`'s, vacant: it belongs to no
/// table from now on. The value must have been taken out.
pub(crate) fn vacate(node: &Node, guard: &mut WriteGuard<'_>, table: &Core) {
    if guard.record().is_overflow() {
        // SAFETY: a node with a spare record has its spares, set once and
        // freed with the node.
        let spares = unsafe { &*node.spares.load(Acquire) };
        let mut index = spares.inner.lock();
        // The pointer the index kept, which has the provenance of the whole
        // spare (the record's own reference does not reach its `spares`).
        let record = index
            .by_table
            .remove(address(table))
            .expect("a spare record that belongs to a table is indexed by it");
        spares.indexed.store(index.by_table.len(), Release);
        push(&mut index.vacant, record);
    }
    guard.set_table(ptr::null());
}

/// The spare record of each table that has one: a short list while the key
/// is in few tables at once (most keys), a hash map from `MANY` on, so that
/// a key in thousands of tables still finds each in O(1). The map shrinks as
/// tables leave, and gives way to the list again when few are left.
#[derive(Default)]
struct ByTable {
    few: Vec<(usize, *const Record)>,
    /// Boxed, so that the index of a key in few tables (most keys) is small:
    /// a word here instead of the map's four.
    #[allow(clippy::box_collection)]
    many: Option<Box<HashMap<usize, *const Record, BuildHasherDefault<AddressHasher>>>>,
}

/// Tables from which a key's spares are found by hash.
const MANY: usize = 8;

impl ByTable {
    fn len(&self) -> usize {
        self.many.as_ref().map_or(self.few.len(), |many| many.len())
    }

    fn get(&self, table: usize) -> Option<*const Record> {
        match &self.many {
            Some(many) => many.get(&table).copied(),
            None => self.few.iter().find(|&&(t, _)| t == table).map(|&(_, r)| r),
        }
    }

    /// For a table that has no spare record yet.
    fn insert(&mut self, table: usize, record: *const Record) {
        match &mut self.many {
            Some(many) => {
                many.insert(table, record);
            }
            None if self.few.len() < MANY => push(&mut self.few, (table, record)),
            None => {
                let mut many: HashMap<_, _, _> = self.few.drain(..).collect();
                many.insert(table, record);
                self.few = Vec::new();
                self.many = Some(Box::new(many));
            }
        }
    }

    fn remove(&mut self, table: usize) -> Option<*const Record> {
        let Some(many) = &mut self.many else {
            let at = self.few.iter().position(|&(t, _)| t == table)?;
            return Some(self.few.swap_remove(at).1);
        };
        let record = many.remove(&table);
        self.settle();
        record
    }

    /// Keeps the entries whose record `keep` says to keep.
    fn retain(&mut self, mut keep: impl FnMut(*const Record) -> bool) {
        match &mut self.many {
            Some(many) => {
                many.retain(|_, &mut record| keep(record));
                self.settle();
            }
            None => self.few.retain(|&(_, record)| keep(record)),
        }
    }

    /// For a map that lost entries: gives way to the list when few are left,
    /// or shrinks by half when a quarter full.
    fn settle(&mut self) {
        let Some(many) = &mut self.many else {
            return;
        };
        if many.len() <= MANY / 2 {
            self.few.extend(many.drain());
            self.many = None;
        } else if many.len() <= many.capacity() / 4 {
            many.shrink_to(many.capacity() / 2);
        }
    }
}

/// `vec.push(item)`, growing from one element and then doubling: a key's
/// spares are few (most keys join a second table or two), and `Vec`'s first
/// growth would make room for four.
fn push<T>(vec: &mut Vec<T>, item: T) {
    if vec.len() == vec.capacity() {
        vec.reserve_exact(vec.len().max(1));
    }
    vec.push(item);
}

fn address(table: &Core) -> usize {
    ptr::from_ref(table).addr()
}

/// Hashes table addresses: aligned, and often close to each other, so they
/// are multiplied by an odd constant, whose upper bits mix every bit.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, _: &[u8]) {
        unreachable!("table addresses are hashed with `write_usize`")
    }

    #[inline]
    fn write_usize(&mut self, address: usize) {
        self.0 = (address as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // hashbrown takes the bucket from the low bits and a tag from the
        // top seven: the rotation gives both well-mixed bits.
        self.0.rotate_left(32)
    }
}
