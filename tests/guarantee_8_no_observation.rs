//! SPEC §4, guarantee 8: **no observation without the key.** Nothing reveals
//! which keys a table holds, or how many.
//!
//! This file checks what can be checked at run time: `Debug` is opaque and the
//! same for an empty and a full table, and calls made with any other key
//! answer as they would on an empty table. The compile-time half (no `len`,
//! `is_empty`, `iter`, `keys`, `values`, `drain`, `retain`, no `IntoIterator`
//! by value or by reference, no `Clone`) is covered by the trybuild cases
//! under `tests/ui/` and the static assertions elsewhere in the suite.

mod common;

use common::Dog;
use weakattach::{Side, WeakMap, WeakSet};

/// Both `Debug` forms of `value`.
fn debug_forms(value: &impl std::fmt::Debug) -> (String, String) {
    (format!("{value:?}"), format!("{value:#?}"))
}

#[test]
fn debug_of_a_map_shows_nothing_and_is_the_same_empty_or_full() {
    let map: WeakMap<Dog, String> = WeakMap::new();
    let empty = debug_forms(&map);
    assert_eq!(empty.0, "WeakMap { .. }");

    let keys: Vec<Dog> = (0..100).map(|i| Dog::new(&format!("dog-{i}"))).collect();
    for key in &keys {
        map.insert(key, format!("secret value of {}", key.name));
    }
    let full = debug_forms(&map);
    assert_eq!(
        full, empty,
        "the Debug output must not depend on the contents"
    );
    for form in [&full.0, &full.1] {
        assert!(!form.contains("secret") && !form.contains("dog-"), "{form}");
        assert!(
            !form.chars().any(|c| c.is_ascii_digit()),
            "no count: {form}"
        );
    }

    map.clear();
    assert_eq!(debug_forms(&map), empty);
}

#[test]
fn debug_of_a_set_and_a_side_shows_nothing() {
    let set: WeakSet<Dog> = WeakSet::new();
    let empty = debug_forms(&set);
    assert_eq!(empty.0, "WeakSet { .. }");
    let keys: Vec<Dog> = (0..10).map(|_| Dog::new("member")).collect();
    for key in &keys {
        set.insert(key);
    }
    assert_eq!(debug_forms(&set), empty);
    assert!(!debug_forms(&set).1.contains("member"));

    let map: WeakMap<Dog, &str> = WeakMap::new();
    let side = Side::new(&map, &keys[0]);
    let unset = debug_forms(&side);
    side.set("secret");
    assert_eq!(debug_forms(&side), unset);
    assert!(!unset.0.contains("member") && !unset.1.contains("secret"));
    assert_eq!(unset.0, "Side { .. }");
}

#[test]
fn calls_with_any_other_key_answer_as_on_an_empty_table() {
    let full: WeakMap<Dog, u32> = WeakMap::new();
    let empty: WeakMap<Dog, u32> = WeakMap::new();
    let members: WeakSet<Dog> = WeakSet::new();
    let holders: Vec<Dog> = (0..200).map(|_| Dog::new("Rex")).collect();
    for (i, key) in (0..).zip(&holders) {
        full.insert(key, i);
        members.insert(key);
    }

    // Other keys: fresh ones, clones of holders, keys with equal data.
    let mut others: Vec<Dog> = holders.iter().take(20).cloned().collect();
    others.extend((0..20).map(|_| Dog::new("Rex")));
    for other in &others {
        assert_eq!(full.get(other), empty.get(other));
        assert_eq!(full.contains_key(other), empty.contains_key(other));
        assert_eq!(full.with(other, |v| *v), None);
        assert_eq!(full.remove(other), None);
        assert_eq!(full.side(other).is_set(), empty.side(other).is_set());
        assert!(!members.contains(other));
        assert!(!members.remove(other));
    }
    // ... and they took nothing away.
    for (i, key) in (0..).zip(&holders) {
        assert_eq!(full.get(key), Some(i));
        assert!(members.contains(key));
    }
}
