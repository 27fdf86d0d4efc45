//! Bytes per entry: 100,000 keys with a `u64` each, in weakattach and in its
//! peers, counted by a global allocator (what the entries allocate, both in
//! the table and, for weakattach, in the keys' nodes; not the keys
//! themselves). Run with `cargo bench --bench memory`; it prints one line per
//! structure, `memory/<name> <bytes per entry>`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use dashmap::DashMap;
use rustc_hash::FxBuildHasher;
use weak_table::PtrWeakKeyHashMap;
use weakattach::{Anchor, WeakKey, WeakMap};

const KEYS: usize = 100_000;

/// Counts the bytes live on the heap.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        // SAFETY: the caller's obligations are passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(WeakKey)]
struct Key {
    anchor: Anchor,
}

struct Dog;

/// The heap bytes that `fill` leaves live, per key.
fn per_entry<T>(fill: impl FnOnce() -> T) -> f64 {
    let before = LIVE.load(Relaxed);
    let filled = fill();
    let after = LIVE.load(Relaxed);
    black_box(&filled);
    #[allow(clippy::cast_precision_loss)]
    let bytes = after.wrapping_sub(before) as f64 / KEYS as f64;
    bytes
}

fn main() {
    // Keys are made outside the measurement: only what attaching costs counts.
    let keys: Vec<Key> = (0..KEYS)
        .map(|_| Key {
            anchor: Anchor::new(),
        })
        .collect();
    let weakattach = per_entry(|| {
        let map: WeakMap<Key, u64> = WeakMap::new();
        for (i, key) in keys.iter().enumerate() {
            map.insert(key, i as u64);
        }
        map
    });

    let hashmap = per_entry(|| {
        (0..KEYS as u64)
            .map(|i| (i, i))
            .collect::<HashMap<u64, u64, FxBuildHasher>>()
    });

    let dogs: Vec<Rc<Dog>> = (0..KEYS).map(|_| Rc::new(Dog)).collect();
    let weak_table = per_entry(|| {
        let mut map: PtrWeakKeyHashMap<Weak<Dog>, u64> = PtrWeakKeyHashMap::new();
        for (i, dog) in dogs.iter().enumerate() {
            map.insert(dog.clone(), i as u64);
        }
        map
    });

    let dashmap = per_entry(|| {
        keys.iter()
            .enumerate()
            .map(|(i, key)| (std::ptr::from_ref(key) as usize, i as u64))
            .collect::<DashMap<usize, u64>>()
    });

    println!("memory/anchor {}", size_of::<Anchor>());
    println!("memory/weakattach {weakattach:.1}");
    println!("memory/hashmap {hashmap:.1}");
    println!("memory/weak_table {weak_table:.1}");
    println!("memory/dashmap {dashmap:.1}");
}
