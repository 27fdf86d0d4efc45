//! Memory, counted by a global allocator, in weakattach and in its peers:
//! - `memory/<name>`: bytes per entry, 100,000 keys with a `u64` each (what
//!   the entries allocate, in the table and, for weakattach, in the keys'
//!   nodes; not the keys themselves);
//! - `kept/<name>`: bytes a live table still holds after its 200,000 keys
//!   died (for the peers: after each key's entry was removed, which weak-table
//!   does not do by itself);
//! - `one/<name>`: bytes of a table that holds one entry;
//! - `scale/...`: at 1,000,000 keys, bytes per entry, what a key's second
//!   table adds, and the time to drop the keys with their entries, beside a
//!   `HashMap` side table keyed by address (each key's entry removed as it
//!   dies, or the whole map dropped at once); medians of three rounds, in
//!   milliseconds.
//!
//! Run with `cargo bench --bench memory`; it prints one line per figure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

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
    drop(keys);
    drop(dogs);
    after_mass_death();
    one_entry();
    at_scale();
}

const MANY: usize = 1_000_000;

fn many_keys() -> Vec<Key> {
    (0..MANY)
        .map(|_| Key {
            anchor: Anchor::new(),
        })
        .collect()
}

/// The median of three rounds of `round`, each of which returns the
/// milliseconds of what it timed.
fn median_ms(mut round: impl FnMut() -> f64) -> f64 {
    let mut times = [round(), round(), round()];
    times.sort_by(f64::total_cmp);
    times[1]
}

fn elapsed_ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// Bytes and drop times at 1,000,000 keys.
fn at_scale() {
    let keys = many_keys();
    let map: WeakMap<Key, u64> = WeakMap::new();
    let before = LIVE.load(Relaxed);
    for (i, key) in keys.iter().enumerate() {
        map.insert(key, i as u64);
    }
    #[allow(clippy::cast_precision_loss)]
    let per_entry = LIVE.load(Relaxed).wrapping_sub(before) as f64 / MANY as f64;
    // Tables that already hold other keys, with room in their registries
    // (8 of 16), so that what is counted is the key's record, not a table's
    // allocation.
    let (second, third): (WeakMap<Key, u64>, WeakMap<Key, u64>) = (WeakMap::new(), WeakMap::new());
    for key in &keys[2..10] {
        second.insert(key, 0);
        third.insert(key, 0);
    }
    let before = LIVE.load(Relaxed);
    second.insert(&keys[0], 0);
    let second_table = LIVE.load(Relaxed).wrapping_sub(before);
    let before = LIVE.load(Relaxed);
    third.insert(&keys[0], 0);
    let third_table = LIVE.load(Relaxed).wrapping_sub(before);
    drop(keys);
    black_box((&map, &second, &third));
    println!("scale/bytes_per_entry {per_entry:.1}");
    println!("scale/second_table_of_a_key {second_table}");
    println!("scale/third_table_of_a_key {third_table}");

    let attached = || {
        let keys = many_keys();
        let map: WeakMap<Key, u64> = WeakMap::new();
        for (i, key) in keys.iter().enumerate() {
            map.insert(key, i as u64);
        }
        (keys, map)
    };
    let side_table = || {
        let keys = many_keys();
        let side: HashMap<usize, u64, FxBuildHasher> = keys
            .iter()
            .enumerate()
            .map(|(i, key)| (std::ptr::from_ref(key) as usize, i as u64))
            .collect();
        (keys, side)
    };
    let drop_keys = median_ms(|| {
        let (keys, map) = attached();
        let start = Instant::now();
        drop(keys);
        let ms = elapsed_ms(start);
        black_box(&map);
        ms
    });
    let clear_then_drop = median_ms(|| {
        let (keys, map) = attached();
        let start = Instant::now();
        map.clear();
        drop(keys);
        elapsed_ms(start)
    });
    let hashmap_remove = median_ms(|| {
        let (keys, mut side) = side_table();
        let start = Instant::now();
        for key in &keys {
            side.remove(&(std::ptr::from_ref(key) as usize));
        }
        drop(keys);
        let ms = elapsed_ms(start);
        black_box(&side);
        ms
    });
    let hashmap_whole = median_ms(|| {
        let (keys, side) = side_table();
        let start = Instant::now();
        drop(side);
        drop(keys);
        elapsed_ms(start)
    });
    println!("scale/drop_keys_ms {drop_keys:.1}");
    println!("scale/clear_then_drop_keys_ms {clear_then_drop:.1}");
    println!("scale/hashmap_remove_each_ms {hashmap_remove:.1}");
    println!("scale/hashmap_drop_whole_ms {hashmap_whole:.1}");
}

