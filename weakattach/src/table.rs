//! The shared body of a [`WeakMap`](crate::WeakMap): a sharded hash map from
//! keys (the addresses of the keys' nodes, see [`Node`]) to values, reached
//! by the map's handle and by the nodes of the keys it holds.
//!
//! Rules that keep it deadlock-free:
//! - a shard's lock is held while user code runs only inside `with`-style
//!   calls (closures, `Clone`), and the shard's `busy` word says so;
//! - a value is never dropped while a lock is held: it is taken out first;
//! - a key's eviction never waits for user code: if the shard is busy it hands
//!   the eviction to the holder through [`ShardLock`], and the holder performs
//!   it before it unlocks.

use core::cell::UnsafeCell;
use core::hash::{BuildHasherDefault, Hasher};
use core::ptr;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::lock::{HandOver, ShardLock, Unlock};
use crate::reentrancy::{Frame, check_not_reentrant};
use crate::release::{Evict, Node};
use crate::sync::{Arc, AtomicBool, Mutex, Ordering::Acquire, Weak, lock, spin_loop, yield_now};

/// A power of two. One under loom, so that its models meet the busy shard.
const SHARDS: usize = if cfg!(loom) { 1 } else { 16 };

type Map<V> = HashMap<usize, V, BuildHasherDefault<KeyHasher>>;

pub(crate) struct Table<V> {
    shards: [Shard<V>; SHARDS],
}

#[repr(align(128))] // one shard per cache line pair: no false sharing
struct Shard<V> {
    lock: ShardLock,
    /// Guarded by `lock`: only read or written by its holder.
    map: UnsafeCell<Map<V>>,
    /// Whether the holder of `lock` is running user code.
    busy: AtomicBool,
    /// Keys whose eviction was handed to the lock's holder. While the lock
    /// is free, it holds only keys whose evictions are still under way (their
    /// nodes are alive): a holder empties it before it lets go.
    pending: Mutex<Vec<usize>>,
}

// SAFETY: `map` is only accessed by the holder of `lock` (see `Guard`), so it
// is never shared between threads; values may move between threads, hence
// `V: Send`. The other fields are `Sync` on their own.
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
        }
    }

    fn shard(&self, key: usize) -> &Shard<V> {
        // Bits the shard's own hash map does not use for its buckets (low
        // bits) nor for its tags (the top seven).
        #[allow(clippy::modulo_one)] // one shard under loom
        let shard = (mix(key) >> 32) as usize % SHARDS;
        &self.shards[shard]
    }

    /// Locks the shard of `key` for a call made through the table's handle.
    fn lock(&self, key: usize) -> Guard<'_, V> {
        check_not_reentrant(self.addr());
        let shard = self.shard(key);
        shard.lock.lock();
        Guard { shard }
    }

    fn addr(&self) -> *const () {
        ptr::from_ref(self).cast()
    }

    pub(crate) fn insert(&self, key: usize, value: V) -> Option<V> {
        self.lock(key).map().insert(key, value)
    }

    pub(crate) fn remove(&self, key: usize) -> Option<V> {
        self.lock(key).map().remove(&key)
    }

    pub(crate) fn contains(&self, key: usize) -> bool {
        self.lock(key).map().contains_key(&key)
    }

    /// Runs `f` on the value of `key` with the shard locked and marked busy.
    pub(crate) fn with<R>(&self, key: usize, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let guard = self.lock(key);
        let value = guard.map().get_mut(&key)?;
        let frame = Frame::new(self.addr());
        let _busy = frame.enter(&guard.shard.busy);
        Some(f(value))
    }

    /// Takes every value out, then drops them with no lock held. A panicking
    /// drop does not stop the others (a second panic aborts, as in `Vec`).
    pub(crate) fn clear(&self) {
        check_not_reentrant(self.addr());
        let taken: [Map<V>; SHARDS] = core::array::from_fn(|i| {
            let shard = &self.shards[i];
            shard.lock.lock();
            let guard = Guard { shard };
            core::mem::take(guard.map())
        });
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
    /// first if there is none. An unused value stays in `slot`, for the caller
    /// to drop once the shard is unlocked (also if `V::clone` panics).
    pub(crate) fn get_or_insert(this: &Arc<Self>, node: &Node, slot: &mut Option<V>) -> V
    where
        V: Clone,
    {
        let key = node.key();
        let guard = this.lock(key);
        let stored = match guard.map().entry(key) {
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
        let _busy = frame.enter(&guard.shard.busy);
        stored.clone()
    }
}

impl<V: Send> Evict for Table<V> {
    fn evict(&self, key: usize) {
        let shard = self.shard(key);
        let mut spins = 0u32;
        loop {
            if shard.lock.try_lock() {
                let value = Guard { shard }.map().remove(&key);
                drop(value);
                return;
            }
            if shard.busy.load(Acquire) {
                break; // user code holds the lock: do not wait for it
            }
            // A short call (no user code) holds the lock: it is soon done.
            spins = spins.wrapping_add(1);
            if spins % 16 == 0 {
                yield_now();
            } else {
                spin_loop();
            }
        }
        lock(&shard.pending).push(key);
        match shard.lock.lock_or_hand_over() {
            HandOver::Handed => {}
            // The holder let go meanwhile: do the pending work here.
            HandOver::Locked => {
                let guard = Guard { shard };
                let mut evicted = Vec::new();
                guard.evict_pending(&mut evicted);
                drop(guard);
                drop(evicted);
            }
        }
    }
}

/// Holds the lock of `shard`; dropping it unlocks, first carrying out any
/// eviction handed in meanwhile, and drops the evicted values after the lock
/// is released.
struct Guard<'a, V> {
    shard: &'a Shard<V>,
}

impl<V> Guard<'_, V> {
    #[allow(clippy::mut_from_ref)] // the guard is the lock: one per holder
    fn map(&self) -> &mut Map<V> {
        // SAFETY: a `Guard` exists only while its holder holds `shard.lock`,
        // which is what guards `map`; the one guard of a holder is not shared
        // and each call's borrow ends before the guard is dropped.
        unsafe { &mut *self.shard.map.get() }
    }
}

impl<V> Guard<'_, V> {
    /// Removes the entries of the keys handed in, into `evicted`.
    fn evict_pending(&self, evicted: &mut Vec<V>) {
        let pending = core::mem::take(&mut *lock(&self.shard.pending));
        let map = self.map();
        evicted.extend(pending.into_iter().filter_map(|key| map.remove(&key)));
    }
}

impl<V> Drop for Guard<'_, V> {
    fn drop(&mut self) {
        let mut evicted = Vec::new();
        while let Unlock::Pending = self.shard.lock.unlock() {
            self.evict_pending(&mut evicted);
        }
        drop(evicted);
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

/// Spreads a key (an address: aligned, and close to its neighbours) over all
/// 64 bits: a folded multiply.
#[inline]
fn mix(key: usize) -> u64 {
    let product = u128::from(key as u64) * 0x9E37_79B9_7F4A_7C15;
    #[allow(clippy::cast_possible_truncation)] // folding the halves
    let folded = (product as u64) ^ ((product >> 64) as u64);
    folded
}

/// Hashes the keys of a shard's map with [`mix`].
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, _: &[u8]) {
        unreachable!("keys are hashed with `write_usize`")
    }

    #[inline]
    fn write_usize(&mut self, key: usize) {
        self.0 = mix(key);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
