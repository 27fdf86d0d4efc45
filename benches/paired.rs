//! Lookups measured in alternation: one pass of every peer, in a rotating
//! order, then the next round, so that the peers share whatever the machine
//! does meanwhile (on a shared virtual machine, memory latency drifts from
//! one second to the next, and a peer measured alone for seconds meets
//! another minute than the next). Each round gives every peer one time and
//! weakattach one ratio to each peer, taken within the round; the report is
//! the median over the rounds of each, and of each ratio.
//!
//! Workloads: a hit of `get` over every key once, in a fixed random order,
//! at 100,000 keys (mostly in the caches) and at 1,000,000 (mostly not),
//! and `WeakSet::contains` beside `HashSet::contains` at 100,000; and the
//! short-lived set of the comparison (a set made, 16 members inserted that
//! are attached elsewhere, 32 lookups, the set dropped) beside a
//! `HashSet<usize>` of addresses and weak-table's `PtrWeakHashSet`, per set;
//! and the first attach of the comparison (1,000 fresh keys inserted into a
//! table of 100,000), per insert.
//!
//! Run with `cargo bench --bench paired` (names of workloads after `--`
//! run those alone); each line is
//! `paired/<workload>/<peer> <median ns per lookup (per set)>` or
//! `paired/<workload>/weakattach_over_<peer> <median ratio>`.

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::rc::{Rc, Weak};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use rustc_hash::FxBuildHasher;
use weak_table::{PtrWeakHashSet, PtrWeakKeyHashMap};
use weakattach::{Anchor, WeakMap, WeakSet};

// The shared key type and order; this benchmark makes keys of its own sizes.
#[allow(dead_code)]
mod common;

use common::{Key, shuffled};

struct Dog {
    id: u64,
}

/// Rounds per workload.
const ROUNDS: usize = 41;

/// `n` keys, with ids `0..n`.
fn keys(n: usize) -> Vec<Key> {
    (0..n as u64)
        .map(|id| Key {
            id,
            anchor: Anchor::new(),
        })
        .collect()
}

fn address<T>(value: &T) -> usize {
    std::ptr::from_ref(value) as usize
}

/// A peer: its name, and one pass over the keys that returns a checksum.
type Pass<'a> = (&'static str, Box<dyn Fn() -> u64 + 'a>);

/// A peer whose pass times itself (to leave its set-up and clean-up out),
/// and returns the time.
type TimedPass<'a> = (&'static str, Box<dyn FnMut() -> Duration + 'a>);

/// A workload: its name, and the function that measures it under that name.
type Workload<'a> = (&'static str, &'a dyn Fn(&str));

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs `ROUNDS` rounds of `passes` (the first is weakattach), each round in
/// a rotated order, and prints the medians.
fn report(workload: &str, lookups: usize, passes: &[Pass<'_>]) {
    let mut timed: Vec<TimedPass<'_>> = passes
        .iter()
        .map(|(name, pass)| -> TimedPass<'_> {
            (
                name,
                Box::new(move || {
                    let start = Instant::now();
                    black_box(pass());
                    start.elapsed()
                }),
            )
        })
        .collect();
    report_timed(workload, lookups, &mut timed);
}

