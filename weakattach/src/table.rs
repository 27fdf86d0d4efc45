//! The shared body of a [`WeakMap`](crate::WeakMap): a sharded hash map from
//! keys (the addresses of the keys' nodes, see [`Node`]) to values, reached
//! by the map's handle and by the nodes of the keys it holds.
//!
//! Each shard has a [`ShardLock`]. Lookups (`get`, `with`, `contains_key`)
//! are its readers, and readers write nothing that another thread's readers
//! touch, so threads that read one table do not slow each other down.
//! `insert`, `remove`, `with_mut`, `clear` and evictions are writers.
//!
//! Rules that keep it deadlock-free:
//! - user code runs in a shard only inside `with`-style calls (closures,
//!   `Clone`): as a reader counted [`IN_USER_CODE`], or as a writer whose
//!   shard is marked `busy`;
//! - a value is never dropped while a shard is held: it is taken out first;
//! - a key's eviction never waits for user code: if user code is in the
//!   shard, the eviction is handed to the calls inside through [`ShardLock`],
//!   and done before the last of them returns.

use core::hash::{BuildHasherDefault, Hasher};
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::lock::{
    BRIEF, HandOver, IN_USER_CODE, Leave, Readers, SHARDS, ShardLock, Taken, ToReaders, Unlock,
    pause,
};
use crate::reentrancy::{Frame, check_not_reentrant};
use crate::release::{Evict, Node};
use crate::sync::{
    Arc, AtomicBool, AtomicUsize, MutPtr, Mutex,
    Ordering::{Acquire, Release},
    UnsafeCell, Weak, lock,
};

type Map<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

pub(crate) struct Table<V> {
    shards: [Shard<V>; SHARDS],
    readers: Readers,
}

#[repr(align(128))] // one shard per cache line pair: no false sharing
struct Shard<V> {
    lock: ShardLock,
    /// Read by the readers of `lock`, written by its writer.
    map: UnsafeCell<Map<V>>,
    /// Whether the writer of `lock` is running user code.
    busy: AtomicBool,
    /// Keys whose eviction was handed to the calls in the shard. While
    /// `PENDING` is clear it holds only keys whose evictions are still under
    /// way (their nodes are alive).
    pending: Mutex<Vec<u64>>,
}

// SAFETY: `map` is written only by the writer of `lock` while no reader is
// in, and read only by readers while no writer is (see `ShardLock`): the
// contract of an `RwLock`. Values move between threads (a key's drop takes
// them out), hence `V: Send`. Readers on several threads at once share `&V`,
// which needs `V: Sync`; they come only through a `WeakMap`, which is `Sync`
// only when `V: Sync`. Other threads reach a table only through the nodes of
// its keys, to evict, which reads no value.
unsafe impl<V: Send> Sync for Shard<V> {}

impl<V> Table<V> {
    pub(crate) fn new() -> Self {
        Table {
            shards: core::array::from_fn(|_| Shard {
                lock: ShardLock::new(),
                map: UnsafeCell::new(Map::default()),
                busy: AtomicBool::new(false),
                pending: Mutex::new(Vec::new()),
            }),
            readers: Readers::new(),
        }
    }

    fn addr(&self) -> *const () {
        ptr::from_ref(self).cast()
    }