const DEAD: usize = 200_000;

/// The bytes `table` still holds after `fill` put `DEAD` entries in it and
/// `empty` took them out again (or their keys died).
fn kept<T>(table: T, fill: impl FnOnce(&mut T), empty: impl FnOnce(&mut T)) -> usize {
    let mut table = table;
    let before = LIVE.load(Relaxed);
    fill(&mut table);
    empty(&mut table);
    let kept = LIVE.load(Relaxed).wrapping_sub(before);
    black_box(&table);
    kept
}

fn after_mass_death() {
    let map = kept(
        WeakMap::<Key, u64>::new(),
        |_| {},
        |map| {
            let keys: Vec<Key> = (0..DEAD)
                .map(|_| Key {
                    anchor: Anchor::new(),
                })
                .collect();
            for key in &keys {
                map.insert(key, 1);
            }
            drop(keys);
        },
    );
    let set = kept(
        weakattach::WeakSet::<Key>::new(),
        |_| {},
        |set| {
            let keys: Vec<Key> = (0..DEAD)
                .map(|_| Key {
                    anchor: Anchor::new(),
                })
                .collect();
            for key in &keys {
                set.insert(key);
            }
            drop(keys);
        },
    );
    let hashmap = kept(
        HashMap::<u64, u64, FxBuildHasher>::default(),
        |map| map.extend((0..DEAD as u64).map(|i| (i, i))),
        |map| (0..DEAD as u64).for_each(|i| _ = map.remove(&i)),
    );
    let weak_table = kept(
        PtrWeakKeyHashMap::<Weak<Dog>, u64>::new(),
        |_| {},
        |map| {
            let dogs: Vec<Rc<Dog>> = (0..DEAD).map(|_| Rc::new(Dog)).collect();
            for dog in &dogs {
                map.insert(dog.clone(), 1);
            }
            drop(dogs);
            map.remove_expired();
        },
    );
    let dashmap = kept(
        DashMap::<usize, u64>::new(),
        |map| (0..DEAD).for_each(|i| _ = map.insert(i, 1)),
        |map| (0..DEAD).for_each(|i| _ = map.remove(&i)),
    );
    println!("kept/weakattach {map}");
    println!("kept/weakattach_set {set}");
    println!("kept/hashmap {hashmap}");
    println!("kept/weak_table {weak_table}");
    println!("kept/dashmap {dashmap}");
}

/// The bytes that a table holding one entry costs, the entry included.
fn one_entry() {
    let key = Key {
        anchor: Anchor::new(),
    };
    let dog = Rc::new(Dog);
    let before = LIVE.load(Relaxed);
    let map = WeakMap::<Key, u64>::new();
    map.insert(&key, 1);
    let weakattach = LIVE.load(Relaxed).wrapping_sub(before);
    // Its first read makes the table's reader slots.
    let _ = map.get(&key);
    let weakattach_read = LIVE.load(Relaxed).wrapping_sub(before);
    let before = LIVE.load(Relaxed);
    let mut hashmap = HashMap::<u64, u64, FxBuildHasher>::default();
    hashmap.insert(1, 1);
    let hashmap_bytes = LIVE.load(Relaxed).wrapping_sub(before);
    let before = LIVE.load(Relaxed);
    let mut weak_table = PtrWeakKeyHashMap::<Weak<Dog>, u64>::new();
    weak_table.insert(dog.clone(), 1);
    let weak_table_bytes = LIVE.load(Relaxed).wrapping_sub(before);
    let before = LIVE.load(Relaxed);
    let dashmap = DashMap::<usize, u64>::new();
    dashmap.insert(1, 1);
    let dashmap_bytes = LIVE.load(Relaxed).wrapping_sub(before);
    black_box((&map, &hashmap, &weak_table, &dashmap));
    println!("one/weakattach {weakattach}");
    println!("one/weakattach_read {weakattach_read}");
    println!("one/hashmap {hashmap_bytes}");
    println!("one/weak_table {weak_table_bytes}");
    println!("one/dashmap {dashmap_bytes}");
}
