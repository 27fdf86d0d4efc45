//! SPEC §4, guarantee 3: **tables own their values.** Dropping a table, or
//! `clear`, drops all its values before it returns; the keys stay valid and
//! can be attached elsewhere.

mod common;

use common::{Counted, Counter, Dog, Owner, within_deadline};
use weakattach::{Anchor, Keyed, WeakMap, WeakSet};

const KEYS: usize = if cfg!(any(miri, weakattach_sanitized)) {
    20
} else {
    500
};

fn dogs(n: usize) -> Vec<Dog> {
    (0..n).map(|_| Dog::new("dog")).collect()
}

#[test]
fn dropping_a_table_drops_all_its_values_before_returning() {
    let drops = Counter::new();
    let kept = Counter::new();
    let keys = dogs(KEYS);
    let doomed: WeakMap<Dog, Counted> = WeakMap::new();
    let staying: WeakMap<Dog, Counted> = WeakMap::new();
    let set: WeakSet<Dog> = WeakSet::new();
    for (i, key) in keys.iter().enumerate() {
        doomed.insert(key, drops.value_of(i));
        staying.insert(key, kept.value_of(i));
        set.insert(key);
    }

    drop(doomed);
    assert_eq!(
        drops.dropped(),
        KEYS,
        "all values gone when the drop returns"
    );
    drop(set);
    assert_eq!(kept.dropped(), 0, "other tables keep theirs");

    // The keys stay valid: still attached elsewhere, and attachable again.
    let again: WeakMap<Dog, Counted> = WeakMap::new();
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(staying.with(key, |v| v.payload), Some(i));
        again.insert(key, drops.value_of(i));
    }
    drop(keys);
    assert_eq!(drops.dropped(), 2 * KEYS);
    assert_eq!(kept.dropped(), KEYS);
}

#[test]
fn clear_drops_all_values_before_returning_and_the_keys_can_be_attached_again() {
    let drops = Counter::new();
    let keys = dogs(KEYS);
    let table: WeakMap<Dog, Counted> = WeakMap::new();
    let set: WeakSet<Dog> = WeakSet::new();
    for (i, key) in keys.iter().enumerate() {
        table.insert(key, drops.value_of(i));
        set.insert(key);
    }

    table.clear();
    set.clear();
    assert_eq!(
        drops.dropped(),
        KEYS,
        "all values gone when `clear` returns"
    );
    for key in &keys {
        assert!(!table.contains_key(key));
        assert!(!table.side(key).is_set());
        assert!(!set.contains(key));
    }

    // The same keys, attached again to the same tables.
    for (i, key) in keys.iter().enumerate() {
        assert!(table.insert(key, drops.value_of(i)).is_none());
        assert!(set.insert(key));
    }
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(table.with(key, |v| v.payload), Some(i));
        assert!(set.contains(key));
    }
    drop(keys.clone()); // other identities: nothing of theirs goes
    assert_eq!(drops.dropped(), KEYS);
    drop(keys);
    assert_eq!(
        drops.dropped(),
        2 * KEYS,
        "the re-attached values go with the keys"
    );
}

#[test]
fn dropping_or_clearing_a_table_releases_the_keys_its_values_own() {
    within_deadline("table drop with values that own keys", || {
        let drops = Counter::new();
        let nested_drops = Counter::new();
        // Values of `outer` own keys that have values in `inner` and in
        // `outer` itself.
        let outer: WeakMap<Dog, Owner<Dog>> = WeakMap::new();
        let inner: WeakMap<Dog, Counted> = WeakMap::new();
        let roots = dogs(KEYS);
        for root in &roots {
            let children = dogs(2);
            inner.insert(&children[0], nested_drops.value());
            outer.insert(&children[1], Owner::new(&drops, Vec::new()));
            outer.insert(root, Owner::new(&drops, children));
        }

        outer.clear();
        assert_eq!(drops.dropped(), 2 * KEYS);
        assert_eq!(
            nested_drops.dropped(),
            KEYS,
            "keys owned by values released too"
        );

        for root in &roots {
            let child = Dog::new("child");
            inner.insert(&child, nested_drops.value());
            outer.insert(root, Owner::new(&drops, vec![child]));
        }
        drop(outer);
        assert_eq!(drops.dropped(), 3 * KEYS);
        assert_eq!(nested_drops.dropped(), 2 * KEYS);
    });
}

#[test]
fn a_key_attached_to_a_dropped_table_can_still_be_dropped() {
    let drops = Counter::new();
    let a: WeakMap<Keyed<u32>, Counted> = WeakMap::new();
    let b: WeakMap<Keyed<u32>, Counted> = WeakMap::new();
    let only_dropped = Keyed::new(1);
    let both = Keyed::new(2);
    a.insert(&only_dropped, drops.value());
    a.insert(&both, drops.value());
    b.insert(&both, drops.value());
    let set: WeakSet<Keyed<u32>> = WeakSet::new();
    set.insert(&only_dropped);

    drop(a);
    drop(set);
    assert_eq!(drops.dropped(), 2);
    drop(only_dropped);
    assert_eq!(drops.dropped(), 2);
    drop(both);
    assert_eq!(drops.dropped(), 3, "the value in the live table still goes");
}

#[test]
fn many_tables_come_and_go_while_a_long_lived_key_is_attached_to_each() {
    const TABLES: usize = if cfg!(any(miri, weakattach_sanitized)) {
        50
    } else {
        10_000
    };
    let drops = Counter::new();
    let long_lived = Dog::new("long-lived");
    let anchor = Anchor::new();
    let permanent: WeakMap<Dog, Counted> = WeakMap::new();
    permanent.insert(&long_lived, drops.value_of(usize::MAX));

    for i in 0..TABLES {
        let table: WeakMap<Dog, Counted> = WeakMap::new();
        table.insert(&long_lived, drops.value_of(i));
        let set: WeakSet<Anchor> = WeakSet::new();
        set.insert(&anchor);
        if i % 2 == 0 {
            table.clear();
        }
        drop(table);
        assert_eq!(drops.dropped(), i + 1);
    }

    assert_eq!(permanent.with(&long_lived, |v| v.payload), Some(usize::MAX));
    let last: WeakMap<Dog, Counted> = WeakMap::new();
    last.insert(&long_lived, drops.value_of(0));
    drop(long_lived);
    assert_eq!(drops.dropped(), TABLES + 2);
}
