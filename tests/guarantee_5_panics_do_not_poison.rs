//! SPEC §4, guarantee 5: **panics do not poison.** A panic in a closure, a
//! factory or a value's `Drop` leaves every table usable; other entries are
//! untouched. A value whose `Drop` panics during a release behaves like an
//! element of a `Vec` being dropped: the rest of that release is still
//! dropped, then the panic propagates out of the key's drop.
//!
//! The panics below are deliberate; their messages in the test output are
//! expected.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread;

use common::{Counter, Dog, expect_panic, within_deadline};
use weakattach::{Anchor, WeakMap, WeakSet};

/// A value that counts its drop, then panics if it was told to.
struct Bomb {
    drops: Counter,
    explodes: bool,
    payload: u32,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        drop(self.drops.value());
        assert!(!self.explodes, "boom: a value's drop panicked");
    }
}

fn dud(drops: &Counter, payload: u32) -> Bomb {
    Bomb {
        drops: drops.clone(),
        explodes: false,
        payload,
    }
}

fn live(drops: &Counter) -> Bomb {
    Bomb {
        drops: drops.clone(),
        explodes: true,
        payload: 0,
    }
}

/// Checks that `table` works for `key` (which must hold `payload`), for a new
/// key, and from another thread.
fn assert_usable(table: &WeakMap<Dog, Bomb>, key: &Dog, payload: u32) {
    assert_eq!(table.with(key, |b| b.payload), Some(payload));
    assert_eq!(table.with_mut(key, |b| b.payload), Some(payload));
    let drops = Counter::new();
    let newcomer = Dog::new("newcomer");
    assert!(table.insert(&newcomer, dud(&drops, 1)).is_none());
    thread::scope(|s| {
        s.spawn(|| {
            assert_eq!(table.with(key, |b| b.payload), Some(payload));
            assert_eq!(table.with_mut(&newcomer, |b| b.payload), Some(1));
        });
    });
    let replaced = table.insert(&newcomer, dud(&drops, 2));
    drop(replaced);
    drop(newcomer);
    assert_eq!(drops.dropped(), 2);
}

#[test]
fn a_panic_in_a_with_or_with_mut_closure_leaves_the_table_usable() {
    within_deadline("panics in closures", || {
        let drops = Counter::new();
        let table: WeakMap<Dog, Bomb> = WeakMap::new();
        let holder = Dog::new("holder");
        let neighbour = Dog::new("neighbour");
        table.insert(&holder, dud(&drops, 1));
        table.insert(&neighbour, dud(&drops, 2));

        let message = expect_panic(|| table.with(&holder, |_| panic!("closure boom")));
        assert!(message.contains("closure boom"), "{message:?}");
        assert_usable(&table, &holder, 1);

        let message = expect_panic(|| {
            table.with_mut(&holder, |b| {
                b.payload = 10;
                panic!("closure boom")
            })
        });
        assert!(message.contains("closure boom"), "{message:?}");
        // Like a `Mutex` that ignores poison: the change made before the
        // panic stays.
        assert_usable(&table, &holder, 10);
        assert_usable(&table, &neighbour, 2);
        assert_eq!(drops.dropped(), 0, "no entry was dropped by the panics");

        // Through a side handle, and from another thread afterwards.
        let side = table.side(&neighbour);
        expect_panic(|| side.with_mut(|_| panic!("side boom")));
        thread::scope(|s| {
            s.spawn(|| assert_eq!(table.with(&neighbour, |b| b.payload), Some(2)));
        });
        drop(holder);
        assert_eq!(drops.dropped(), 1);
    });
}

#[test]
fn a_panic_in_a_factory_leaves_the_table_unchanged() {
    within_deadline("panics in factories", || {
        let table: WeakMap<Dog, Arc<u32>> = WeakMap::new();
        let key = Dog::new("key");
        let present = Dog::new("present");
        table.insert(&present, Arc::new(1));

        let message = expect_panic(|| table.get_or_insert_with(&key, || panic!("factory boom")));
        assert!(message.contains("factory boom"), "{message:?}");
        assert!(
            !table.contains_key(&key),
            "a panicking factory stores nothing"
        );
        assert_eq!(table.get(&present).as_deref(), Some(&1));

        expect_panic(|| {
            table
                .side(&key)
                .get_or_insert_with(|| panic!("factory boom"))
        });
        assert!(!table.side(&key).is_set());

        // The factory does not run when a value is present.
        assert_eq!(
            *table.get_or_insert_with(&present, || panic!("must not run")),
            1
        );

        // The same key works afterwards.
        assert_eq!(*table.get_or_insert_with(&key, || Arc::new(5)), 5);
        assert_eq!(table.get(&key).as_deref(), Some(&5));
    });
}

