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

    let mut hashmap: HashMap<u64, Box<u64>, FxBuildHasher> =
        (0..KEYS as u64).map(|id| (id, Box::new(id))).collect();
    let mut id = KEYS as u64;
    group.bench_function("hashmap", |b| {
        b.iter(|| {
            id += 1;
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

/// Lookups on one `static` table from one thread, then from two at once:
/// criterion reports the time per lookup, so two threads that scale
/// perfectly show half the time of one.
fn two_readers(c: &mut Criterion) {
    let mut group = c.benchmark_group("readers");
    group.throughput(criterion::Throughput::Elements(KEYS as u64));
    let keys = make_keys();
    for key in &keys {
        SHARED.insert(key, key.id);
    }
    let orders = [
        shuffled(KEYS),
        shuffled(KEYS).into_iter().rev().collect::<Vec<_>>(),
    ];
    let read = |order: &[usize]| {
        let mut sum = 0;
        for &i in order {
            sum += SHARED.get(&keys[i]).unwrap();
        }
        black_box(sum);
    };
    for threads in [1, 2] {
        group.bench_function(
            format!(
                "weakattach_{threads}_thread{}",
                if threads == 1 { "" } else { "s" }
            ),
            |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    thread::scope(|scope| {
                        for order in &orders[..threads] {
                            scope.spawn(move || {
                                for _ in 0..iters {
                                    read(order);
                                }
                            });
                        }
                    });
                    // Per lookup of all threads together.
                    start.elapsed() / u32::try_from(threads).unwrap()
                });
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = get_hit, get_miss, insert_new, lifecycle, get_or_insert_with_hit, set_contains, two_readers
}
criterion_main!(benches);