/// [`report`], for passes that time themselves.
fn report_timed(workload: &str, lookups: usize, passes: &mut [TimedPass<'_>]) {
    let mut times = vec![Vec::with_capacity(ROUNDS); passes.len()];
    for round in 0..ROUNDS {
        for offset in 0..passes.len() {
            let which = (round + offset) % passes.len();
            let elapsed = (passes[which].1)();
            #[allow(clippy::cast_precision_loss)]
            times[which].push(elapsed.as_nanos() as f64 / lookups as f64);
        }
    }
    for (i, (name, _)) in passes.iter().enumerate() {
        println!(
            "paired/{workload}/{name} {:.1}",
            median(&mut times[i].clone())
        );
    }
    for (i, (name, _)) in passes.iter().enumerate().skip(1) {
        let mut ratios: Vec<f64> = times[0].iter().zip(&times[i]).map(|(a, b)| a / b).collect();
        println!(
            "paired/{workload}/weakattach_over_{name} {:.2}",
            median(&mut ratios)
        );
    }
}

fn get_hit(workload: &str, n: usize) {
    let order = shuffled(n);
    let keys = keys(n);
    let map: WeakMap<Key, u64> = WeakMap::new();
    for key in &keys {
        map.insert(key, key.id);
    }
    let ids: Vec<u64> = (0..n as u64).collect();
    let hashmap: HashMap<u64, u64, FxBuildHasher> = ids.iter().map(|&id| (id, id)).collect();
    let locked = Mutex::new(hashmap.clone());
    let dashmap: DashMap<usize, u64> = keys.iter().map(|key| (address(key), key.id)).collect();
    let dogs: Vec<Rc<Dog>> = (0..n as u64).map(|id| Rc::new(Dog { id })).collect();
    let mut weak_table: PtrWeakKeyHashMap<Weak<Dog>, u64> = PtrWeakKeyHashMap::new();
    for dog in &dogs {
        weak_table.insert(dog.clone(), dog.id);
    }
    let passes: Vec<Pass<'_>> = vec![
        (
            "weakattach",
            Box::new(|| order.iter().map(|&i| map.get(&keys[i]).unwrap()).sum()),
        ),
        (
            "hashmap",
            Box::new(|| order.iter().map(|&i| hashmap[&ids[i]]).sum()),
        ),
        (
            "mutex_hashmap",
            Box::new(|| order.iter().map(|&i| locked.lock().unwrap()[&ids[i]]).sum()),
        ),
        (
            "dashmap",
            Box::new(|| {
                order
                    .iter()
                    .map(|&i| *dashmap.get(&address(&keys[i])).unwrap())
                    .sum()
            }),
        ),
        (
            "weak_table",
            Box::new(|| {
                order
                    .iter()
                    .map(|&i| weak_table.get(&dogs[i]).unwrap())
                    .sum()
            }),
        ),
    ];
    report(workload, n, &passes);
}

fn set_contains(workload: &str, n: usize) {
    let order = shuffled(n);
    let keys = keys(n);
    let set: WeakSet<Key> = WeakSet::new();
    for key in &keys {
        set.insert(key);
    }
    let ids: Vec<u64> = keys.iter().map(|key| key.id).collect();
    let hashset: HashSet<u64, FxBuildHasher> = ids.iter().copied().collect();
    let passes: Vec<Pass<'_>> = vec![
        (
            "weakattach",
            Box::new(|| {
                order
                    .iter()
                    .map(|&i| u64::from(set.contains(&keys[i])))
                    .sum()
            }),
        ),
        (
            "hashset",
            Box::new(|| {
                order
                    .iter()
                    .map(|&i| u64::from(hashset.contains(&ids[i])))
                    .sum()
            }),
        ),
    ];
    report(workload, n, &passes);
}

/// Sets made and dropped per pass of [`short_lived_set`].
const SETS: usize = 2_000;

