//! The same workloads, side by side, on weakattach and its peers:
//! - `hashmap`: `std` `HashMap` with FxHash keyed by an integer: the limit;
//! - `weak_table`: weak-table's `PtrWeakKeyHashMap` with `Rc` keys: the Rust peer;
//! - `dashmap`: `DashMap` keyed by the key's address: the concurrent peer.
//!
//! Run with `cargo bench --bench compare`; `scripts/bench-table.py` turns the
//! results into the README's table.

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::rc::{Rc, Weak};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dashmap::{DashMap, DashSet};
use rustc_hash::FxBuildHasher;
use weak_table::{PtrWeakHashSet, PtrWeakKeyHashMap};
use weakattach::{Anchor, WeakMap, WeakSet};

mod common;

use common::{KEYS, Key, make_keys, shuffled};

struct Dog {
    id: u64,
}

fn address<T>(value: &T) -> usize {
    std::ptr::from_ref(value) as usize
}

/// Each iteration looks up every key once, in a random order; criterion
/// reports the time of one lookup.
fn get_hit(c: &mut Criterion) {
    let mut group = c.benchmark_group("get_hit");
    group.throughput(criterion::Throughput::Elements(KEYS as u64));
    let order = shuffled(KEYS);

    let keys = make_keys();
    let map: WeakMap<Key, u64> = WeakMap::new();
    for key in &keys {
        map.insert(key, key.id);
    }
    group.bench_function("weakattach", |b| {
        b.iter(|| {
            let mut sum = 0;
            for &i in &order {
                sum += map.get(&keys[i]).unwrap();
            }
            black_box(sum)
        });
    });

    let ids: Vec<u64> = (0..KEYS as u64).collect();
    let hashmap: HashMap<u64, u64, FxBuildHasher> = ids.iter().map(|&id| (id, id)).collect();
    group.bench_function("hashmap", |b| {
        b.iter(|| {
            let mut sum = 0;
            for &i in &order {
                sum += hashmap[&ids[i]];
            }
            black_box(sum)
        });
    });

    let locked = Mutex::new(hashmap.clone());
    group.bench_function("mutex_hashmap", |b| {
        b.iter(|| {
            let mut sum = 0;
            for &i in &order {
                sum += locked.lock().unwrap()[&ids[i]];
            }
            black_box(sum)
        });
    });

    let dogs: Vec<Rc<Dog>> = (0..KEYS as u64).map(|id| Rc::new(Dog { id })).collect();
    let mut weak_table: PtrWeakKeyHashMap<Weak<Dog>, u64> = PtrWeakKeyHashMap::new();
    for dog in &dogs {
        weak_table.insert(dog.clone(), dog.id);
    }
    group.bench_function("weak_table", |b| {
        b.iter(|| {
            let mut sum = 0;
            for &i in &order {
                sum += weak_table.get(&dogs[i]).unwrap();
            }
            black_box(sum)
        });
    });

    let dashmap: DashMap<usize, u64> = keys.iter().map(|key| (address(key), key.id)).collect();
    group.bench_function("dashmap", |b| {
        b.iter(|| {
            let mut sum = 0;
            for &i in &order {
                sum += *dashmap.get(&address(&keys[i])).unwrap();
            }
            black_box(sum)
        });
    });
    group.finish();
}