    /// Takes shard `index` as its writer, once the calls in it have left, and
    /// carries out the evictions handed to them.
    fn write(&self, index: usize) -> Guard<'_, V> {
        let shard = &self.shards[index];
        let taken = shard.lock.lock(&self.readers, index);
        let mut guard = Guard {
            shard,
            evicted: Vec::new(),
        };
        if let Taken::Pending = taken {
            guard.evict_pending();
        }
        guard
    }

    /// Runs `f` on the entry of `key` as a reader of its shard counted with
    /// `weight`, or as its writer while a writer or handed-in evictions are
    /// due first.
    #[inline]
    fn read<R>(&self, key: u64, weight: usize, f: impl FnOnce(Option<&V>) -> R) -> R {
        let index = shard_of(key);
        let shard = &self.shards[index];
        let count = self.readers.mine(index);
        if !shard.lock.read(count, weight) {
            return self.read_as_writer(key, weight, f);
        }
        let _reading = Reading {
            table: self,
            index,
            count,
            weight,
        };
        let map = shard.map.get();
        // SAFETY: we are counted as a reader of the shard and saw neither
        // `LOCKED` nor `PENDING` after: no writer is in the map until we
        // leave (`map` goes before `_reading`), and no entry of a dead key is
        // left in it.
        f(unsafe { map.deref() }.get(&key))
    }

    #[cold]
    fn read_as_writer<R>(&self, key: u64, weight: usize, f: impl FnOnce(Option<&V>) -> R) -> R {
        let guard = self.write(shard_of(key));
        let mut guard = guard;
        let _busy = (weight == IN_USER_CODE).then(|| Busy::mark(&guard.shard.busy));
        f(guard.map().get(&key))
    }

    /// Called by a reader that left shard `index` and saw evictions waiting:
    /// takes them over, unless a writer holds the shard (it does them before
    /// it unlocks).
    #[cold]
    fn take_over(&self, index: usize) {
        if self.shards[index].lock.try_lock() {
            self.settle(index);
        }
    }

    /// Holding the lock of shard `index`, taken without waiting for readers,
    /// with evictions in its pending list: carries them out if no reader
    /// that runs user code is in, or else leaves them to those readers.
    /// Never waits for user code.
    fn settle(&self, index: usize) {
        let shard = &self.shards[index];
        if let ToReaders::Alone = shard.lock.hand_to_readers(&self.readers, index) {
            let mut guard = Guard {
                shard,
                evicted: Vec::new(),
            };
            guard.evict_pending();
        }
    }

    pub(crate) fn insert(&self, key: usize, value: V) -> Option<V> {
        check_not_reentrant(self.addr());
        let key = stored(key);
        self.write(shard_of(key)).map().insert(key, value)
    }

    pub(crate) fn remove(&self, key: usize) -> Option<V> {
        check_not_reentrant(self.addr());
        let key = stored(key);
        self.write(shard_of(key)).map().remove(&key)
    }

    pub(crate) fn contains(&self, key: usize) -> bool {
        check_not_reentrant(self.addr());
        self.read(stored(key), BRIEF, |value| value.is_some())
    }

    /// Runs `f` on the value of `key` as a reader of its shard.
    #[inline]
    pub(crate) fn with<R>(&self, key: usize, f: impl FnOnce(&V) -> R) -> Option<R> {
        check_not_reentrant(self.addr());
        self.read(stored(key), IN_USER_CODE, |value| {
            // The frame covers the user code only: values whose eviction this
            // reader takes over as it leaves are dropped after it, and their
            // `Drop` may use this table.
            let frame = Frame::new(self.addr());
            let _entered = frame.enter();
            value.map(f)
        })
    }

    /// Runs `f` on the value of `key` as the writer of its shard, marked busy.
    pub(crate) fn with_mut<R>(&self, key: usize, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        check_not_reentrant(self.addr());
        let key = stored(key);
        let mut guard = self.write(shard_of(key));
        let busy = &guard.shard.busy;
        let mut map = guard.map();
        let value = map.get_mut(&key)?;
        let frame = Frame::new(self.addr());
        let _entered = frame.enter();
        let _busy = Busy::mark(busy);
        Some(f(value))
    }

    /// Takes every value out, then drops them with no lock held. A panicking
    /// drop does not stop the others (a second panic aborts, as in `Vec`).
    pub(crate) fn clear(&self) {
        check_not_reentrant(self.addr());
        let taken: [Map<V>; SHARDS] =
            core::array::from_fn(|index| core::mem::take(&mut *self.write(index).map()));
        drop_all(taken.into_iter().flat_map(Map::into_values));
    }
}

impl<V: Send + 'static> Table<V> {
    /// Records this table in `node`, the node of a key that just gained an
    /// entry here, before any user code runs: from then on the key's release
    /// finds the entry, whatever happens next.
    pub(crate) fn register(this: &Arc<Self>, node: &Node) {
        node.register(Arc::as_ptr(this).cast(), || {
            let weak: Weak<dyn Evict> = Arc::downgrade(this) as Weak<dyn Evict>;
            weak
        });
    }

    /// A clone of the value of `node`'s key, storing the value in `slot`
    /// first if there is none, as the writer of the key's shard (callers look
    /// the key up as readers first). An unused value stays in `slot`, for the
    /// caller to drop once the shard is unlocked (also if `V::clone` panics).
    pub(crate) fn get_or_insert(this: &Arc<Self>, node: &Node, slot: &mut Option<V>) -> V
    where
        V: Clone,
    {
        check_not_reentrant(this.addr());
        let key = stored(node.key());
        let mut guard = this.write(shard_of(key));
        let busy = &guard.shard.busy;
        let mut map = guard.map();
        let stored = match map.entry(key) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let stored = entry.insert(slot.take().expect("`slot` holds the value to store"));
                // `node.tables` is never held while a shard is locked, so
                // taking it under the shard lock cannot deadlock.
                Self::register(this, node);
                stored
            }
        };
        let frame = Frame::new(this.addr());
        let _entered = frame.enter();
        let _busy = Busy::mark(busy);
        stored.clone()
    }
}

impl<V: Send> Evict for Table<V> {
    fn evict(&self, node: usize) {
        let key = stored(node);
        let index = shard_of(key);
        let shard = &self.shards[index];
        let mut spins = 0u32;
        loop {
            if shard.lock.try_lock() {
                if self.readers.wait_for_brief(index) {
                    let mut guard = Guard {
                        shard,
                        evicted: Vec::new(),
                    };
                    let value = guard.map().remove(&key);
                    guard.evicted.extend(value);
                } else {
                    lock(&shard.pending).push(key);
                    self.settle(index);
                }
                return;
            }
            if shard.busy.load(Acquire) || shard.lock.awaits_readers() {
                break; // user code holds the shard: do not wait for it
            }
            // A short call (no user code) holds the lock: it is soon done.
            spins = spins.wrapping_add(1);
            pause(spins);
        }
        lock(&shard.pending).push(key);
        if let HandOver::Locked = shard.lock.lock_or_hand_over() {
            // The holder let go meanwhile: see to the work here.
            self.settle(index);
        }
    }
}

