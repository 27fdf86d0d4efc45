//! One table operation at a time, in a loop, for an instruction-counting
//! profiler: `python3 scripts/profile.py` runs each one under valgrind's
//! callgrind and reports instructions per operation, by source file.
//!
//! ```text
//! ops <operation> [rounds]
//! ```
//!
//! Each operation runs in a function of its own, `op_<operation>`, so that
//! callgrind can count inside it alone (`--toggle-collect=*op_<operation>*`).

use std::hint::black_box;

use weakattach::{Anchor, WeakMap, WeakSet};

mod common;

use common::{KEYS, Key, make_keys, shuffled};

fn filled(keys: &[Key]) -> WeakMap<Key, u64> {
    let map = WeakMap::new();
    for key in keys {
        map.insert(key, key.id);
    }
    map
}

#[inline(never)]
fn op_get_hit(map: &WeakMap<Key, u64>, keys: &[Key], order: &[usize]) -> u64 {
    order.iter().map(|&i| map.get(&keys[i]).unwrap()).sum()
}

#[inline(never)]
fn op_get_miss(map: &WeakMap<Key, u64>, keys: &[Key], order: &[usize]) -> usize {
    order
        .iter()
        .filter(|&&i| map.get(&keys[i]).is_some())
        .count()
}

#[inline(never)]
fn op_insert_new(map: &WeakMap<Key, u64>, keys: &[Key], order: &[usize]) {
    for &i in order {
        map.insert(&keys[i], 1);
    }
}

#[inline(never)]
fn op_first_attach(map: &WeakMap<Key, u64>, fresh: &[Key]) {
    for key in fresh {
        map.insert(key, key.id);
    }
}

#[inline(never)]
fn op_lifecycle(map: &WeakMap<Key, Box<u64>>, rounds: usize) {
    for id in 0..rounds as u64 {
        let key = Key {
            id,
            anchor: Anchor::new(),
        };
        map.insert(&key, Box::new(key.id));
        drop(black_box(key));
    }
}

#[inline(never)]
fn op_set_contains(set: &WeakSet<Key>, keys: &[Key], order: &[usize]) -> usize {
    order.iter().filter(|&&i| set.contains(&keys[i])).count()
}

#[inline(never)]
fn op_short_lived_set(members: &[&Key], rounds: usize) -> usize {
    let mut found = 0;
    for _ in 0..rounds {
        let set: WeakSet<Key> = WeakSet::new();
        for key in members {
            set.insert(key);
        }
        for key in members.iter().chain(members) {
            found += usize::from(set.contains(key));
        }
    }
    found
}

fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_else(|| "get_hit".into());
    if op == "--bench" {
        return; // `cargo bench` runs every bench target: nothing to do here
    }
    let rounds: usize = args
        .next()
        .map_or(KEYS, |n| n.parse().expect("a number of rounds"));
    let keys = make_keys();
    let order: Vec<usize> = shuffled(KEYS).into_iter().cycle().take(rounds).collect();
    match op.as_str() {
        "get_hit" => {
            let map = filled(&keys);
            black_box(op_get_hit(&map, &keys, &order));
        }
        "get_miss" => {
            let map = WeakMap::new();
            let other = filled(&keys);
            let spare = Key {
                id: 0,
                anchor: Anchor::new(),
            };
            map.insert(&spare, 0); // so that the table exists
            black_box(op_get_miss(&map, &keys, &order));
            drop(other);
        }
        "insert_new" => {
            let map = filled(&keys); // every key attached: no first-attach cost
            map.clear();
            op_insert_new(&map, &keys, &order);
        }
        "first_attach" => {
            let map = filled(&keys);
            // Made, and dropped, outside the count.
            let fresh: Vec<Key> = (0..rounds as u64)
                .map(|id| Key {
                    id,
                    anchor: Anchor::new(),
                })
                .collect();
            op_first_attach(&map, &fresh);
        }
        "lifecycle" => op_lifecycle(&WeakMap::new(), rounds),
        "set_contains" => {
            let set: WeakSet<Key> = keys.iter().collect();
            black_box(op_set_contains(&set, &keys, &order));
        }
        "short_lived_set" => {
            let elsewhere = filled(&keys);
            let members: Vec<&Key> = order.iter().take(16).map(|&i| &keys[i]).collect();
            black_box(op_short_lived_set(&members, rounds));
            drop(elsewhere);
        }
        other => panic!(
            "unknown operation `{other}`: get_hit, get_miss, insert_new, first_attach, lifecycle, \
             set_contains, short_lived_set"
        ),
    }
}