/// Lookups of keys that are attached elsewhere but not to this table.
fn get_miss(c: &mut Criterion) {
    let mut group = c.benchmark_group("get_miss");
    group.throughput(criterion::Throughput::Elements(KEYS as u64));
    let order = shuffled(KEYS);

    let keys = make_keys();
    let others = make_keys();
    let elsewhere: WeakMap<Key, u64> = WeakMap::new();
    let map: WeakMap<Key, u64> = WeakMap::new();
    for (key, other) in keys.iter().zip(&others) {
        map.insert(key, key.id);
        elsewhere.insert(other, other.id);
    }
    group.bench_function("weakattach", |b| {
        b.iter(|| {
            let mut found = 0;
            for &i in &order {
                found += usize::from(map.get(&others[i]).is_some());
            }
            black_box(found)
        });
    });

    let hashmap: HashMap<u64, u64, FxBuildHasher> = (0..KEYS as u64).map(|id| (id, id)).collect();
    let absent: Vec<u64> = (KEYS as u64..2 * KEYS as u64).collect();
    group.bench_function("hashmap", |b| {
        b.iter(|| {
            let mut found = 0;
            for &i in &order {
                found += usize::from(hashmap.contains_key(&absent[i]));
            }
            black_box(found)
        });
    });

    let dogs: Vec<Rc<Dog>> = (0..KEYS as u64).map(|id| Rc::new(Dog { id })).collect();
    let strangers: Vec<Rc<Dog>> = (0..KEYS as u64).map(|id| Rc::new(Dog { id })).collect();
    let mut weak_table: PtrWeakKeyHashMap<Weak<Dog>, u64> = PtrWeakKeyHashMap::new();
    for dog in &dogs {
        weak_table.insert(dog.clone(), dog.id);
    }
    group.bench_function("weak_table", |b| {
        b.iter(|| {
            let mut found = 0;
            for &i in &order {
                found += usize::from(weak_table.get(&strangers[i]).is_some());
            }
            black_box(found)
        });
    });

    let dashmap: DashMap<usize, u64> = keys.iter().map(|key| (address(key), key.id)).collect();
    group.bench_function("dashmap", |b| {
        b.iter(|| {
            let mut found = 0;
            for &i in &order {
                found += usize::from(dashmap.get(&address(&others[i])).is_some());
            }
            black_box(found)
        });
    });
    group.finish();
}

/// Inserting a value for a key that has none yet, into a table of 100,000.
/// Only the inserts are timed; making the keys and cleaning up are not.
#[allow(clippy::too_many_lines)] // one workload, four peers side by side
fn insert_new(c: &mut Criterion) {
    const BATCH: u64 = 1_000;
    let mut group = c.benchmark_group("insert_new");
    group.throughput(criterion::Throughput::Elements(BATCH));
    let timed = |iters: u64, mut round: Box<dyn FnMut() -> Duration + '_>| {
        (0..iters).map(|_| round()).sum::<Duration>()
    };

    let resident = make_keys();
    let map: WeakMap<Key, u64> = WeakMap::new();
    for key in &resident {
        map.insert(key, key.id);
    }
    group.bench_function("weakattach", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                Box::new(|| {
                    let fresh: Vec<Key> = (0..BATCH)
                        .map(|id| Key {
                            id,
                            anchor: Anchor::new(),
                        })
                        .collect();
                    let start = Instant::now();
                    for key in &fresh {
                        map.insert(key, key.id);
                    }
                    start.elapsed()
                }),
            )
        });
    });

    let mut hashmap: HashMap<u64, u64, FxBuildHasher> =
        (0..KEYS as u64).map(|id| (id, id)).collect();
    group.bench_function("hashmap", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                Box::new(|| {
                    let fresh = KEYS as u64..KEYS as u64 + BATCH;
                    let start = Instant::now();
                    for id in fresh.clone() {
                        hashmap.insert(id, id);
                    }
                    let elapsed = start.elapsed();
                    for id in fresh {
                        hashmap.remove(&id);
                    }
                    elapsed
                }),
            )
        });
    });

    let dogs: Vec<Rc<Dog>> = (0..KEYS as u64).map(|id| Rc::new(Dog { id })).collect();
    let mut weak_table: PtrWeakKeyHashMap<Weak<Dog>, u64> = PtrWeakKeyHashMap::new();
    for dog in &dogs {
        weak_table.insert(dog.clone(), dog.id);
    }
    group.bench_function("weak_table", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                Box::new(|| {
                    let fresh: Vec<Rc<Dog>> = (0..BATCH).map(|id| Rc::new(Dog { id })).collect();
                    let start = Instant::now();
                    for dog in &fresh {
                        weak_table.insert(dog.clone(), dog.id);
                    }
                    let elapsed = start.elapsed();
                    for dog in &fresh {
                        weak_table.remove(dog);
                    }
                    elapsed
                }),
            )
        });
    });

    let dashmap: DashMap<usize, u64> = resident.iter().map(|key| (address(key), key.id)).collect();
    group.bench_function("dashmap", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                Box::new(|| {
                    let fresh: Vec<Key> = (0..BATCH)
                        .map(|id| Key {
                            id,
                            anchor: Anchor::new(),
                        })
                        .collect();
                    let start = Instant::now();
                    for key in &fresh {
                        dashmap.insert(address(key), key.id);
                    }
                    let elapsed = start.elapsed();
                    for key in &fresh {
                        dashmap.remove(&address(key));
                    }
                    elapsed
                }),
            )
        });
    });
    group.finish();
}