/// Holds the lock of `shard` as its writer; dropping it unlocks, first
/// carrying out any eviction handed in meanwhile, and then drops the evicted
/// values, with no lock held.
struct Guard<'a, V> {
    shard: &'a Shard<V>,
    evicted: Vec<V>,
}

impl<V> Guard<'_, V> {
    /// The map, for one use at a time.
    fn map(&mut self) -> MapMut<'_, V> {
        MapMut {
            map: self.shard.map.get_mut(),
            _guard: PhantomData,
        }
    }

    /// Removes the entries of the keys handed in, into `evicted`.
    fn evict_pending(&mut self) {
        let pending = core::mem::take(&mut *lock(&self.shard.pending));
        let mut evicted: Vec<V> = {
            let mut map = self.map();
            pending
                .into_iter()
                .filter_map(|key| map.remove(&key))
                .collect()
        };
        self.evicted.append(&mut evicted);
    }
}

/// The map of a shard whose lock a [`Guard`] holds, borrowed from the guard.
struct MapMut<'a, V> {
    map: MutPtr<Map<V>>,
    _guard: PhantomData<&'a mut Map<V>>,
}

impl<V> Deref for MapMut<'_, V> {
    type Target = Map<V>;

    fn deref(&self) -> &Map<V> {
        // SAFETY: as in `deref_mut`.
        unsafe { self.map.deref() }
    }
}

impl<V> DerefMut for MapMut<'_, V> {
    fn deref_mut(&mut self) -> &mut Map<V> {
        // SAFETY: a `Guard` exists only while its holder holds the shard's
        // lock as its writer with no reader in, which is what guards the
        // map; `Guard::map` takes the guard by `&mut`, so this is the only
        // access through it, and it ends before the guard unlocks.
        unsafe { self.map.deref() }
    }
}

impl<V> Drop for Guard<'_, V> {
    fn drop(&mut self) {
        while let Unlock::Pending = self.shard.lock.unlock() {
            self.evict_pending();
        }
        // `evicted` is dropped next, with the lock released.
    }
}

/// A reader in a shard; dropping it leaves, taking over the evictions that
/// were handed to the readers if it is the last to leave.
struct Reading<'a, V> {
    table: &'a Table<V>,
    index: usize,
    count: &'a AtomicUsize,
    weight: usize,
}

impl<V> Drop for Reading<'_, V> {
    #[inline]
    fn drop(&mut self) {
        let lock = &self.table.shards[self.index].lock;
        if let Leave::Pending = lock.leave(self.count, self.weight) {
            self.table.take_over(self.index);
        }
    }
}

/// Marks a shard's writer as running user code until dropped.
struct Busy<'a>(&'a AtomicBool);

impl<'a> Busy<'a> {
    fn mark(busy: &'a AtomicBool) -> Self {
        busy.store(true, Release);
        Busy(busy)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.store(false, Release);
    }
}

/// Drops every item; if one panics, the rest are still dropped while the
/// panic unwinds, as the elements of a `Vec` are.
fn drop_all<I: Iterator>(items: I) {
    struct Rest<I: Iterator>(I);
    impl<I: Iterator> Drop for Rest<I> {
        fn drop(&mut self) {
            self.0.by_ref().for_each(drop);
        }
    }
    let mut rest = Rest(items);
    rest.0.by_ref().for_each(drop);
}

/// An odd multiplier whose products spread an address over the upper bits.
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// The map key of a node's entries: its address times an odd constant. That
/// is a bijection, so distinct nodes keep distinct keys, and its upper bits
/// depend on every bit of the address, which is aligned and close to its
/// neighbours.
#[inline]
fn stored(node: usize) -> u64 {
    (node as u64).wrapping_mul(MULTIPLIER)
}

/// The shard of a key: its top four bits, the best mixed.
#[inline]
fn shard_of(key: u64) -> usize {
    const { assert!(SHARDS <= 16 && SHARDS.is_power_of_two()) };
    #[allow(clippy::cast_possible_truncation, clippy::modulo_one)]
    // four bits; one shard under loom
    let shard = (key >> 60) as usize % SHARDS;
    shard
}

/// Hashes the keys of a shard's map, which are mixed already: the halves
/// swap, so that the map's bucket index (low bits) and tag (top seven) come
/// from well-mixed bits, and not from the shard's bits.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, _: &[u8]) {
        unreachable!("keys are hashed with `write_u64`")
    }

    #[inline]
    fn write_u64(&mut self, key: u64) {
        self.0 = key.rotate_left(32);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