/// A value whose `Clone` panics while armed.
struct FragileClone {
    armed: Arc<AtomicBool>,
    payload: u32,
}

impl Clone for FragileClone {
    fn clone(&self) -> Self {
        assert!(!self.armed.load(SeqCst), "clone boom");
        FragileClone {
            armed: Arc::clone(&self.armed),
            payload: self.payload,
        }
    }
}

#[test]
fn a_panic_in_a_values_clone_during_get_leaves_the_table_usable() {
    within_deadline("panics in `Clone`", || {
        let armed = Arc::new(AtomicBool::new(true));
        let table: WeakMap<Dog, FragileClone> = WeakMap::new();
        let key = Dog::new("key");
        let other = Dog::new("other");
        let value = |payload| FragileClone {
            armed: Arc::clone(&armed),
            payload,
        };
        table.insert(&key, value(1));
        table.insert(&other, value(2));

        assert!(expect_panic(|| table.get(&key)).contains("clone boom"));
        assert!(expect_panic(|| table.side(&key).get()).contains("clone boom"));
        assert!(expect_panic(|| table.get_or_insert(&key, value(3))).contains("clone boom"));
        assert!(
            expect_panic(|| table.get_or_insert_with(&key, || value(4))).contains("clone boom")
        );

        // Nothing is stuck, nothing changed; other keys too, from any thread.
        assert_eq!(table.with(&key, |v| v.payload), Some(1));
        thread::scope(|s| {
            s.spawn(|| assert_eq!(table.with_mut(&other, |v| v.payload), Some(2)));
        });
        armed.store(false, SeqCst);
        assert_eq!(table.get(&key).map(|v| v.payload), Some(1));
        assert_eq!(table.get(&other).map(|v| v.payload), Some(2));
        assert_eq!(table.remove(&key).map(|v| v.payload), Some(1));
        assert_eq!(table.get_or_insert(&key, value(5)).payload, 5);
    });
}

#[test]
fn a_panicking_drop_during_a_release_still_drops_the_rest_then_propagates() {
    within_deadline("a panicking drop in a release", || {
        let drops = Counter::new();
        let first: WeakMap<Dog, Bomb> = WeakMap::new();
        let middle: WeakMap<Dog, Bomb> = WeakMap::new();
        let last: WeakMap<Dog, Bomb> = WeakMap::new();
        let set: WeakSet<Dog> = WeakSet::new();
        let key = Dog::new("key");
        let bystander = Dog::new("bystander");
        first.insert(&key, dud(&drops, 1));
        middle.insert(&key, live(&drops));
        last.insert(&key, dud(&drops, 3));
        set.insert(&key);
        for table in [&first, &middle, &last] {
            table.insert(&bystander, dud(&drops, 9));
        }

        let message = expect_panic(move || drop(key));
        assert!(message.contains("boom"), "{message:?}");
        assert_eq!(
            drops.dropped(),
            3,
            "the other values of the release are dropped despite the panic"
        );
        for table in [&first, &middle, &last] {
            assert_usable(table, &bystander, 9);
        }
        assert!(!set.contains(&Dog::new("fresh")));
        drop(bystander);
        assert_eq!(drops.dropped(), 6, "a later release works normally");
    });
}

/// A link of a chain that may explode when dropped.
struct Link {
    _next: Option<Dog>,
    bomb: Bomb,
}

#[test]
fn a_panicking_link_in_a_chain_still_drops_the_whole_chain() {
    const LEN: u32 = if cfg!(any(miri, weakattach_sanitized)) {
        50
    } else {
        2_000
    };
    within_deadline("a chain with a panicking link", || {
        let drops = Counter::new();
        let even: WeakMap<Dog, Link> = WeakMap::new();
        let odd: WeakMap<Dog, Link> = WeakMap::new();
        let mut head: Option<Dog> = None;
        for i in 0..LEN {
            let key = Dog::new("link");
            let bomb = if i == LEN / 2 {
                live(&drops)
            } else {
                dud(&drops, i)
            };
            let link = Link {
                _next: head.take(),
                bomb,
            };
            let table = if i % 2 == 0 { &even } else { &odd };
            table.insert(&key, link);
            head = Some(key);
        }

        let message = expect_panic(move || drop(head));
        assert!(message.contains("boom"), "{message:?}");
        assert_eq!(drops.dropped(), LEN as usize, "every link was dropped");

        for table in [&even, &odd] {
            let key = Dog::new("after");
            table.insert(
                &key,
                Link {
                    _next: Some(Dog::new("next")),
                    bomb: dud(&drops, 1),
                },
            );
            assert_eq!(table.with(&key, |l| l.bomb.payload), Some(1));
            drop(key);
        }
        assert_eq!(drops.dropped(), LEN as usize + 2);
    });
}