/// Make a key, attach one boxed value, drop the key (and with weakattach,
/// the value with it).
fn lifecycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("lifecycle");

    let resident = make_keys();
    let map: WeakMap<Key, Box<u64>> = WeakMap::new();
    for key in &resident {
        map.insert(key, Box::new(key.id));
    }
    let mut id = 0;
    group.bench_function("weakattach", |b| {
        b.iter(|| {
            id += 1;
            let key = Key {
                id,
                anchor: Anchor::new(),
            };
            map.insert(&key, Box::new(id));
            drop(black_box(key));
        });
    });

    // The ids cycle through a window, as the peers' addresses do (a dropped
    // key's memory is reused by the next one): ever new ids would leave a
    // tombstone per round in the full table and make it rehash every few
    // thousand rounds, a cost of the benchmark (five times the operation's),
    // not of the operation.
    let mut hashmap: HashMap<u64, Box<u64>, FxBuildHasher> =
        (0..KEYS as u64).map(|id| (id, Box::new(id))).collect();
    let mut round = 0_u64;
    group.bench_function("hashmap", |b| {
        b.iter(|| {
            round += 1;
            let id = KEYS as u64 + round % 1024;
            hashmap.insert(id, Box::new(id));
            black_box(hashmap.remove(&id));
        });
    });

    let dogs: Vec<Rc<Dog>> = (0..KEYS as u64).map(|id| Rc::new(Dog { id })).collect();
    let mut weak_table: PtrWeakKeyHashMap<Weak<Dog>, Box<u64>> = PtrWeakKeyHashMap::new();
    for dog in &dogs {
        weak_table.insert(dog.clone(), Box::new(dog.id));
    }
    let mut id = 0;
    group.bench_function("weak_table", |b| {
        b.iter(|| {
            id += 1;
            let dog = Rc::new(Dog { id });
            weak_table.insert(dog.clone(), Box::new(id));
            drop(black_box(dog)); // the entry stays until the table happens to grow
        });
    });

    let dashmap: DashMap<usize, Box<u64>> = resident
        .iter()
        .map(|key| (address(key), Box::new(key.id)))
        .collect();
    let mut id = 0;
    group.bench_function("dashmap", |b| {
        b.iter(|| {
            id += 1;
            let key = Box::new(Key {
                id,
                anchor: Anchor::new(),
            });
            dashmap.insert(address(&*key), Box::new(id));
            black_box(dashmap.remove(&address(&*key)));
            drop(key);
        });
    });
    group.finish();
}

/// `get_or_insert_with` on a key that has a value: the factory never runs.
fn get_or_insert_with_hit(c: &mut Criterion) {
    let mut group = c.benchmark_group("get_or_insert_with_hit");
    group.throughput(criterion::Throughput::Elements(KEYS as u64));
    let order = shuffled(KEYS);

    let keys = make_keys();
    let map: WeakMap<Key, u64> = WeakMap::new();
    for key in &keys {
        map.insert(key, key.id);
    }
    group.bench_function("weakattach", |b| {
        b.iter(|| {
            let mut sum = 0;
            for &i in &order {
                sum += map.get_or_insert_with(&keys[i], || unreachable!());
            }
            black_box(sum)
        });
    });

    let ids: Vec<u64> = (0..KEYS as u64).collect();
    let mut hashmap: HashMap<u64, u64, FxBuildHasher> = ids.iter().map(|&id| (id, id)).collect();
    group.bench_function("hashmap", |b| {
        b.iter(|| {
            let mut sum = 0;
            for &i in &order {
                sum += *hashmap.entry(ids[i]).or_insert_with(|| unreachable!());
            }
            black_box(sum)
        });
    });

    let dashmap: DashMap<usize, u64> = keys.iter().map(|key| (address(key), key.id)).collect();
    group.bench_function("dashmap", |b| {
        b.iter(|| {
            let mut sum = 0;
            for &i in &order {
                sum += *dashmap
                    .entry(address(&keys[i]))
                    .or_insert_with(|| unreachable!());
            }
            black_box(sum)
        });
    });
    group.finish();
}