fn short_lived_set(workload: &str) {
    const MEMBERS: usize = 16;
    let keys = keys(100_000);
    let elsewhere: WeakMap<Key, u64> = WeakMap::new();
    for key in &keys {
        elsewhere.insert(key, key.id);
    }
    let members: Vec<&Key> = shuffled(keys.len())
        .into_iter()
        .take(MEMBERS)
        .map(|i| &keys[i])
        .collect();
    let addresses: Vec<usize> = members.iter().map(|key| address(*key)).collect();
    let dogs: Vec<Rc<Dog>> = (0..MEMBERS as u64).map(|id| Rc::new(Dog { id })).collect();
    let passes: Vec<Pass<'_>> = vec![
        (
            "weakattach",
            Box::new(|| {
                let mut found = 0;
                for _ in 0..SETS {
                    let set: WeakSet<Key> = WeakSet::new();
                    for key in &members {
                        set.insert(key);
                    }
                    for key in members.iter().chain(&members) {
                        found += u64::from(set.contains(key));
                    }
                }
                found
            }),
        ),
        (
            "hashset",
            Box::new(|| {
                let mut found = 0;
                for _ in 0..SETS {
                    let mut set: HashSet<usize> = HashSet::new();
                    for &a in &addresses {
                        set.insert(a);
                    }
                    for a in addresses.iter().chain(&addresses) {
                        found += u64::from(set.contains(a));
                    }
                }
                found
            }),
        ),
        (
            "weak_table",
            Box::new(|| {
                let mut found = 0;
                for _ in 0..SETS {
                    let mut set: PtrWeakHashSet<Weak<Dog>> = PtrWeakHashSet::new();
                    for dog in &dogs {
                        set.insert(dog.clone());
                    }
                    for dog in dogs.iter().chain(&dogs) {
                        found += u64::from(set.contains(dog));
                    }
                }
                found
            }),
        ),
    ];
    report(workload, SETS, &passes);
}

/// Keys attached per pass of [`first_attach`].
const BATCH: usize = 1_000;

/// Attaching keys that have no value yet to a table of 100,000, beside
/// weak-table's insert of fresh `Rc`s (and dashmap's insert by address, and
/// a `HashMap`'s by id): only the inserts are timed; making the fresh keys,
/// and dropping them (or taking them out again), are not.
fn first_attach(workload: &str) {
    let resident = keys(100_000);
    let map: WeakMap<Key, u64> = WeakMap::new();
    for key in &resident {
        map.insert(key, key.id);
    }
    let mut hashmap: HashMap<u64, u64, FxBuildHasher> = (0..100_000).map(|id| (id, id)).collect();
    let dashmap: DashMap<usize, u64> = resident.iter().map(|key| (address(key), key.id)).collect();
    let dogs: Vec<Rc<Dog>> = (0..100_000).map(|id| Rc::new(Dog { id })).collect();
    let mut weak_table: PtrWeakKeyHashMap<Weak<Dog>, u64> = PtrWeakKeyHashMap::new();
    for dog in &dogs {
        weak_table.insert(dog.clone(), dog.id);
    }
    let mut passes: Vec<TimedPass<'_>> = vec![
        (
            "weakattach",
            Box::new(|| {
                let fresh = keys(BATCH);
                let start = Instant::now();
                for key in &fresh {
                    map.insert(key, key.id);
                }
                start.elapsed()
            }),
        ),
        (
            "hashmap",
            Box::new(|| {
                let fresh = 100_000..100_000 + BATCH as u64;
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
        ),
        (
            "dashmap",
            Box::new(|| {
                let fresh = keys(BATCH);
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
        ),
        (
            "weak_table",
            Box::new(|| {
                let fresh: Vec<Rc<Dog>> = (0..BATCH as u64).map(|id| Rc::new(Dog { id })).collect();
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
        ),
    ];
    report_timed(workload, BATCH, &mut passes);
}

fn main() {
    // `cargo bench --bench paired -- first_attach get_hit_1m` runs those
    // workloads alone (cargo's own `--bench` flag is passed on too).
    let workloads: [Workload<'_>; 5] = [
        ("get_hit_100k", &|name| get_hit(name, 100_000)),
        ("get_hit_1m", &|name| get_hit(name, 1_000_000)),
        ("set_contains_100k", &|name| set_contains(name, 100_000)),
        ("short_lived_set", &short_lived_set),
        ("first_attach", &first_attach),
    ];
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    if let Some(unknown) = only
        .iter()
        .find(|name| workloads.iter().all(|(known, _)| known != name))
    {
        let known: Vec<&str> = workloads.iter().map(|(known, _)| *known).collect();
        eprintln!("no workload `{unknown}`: {}", known.join(", "));
        std::process::exit(2);
    }
    for (workload, measure) in workloads {
        if only.is_empty() || only.iter().any(|name| name == workload) {
            measure(workload);
        }
    }
}