const MANY: u32 = if cfg!(any(miri, weakattach_sanitized)) {
    10
} else {
    100
};

#[test]
fn a_panicking_drop_during_clear_still_drops_the_others() {
    within_deadline("a panicking drop in `clear`", || {
        let drops = Counter::new();
        let table: WeakMap<Dog, Bomb> = WeakMap::new();
        let keys: Vec<Dog> = (0..MANY).map(|_| Dog::new("dog")).collect();
        for (i, key) in (0..).zip(&keys) {
            let value = if i == MANY / 2 {
                live(&drops)
            } else {
                dud(&drops, i)
            };
            table.insert(key, value);
        }

        let message = expect_panic(|| table.clear());
        assert!(message.contains("boom"), "{message:?}");
        assert_eq!(drops.dropped(), MANY as usize);
        assert!(keys.iter().all(|k| !table.contains_key(k)));

        // The same keys attach again.
        for (i, key) in (0..).zip(&keys) {
            table.insert(key, dud(&drops, i));
        }
        assert_usable(&table, &keys[3], 3);
        drop(keys);
        assert_eq!(drops.dropped(), 2 * MANY as usize);
    });
}

#[test]
fn a_panicking_drop_during_a_table_drop_still_drops_the_others() {
    within_deadline("a panicking drop in a table's drop", || {
        let drops = Counter::new();
        let table: WeakMap<Dog, Bomb> = WeakMap::new();
        let elsewhere: WeakMap<Dog, Bomb> = WeakMap::new();
        let keys: Vec<Dog> = (0..MANY).map(|_| Dog::new("dog")).collect();
        for (i, key) in (0..).zip(&keys) {
            let value = if i == MANY / 2 {
                live(&drops)
            } else {
                dud(&drops, i)
            };
            table.insert(key, value);
            elsewhere.insert(key, dud(&drops, i));
        }

        let message = expect_panic(move || drop(table));
        assert!(message.contains("boom"), "{message:?}");
        assert_eq!(drops.dropped(), MANY as usize);

        assert_usable(&elsewhere, &keys[1], 1);
        let again: WeakMap<Dog, Bomb> = WeakMap::new();
        again.insert(&keys[0], dud(&drops, 0));
        drop(keys);
        assert_eq!(drops.dropped(), 2 * MANY as usize + 1);
    });
}

#[test]
fn a_panicking_unused_value_in_get_or_insert_leaves_the_table_usable() {
    within_deadline("a panicking unused value", || {
        let drops = Counter::new();
        let table: WeakMap<Dog, Arc<Bomb>> = WeakMap::new();
        let key = Dog::new("key");
        table.insert(&key, Arc::new(dud(&drops, 1)));

        let message = expect_panic(|| table.get_or_insert(&key, Arc::new(live(&drops))));
        assert!(message.contains("boom"), "{message:?}");
        assert_eq!(drops.dropped(), 1, "the unused value was dropped");
        assert_eq!(table.get(&key).map(|b| b.payload), Some(1));
        drop(key);
        assert_eq!(drops.dropped(), 2);
    });
}

#[test]
fn a_panic_in_a_closure_that_dropped_keys_still_releases_them() {
    const VICTIMS: usize = if cfg!(any(miri, weakattach_sanitized)) {
        32
    } else {
        256
    };
    within_deadline("a panic after key drops inside a closure", || {
        let drops = Counter::new();
        let table: WeakMap<Anchor, Bomb> = WeakMap::new();
        let holder = Anchor::new();
        table.insert(&holder, dud(&drops, 1));
        let victims: Vec<Anchor> = (0..VICTIMS).map(|_| Anchor::new()).collect();
        for victim in &victims {
            table.insert(victim, dud(&drops, 2));
        }

        let message = expect_panic(|| {
            table.with(&holder, |_| {
                drop(victims);
                panic!("closure boom after drops");
            })
        });
        assert!(message.contains("closure boom"), "{message:?}");
        assert_eq!(
            drops.dropped(),
            VICTIMS,
            "held-up values released as the call unwound"
        );
        assert_eq!(table.with(&holder, |b| b.payload), Some(1));
        let key = Anchor::new();
        table.insert(&key, dud(&drops, 3));
        drop(key);
        assert_eq!(drops.dropped(), VICTIMS + 1);
    });
}