/// `WeakSet::contains` and its peers' set equivalents.
fn set_contains(c: &mut Criterion) {
    let mut group = c.benchmark_group("set_contains");
    group.throughput(criterion::Throughput::Elements(KEYS as u64));
    let order = shuffled(KEYS);

    let keys = make_keys();
    let set: WeakSet<Key> = keys.iter().collect();
    group.bench_function("weakattach", |b| {
        b.iter(|| {
            let mut found = 0;
            for &i in &order {
                found += usize::from(set.contains(&keys[i]));
            }
            black_box(found)
        });
    });

    let ids: Vec<u64> = (0..KEYS as u64).collect();
    let hashset: HashSet<u64, FxBuildHasher> = ids.iter().copied().collect();
    group.bench_function("hashmap", |b| {
        b.iter(|| {
            let mut found = 0;
            for &i in &order {
                found += usize::from(hashset.contains(&ids[i]));
            }
            black_box(found)
        });
    });

    let dogs: Vec<Rc<Dog>> = (0..KEYS as u64).map(|id| Rc::new(Dog { id })).collect();
    let mut weak_set: PtrWeakHashSet<Weak<Dog>> = PtrWeakHashSet::new();
    for dog in &dogs {
        weak_set.insert(dog.clone());
    }
    group.bench_function("weak_table", |b| {
        b.iter(|| {
            let mut found = 0;
            for &i in &order {
                found += usize::from(weak_set.contains(&dogs[i]));
            }
            black_box(found)
        });
    });

    let dashset: DashSet<usize> = keys.iter().map(address).collect();
    group.bench_function("dashmap", |b| {
        b.iter(|| {
            let mut found = 0;
            for &i in &order {
                found += usize::from(dashset.contains(&address(&keys[i])));
            }
            black_box(found)
        });
    });
    group.finish();
}

static SHARED: WeakMap<Key, u64> = WeakMap::new();

/// One thread's lookups over the keys of `order`.
type Read<'a> = &'a (dyn Fn(&[usize]) + Sync);

/// Lookups on one `static` table from one thread, then from two at once,
/// beside a read-only `HashMap` read the same way (what the machine itself
/// scales to): criterion reports the time per lookup, so two threads that
/// scale perfectly show half the time of one. `2_threads` reads all keys on
/// both threads, in two orders; `2_threads_disjoint` gives each thread half
/// of the keys.
fn two_readers(c: &mut Criterion) {
    let mut group = c.benchmark_group("readers");
    group.throughput(criterion::Throughput::Elements(KEYS as u64));
    let keys = make_keys();
    for key in &keys {
        SHARED.insert(key, key.id);
    }
    let ids: Vec<u64> = (0..KEYS as u64).collect();
    let hashmap: HashMap<u64, u64, FxBuildHasher> = ids.iter().map(|&id| (id, id)).collect();
    let shuffled_all = shuffled(KEYS);
    let both = [
        shuffled_all.clone(),
        shuffled_all.iter().rev().copied().collect::<Vec<_>>(),
    ];
    let halves = [
        shuffled_all
            .iter()
            .copied()
            .filter(|&i| i < KEYS / 2)
            .collect::<Vec<_>>(),
        shuffled_all
            .iter()
            .copied()
            .filter(|&i| i >= KEYS / 2)
            .collect::<Vec<_>>(),
    ];
    let weakattach = |order: &[usize]| {
        let mut sum = 0;
        for &i in order {
            sum += SHARED.get(&keys[i]).unwrap();
        }
        black_box(sum);
    };
    let plain = |order: &[usize]| {
        let mut sum = 0;
        for &i in order {
            sum += hashmap[&ids[i]];
        }
        black_box(sum);
    };
    let runs: [(&str, Read<'_>, &[Vec<usize>]); 5] = [
        ("weakattach_1_thread", &weakattach, &both[..1]),
        ("weakattach_2_threads", &weakattach, &both),
        ("weakattach_2_threads_disjoint", &weakattach, &halves),
        ("hashmap_1_thread", &plain, &both[..1]),
        ("hashmap_2_threads", &plain, &both),
    ];
    for (name, read, orders) in runs {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                thread::scope(|scope| {
                    for order in orders {
                        scope.spawn(move || {
                            for _ in 0..iters {
                                read(order);
                            }
                        });
                    }
                });
                // Per lookup of all threads together; the halves each read
                // half as many keys.
                let lookups: usize = orders.iter().map(Vec::len).sum();
                start.elapsed() * u32::try_from(KEYS).unwrap() / u32::try_from(lookups).unwrap()
            });
        });
    }
    group.finish();
}

