//! SPEC §4, guarantee 9: **known limits, documented with their fix.** A value
//! that strongly owns its own key (an `Arc` of it) keeps that key alive, a
//! cycle as in Java's `WeakHashMap`; storing a `Weak` instead lets it go.
//! `mem::forget` on a key leaks its entries, nothing worse.

mod common;

use std::mem;
use std::sync::{Arc, Mutex, Weak};

use common::{Counted, Counter, Dog, within_deadline};
use weakattach::{Anchor, WeakKey, WeakMap, WeakSet};

/// A key that counts its own drop.
struct Node {
    anchor: Anchor,
    _counted: Counted,
}

impl WeakKey for Node {
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

fn node(drops: &Counter) -> Arc<Node> {
    Arc::new(Node {
        anchor: Anchor::new(),
        _counted: drops.value(),
    })
}

#[test]
fn a_value_that_owns_its_own_key_keeps_it_alive() {
    within_deadline("a self-owning value", || {
        let drops = Counter::new();
        let parents: WeakMap<Node, Arc<Node>> = WeakMap::new();

        let n = node(&drops);
        parents.insert(&n, Arc::clone(&n));
        let watch = Arc::downgrade(&n);
        drop(n);
        assert_eq!(drops.dropped(), 0, "the cycle keeps the key alive");
        let n = watch.upgrade().expect("still alive through its own value");
        assert!(parents.contains_key(&n));
        drop(n);

        // Removing the entry breaks the cycle ...
        let m = node(&drops);
        parents.insert(&m, Arc::clone(&m));
        let removed = parents.remove(&m);
        drop(m);
        assert_eq!(drops.dropped(), 0);
        drop(removed);
        assert_eq!(drops.dropped(), 1);

        // ... and so does dropping the table, which owns the value.
        drop(parents);
        assert_eq!(drops.dropped(), 2);
        assert!(watch.upgrade().is_none());
    });
}

#[test]
fn storing_a_weak_instead_lets_the_key_go() {
    let drops = Counter::new();
    let value_drops = Counter::new();
    let parents: WeakMap<Node, (Weak<Node>, Counted)> = WeakMap::new();

    let n = node(&drops);
    parents.insert(&n, (Arc::downgrade(&n), value_drops.value()));
    let back = parents.with(&n, |(weak, _)| weak.upgrade()).flatten();
    assert!(back.is_some_and(|b| Arc::ptr_eq(&b, &n)));
    drop(n);
    assert_eq!(drops.dropped(), 1, "the key died with its last `Arc`");
    assert_eq!(value_drops.dropped(), 1, "and its value with it");
}

/// Addresses of the keys forgotten below, so that a leak checker of the test
/// suite sees their memory as still reachable instead of lost.
static FORGOTTEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());

#[test]
fn forgetting_a_key_leaks_its_entries_and_nothing_worse() {
    within_deadline("a forgotten key", || {
        let leaked = Counter::new();
        let others = Counter::new();
        let table: WeakMap<Dog, Counted> = WeakMap::new();
        let set: WeakSet<Dog> = WeakSet::new();
        let survivor: WeakMap<Dog, Counted> = WeakMap::new();

        let forgotten = Box::new(Dog::new("forgotten"));
        table.insert(&forgotten, leaked.value());
        survivor.insert(&forgotten, leaked.value());
        set.insert(&forgotten);
        FORGOTTEN
            .lock()
            .unwrap()
            .push(std::ptr::from_ref::<Dog>(&forgotten) as usize);
        mem::forget(forgotten);
        assert_eq!(leaked.dropped(), 0, "the entries leak");

        // Other keys come and go normally; fresh keys see nothing.
        for _ in 0..100 {
            let key = Dog::new("forgotten");
            set.insert(&key); // an identity of its own
            assert!(!table.contains_key(&key));
            table.insert(&key, others.value());
            survivor.insert(&key, others.value());
            drop(key);
        }
        assert_eq!(others.dropped(), 200);

        // The tables still work, and dropping or clearing them drops the
        // leaked entries' values.
        let key = Dog::new("late");
        table.insert(&key, others.value());
        assert!(table.contains_key(&key));
        drop(table);
        assert_eq!(
            leaked.dropped(),
            1,
            "table drop still drops the leaked value"
        );
        survivor.clear();
        assert_eq!(leaked.dropped(), 2, "so does `clear`");
        drop(key);
        assert_eq!(others.dropped(), 201);
    });
}

/// A key in a `static` is never dropped, so its entries stay as long as their
/// tables do: a table that is dropped or cleared still drops them, and a
/// `static` table keeps them for the life of the process, as a `static`
/// `HashMap` would.
#[test]
fn a_key_leaked_into_a_static_keeps_its_entries_until_their_table_goes() {
    static FOREVER: Anchor = Anchor::new();
    static EVERLASTING: WeakMap<Anchor, &str> = WeakMap::new();
    within_deadline("a key in a static", || {
        let drops = Counter::new();
        let table = WeakMap::new();
        table.insert(&FOREVER, drops.value());
        let cleared = WeakMap::new();
        cleared.insert(&FOREVER, drops.value());
        EVERLASTING.insert(&FOREVER, "kept");

        cleared.clear();
        assert_eq!(drops.dropped(), 1, "`clear` drops the static key's value");
        drop(table);
        assert_eq!(drops.dropped(), 2, "dropping the table drops it too");
        // The static key still works, and can be attached again.
        cleared.insert(&FOREVER, drops.value());
        assert!(cleared.contains_key(&FOREVER));
        drop(cleared);
        assert_eq!(drops.dropped(), 3);
        assert_eq!(EVERLASTING.get(&FOREVER), Some("kept"));
    });
}