/// A set made for one traversal: a new set, 16 inserts of keys that are
/// attached elsewhere, 32 lookups, and the set's drop; per whole round.
fn short_lived_set(c: &mut Criterion) {
    const MEMBERS: usize = 16;
    let mut group = c.benchmark_group("short_lived_set");

    let keys = make_keys();
    let elsewhere: WeakMap<Key, u64> = WeakMap::new();
    for key in &keys {
        elsewhere.insert(key, key.id);
    }
    let members: Vec<&Key> = shuffled(KEYS)
        .into_iter()
        .take(MEMBERS)
        .map(|i| &keys[i])
        .collect();
    group.bench_function("weakattach", |b| {
        b.iter(|| {
            let set: WeakSet<Key> = WeakSet::new();
            for key in &members {
                set.insert(key);
            }
            let mut found = 0;
            for key in members.iter().chain(&members) {
                found += usize::from(set.contains(key));
            }
            black_box(found);
        });
    });

    let addresses: Vec<usize> = members.iter().map(|key| address(*key)).collect();
    group.bench_function("hashmap", |b| {
        b.iter(|| {
            let mut set: HashSet<usize> = HashSet::new();
            for &a in &addresses {
                set.insert(a);
            }
            let mut found = 0;
            for a in addresses.iter().chain(&addresses) {
                found += usize::from(set.contains(a));
            }
            black_box(found);
        });
    });

    let dogs: Vec<Rc<Dog>> = (0..MEMBERS as u64).map(|id| Rc::new(Dog { id })).collect();
    group.bench_function("weak_table", |b| {
        b.iter(|| {
            let mut set: PtrWeakHashSet<Weak<Dog>> = PtrWeakHashSet::new();
            for dog in &dogs {
                set.insert(dog.clone());
            }
            let mut found = 0;
            for dog in dogs.iter().chain(&dogs) {
                found += usize::from(set.contains(dog));
            }
            black_box(found);
        });
    });
    group.finish();
}

/// One key attached to `n` live tables, then dropped: the time per table,
/// which stays flat as `n` grows if an attach is O(1) and the drop O(n).
fn many_tables(c: &mut Criterion) {
    let mut group = c.benchmark_group("many_tables");
    for n in [100_usize, 10_000] {
        let tables: Vec<WeakMap<Anchor, u64>> = (0..n).map(|_| WeakMap::new()).collect();
        group.bench_function(format!("weakattach_{n}"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    let key = Anchor::new();
                    for table in &tables {
                        table.insert(&key, 1);
                    }
                    drop(black_box(key));
                }
                start.elapsed() / u32::try_from(n).unwrap()
            });
        });
        let mut maps: Vec<HashMap<usize, u64, FxBuildHasher>> =
            (0..n).map(|_| HashMap::default()).collect();
        group.bench_function(format!("hashmap_{n}"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for round in 0..iters {
                    let key = usize::try_from(round).unwrap() % 1024;
                    for map in &mut maps {
                        map.insert(key, 1);
                    }
                    for map in &mut maps {
                        black_box(map.remove(&key));
                    }
                }
                start.elapsed() / u32::try_from(n).unwrap()
            });
        });
    }
    group.finish();
}

/// What the machine at hand charges for the two things every workload
/// above is made of, to check the baselines against: an allocation and a
/// free of a small box, and one uncontended atomic read-modify-write.
fn calibrate(c: &mut Criterion) {
    let mut group = c.benchmark_group("calibrate");
    group.bench_function("box_alloc_free", |b| {
        b.iter(|| drop(black_box(Box::new(black_box(1_u64)))));
    });
    let atomic = std::sync::atomic::AtomicU64::new(0);
    group.bench_function("atomic_rmw", |b| {
        b.iter(|| black_box(&atomic).fetch_add(1, std::sync::atomic::Ordering::SeqCst));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = calibrate, get_hit, get_miss, insert_new, lifecycle, get_or_insert_with_hit,
        set_contains, short_lived_set, many_tables, two_readers
}
criterion_main!(benches);
