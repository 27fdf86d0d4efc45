//! SPEC §4, guarantee 1: **identity is the anchor, not the address.** Moving
//! a key (into a `Box`, a growing `Vec`, `mem::swap`) keeps its entries. A
//! clone is a new identity. Identities are never reused within a process, so
//! a new key can never see a dead key's entries.

mod common;

use std::mem;

use common::{Counter, Dog, hash_of};
use weakattach::{Anchor, Keyed, WeakKey, WeakMap, WeakSet};

#[test]
fn entries_follow_a_key_moved_into_a_box_and_back() {
    let drops = Counter::new();
    let names: WeakMap<Dog, &str> = WeakMap::new();
    let tracked: WeakMap<Dog, common::Counted> = WeakMap::new();
    let seen: WeakSet<Dog> = WeakSet::new();

    let rex = Dog::new("Rex");
    names.insert(&rex, "good dog");
    tracked.insert(&rex, drops.value());
    seen.insert(&rex);

    let boxed = Box::new(rex);
    assert_eq!(names.get(&boxed), Some("good dog"));
    assert!(tracked.contains_key(&boxed));
    assert!(seen.contains(&boxed));

    let unboxed: Dog = *boxed;
    assert_eq!(names.get(&unboxed), Some("good dog"));
    assert!(seen.contains(&unboxed));
    assert_eq!(drops.dropped(), 0, "a move must not release anything");

    drop(unboxed);
    assert_eq!(
        drops.dropped(),
        1,
        "the moved key's drop releases its entry"
    );
}

#[test]
fn entries_follow_keys_through_a_reallocating_vec() {
    const N: usize = if cfg!(any(miri, weakattach_sanitized)) {
        40
    } else {
        2_000
    };
    let index: WeakMap<Dog, usize> = WeakMap::new();
    let drops = Counter::new();
    let tracked: WeakMap<Dog, common::Counted> = WeakMap::new();

    let mut dogs = Vec::with_capacity(1);
    let mut buffers = std::collections::HashSet::new();
    for i in 0..N {
        let dog = Dog::new("pack");
        index.insert(&dog, i);
        tracked.insert(&dog, drops.value_of(i));
        dogs.push(dog);
        buffers.insert(dogs.as_ptr() as usize);
    }
    assert!(
        buffers.len() > 1,
        "the vec must have reallocated for this test to mean anything"
    );
    for (i, dog) in dogs.iter().enumerate() {
        assert_eq!(index.get(dog), Some(i));
        assert_eq!(tracked.with(dog, |v| v.payload), Some(i));
    }

    // Shift every element down, reverse, swap: entries stay with their keys.
    let first = dogs.remove(0);
    assert_eq!(index.get(&first), Some(0));
    dogs.reverse();
    dogs.swap(0, 1);
    for dog in &dogs {
        let i = index.get(dog).expect("entry follows the moved key");
        assert_eq!(tracked.with(dog, |v| v.payload), Some(i));
    }
    assert_eq!(drops.dropped(), 0, "moves must not release anything");

    // Dropping one key releases exactly its entry.
    let victim = dogs.pop().unwrap();
    let victim_index = index.get(&victim).unwrap();
    drop(victim);
    assert_eq!(drops.dropped(), 1);
    for dog in &dogs {
        assert_ne!(index.get(dog), Some(victim_index));
        assert!(tracked.contains_key(dog));
    }

    drop(dogs);
    drop(first);
    assert_eq!(drops.dropped(), N);
}

#[test]
fn entries_follow_mem_swap_and_replace() {
    let names: WeakMap<Dog, &str> = WeakMap::new();
    let mut a = Dog::new("same name");
    let mut b = Dog::new("same name");
    names.insert(&a, "first");
    names.insert(&b, "second");

    mem::swap(&mut a, &mut b);
    assert_eq!(names.get(&a), Some("second"));
    assert_eq!(names.get(&b), Some("first"));

    // Swapping only the identities (the anchors) swaps the entries too.
    let mut x = Anchor::new();
    let mut y = Anchor::new();
    let anchors: WeakMap<Anchor, u8> = WeakMap::new();
    anchors.insert(&x, 1);
    anchors.insert(&y, 2);
    mem::swap(&mut x, &mut y);
    assert_eq!((anchors.get(&x), anchors.get(&y)), (Some(2), Some(1)));

    // `mem::replace` hands out the old identity with its entries and leaves
    // a fresh one with nothing attached.
    let old = mem::replace(&mut a, Dog::new("same name"));
    assert_eq!(names.get(&old), Some("second"));
    assert_eq!(names.get(&a), None);
    let taken = mem::take(&mut b);
    assert_eq!(names.get(&taken), Some("first"));
    assert_eq!(names.get(&b), None);
}

#[test]
fn a_clone_is_a_new_identity_with_nothing_attached() {
    let drops = Counter::new();
    let tracked: WeakMap<Dog, common::Counted> = WeakMap::new();
    let names: WeakMap<Dog, &str> = WeakMap::new();
    let seen: WeakSet<Dog> = WeakSet::new();

    let rex = Dog::new("Rex");
    tracked.insert(&rex, drops.value_of(1));
    names.insert(&rex, "original");
    seen.insert(&rex);

    let twin = rex.clone();
    assert_eq!(rex, twin, "the data is equal");
    assert_eq!(hash_of(&rex), hash_of(&twin), "and hashes alike");
    assert!(!tracked.contains_key(&twin));
    assert_eq!(names.get(&twin), None);
    assert!(!seen.contains(&twin));

    // The twin gets entries of its own; each key keeps its own.
    tracked.insert(&twin, drops.value_of(2));
    names.insert(&twin, "twin");
    assert_eq!(names.get(&rex), Some("original"));
    assert_eq!(names.get(&twin), Some("twin"));

    drop(twin);
    assert_eq!(
        drops.dropped(),
        1,
        "only the twin's value goes with the twin"
    );
    assert_eq!(tracked.with(&rex, |v| v.payload), Some(1));
    assert_eq!(names.get(&rex), Some("original"));

    // Cloning a bare anchor gives a new identity as well.
    let anchors: WeakMap<Anchor, u8> = WeakMap::new();
    let a = Anchor::new();
    anchors.insert(&a, 7);
    let c = a.clone();
    assert_eq!(a, c, "all anchors compare equal");
    assert_eq!(anchors.get(&c), None);
    assert_eq!(anchors.get(&a), Some(7));
}

#[test]
fn a_new_key_with_equal_contents_sees_nothing() {
    let names: WeakMap<Dog, &str> = WeakMap::new();
    let rex = Dog::new("Rex");
    names.insert(&rex, "good dog");
    let other_rex = Dog::new("Rex");
    assert_eq!(rex, other_rex);
    assert_eq!(names.get(&other_rex), None);
    assert!(!names.contains_key(&other_rex));

    let numbers: WeakMap<Keyed<u32>, &str> = WeakMap::new();
    let five = Keyed::new(5);
    numbers.insert(&five, "five");
    let another_five = Keyed::new(5);
    assert_eq!(five, another_five);
    assert_eq!(hash_of(&five), hash_of(&another_five));
    assert_eq!(numbers.get(&another_five), None);
    assert_eq!(numbers.get(&five), Some("five"));
}

#[test]
fn new_keys_never_see_a_dead_keys_entries() {
    const ROUNDS: usize = if cfg!(any(miri, weakattach_sanitized)) {
        50
    } else {
        20_000
    };
    let values: WeakMap<Dog, usize> = WeakMap::new();
    let members: WeakSet<Dog> = WeakSet::new();
    let elsewhere: WeakSet<Dog> = WeakSet::new();
    let survivors: Vec<Dog> = (0..16).map(|_| Dog::new("survivor")).collect();
    for (i, dog) in survivors.iter().enumerate() {
        values.insert(dog, usize::MAX - i);
    }

    for i in 0..ROUNDS {
        // Same stack slot, and the freed identity's memory is there for the
        // allocator to hand out again.
        let dead = Dog::new("dog");
        values.insert(&dead, i);
        members.insert(&dead);
        drop(dead);

        let fresh = Dog::new("dog");
        // Attach it elsewhere first, so that it has an identity of its own
        // (made right after the dead key's was freed).
        elsewhere.insert(&fresh);
        assert_eq!(values.get(&fresh), None, "round {i}: a dead key's value");
        assert!(!values.contains_key(&fresh), "round {i}");
        assert!(
            !members.contains(&fresh),
            "round {i}: a dead key's membership"
        );
        assert_eq!(values.remove(&fresh), None, "round {i}");
    }

    for (i, dog) in survivors.iter().enumerate() {
        assert_eq!(values.get(dog), Some(usize::MAX - i));
    }
}

#[test]
fn keyed_values_have_identity_like_key_structs() {
    let drops = Counter::new();
    let labels: WeakMap<Keyed<String>, common::Counted> = WeakMap::new();

    let k = Keyed::new(String::from("port 80"));
    labels.insert(&k, drops.value_of(80));
    // Deref to the value; moves keep the entry.
    assert_eq!(k.len(), 7);
    let mut boxed = Box::new(k);
    boxed.push('!');
    assert_eq!(labels.with(&boxed, |v| v.payload), Some(80));
    let mut keys = vec![*boxed];
    keys.reserve(1000);
    assert_eq!(labels.with(&keys[0], |v| v.payload), Some(80));

    let mut other: Keyed<String> = String::from("port 443").into();
    labels.insert(&other, drops.value_of(443));
    mem::swap(&mut keys[0], &mut other);
    assert_eq!(labels.with(&keys[0], |v| v.payload), Some(443));
    assert_eq!(labels.with(&other, |v| v.payload), Some(80));

    // A clone carries the data, not the identity.
    let copy = other.clone();
    assert_eq!(*copy, "port 80!");
    assert!(!labels.contains_key(&copy));
    assert_eq!(drops.dropped(), 0);

    // `into_inner` ends the identity: the entry goes, the data comes out.
    assert_eq!(other.into_inner(), "port 80!");
    assert_eq!(drops.dropped(), 1);
    drop(keys);
    assert_eq!(drops.dropped(), 2);
}

trait Pet: WeakKey {
    fn name(&self) -> &str;
}

impl Pet for Dog {
    fn name(&self) -> &str {
        &self.name
    }
}

struct Cat {
    name: String,
    anchor: Anchor,
}

impl WeakKey for Cat {
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

impl Pet for Cat {
    fn name(&self) -> &str {
        &self.name
    }
}

#[test]
fn dyn_trait_keys_have_the_identity_of_the_instance() {
    let drops = Counter::new();
    let owners: WeakMap<dyn Pet, &str> = WeakMap::new();
    let tracked: WeakMap<dyn Pet, common::Counted> = WeakMap::new();
    let by_dog: WeakMap<Dog, &str> = WeakMap::new();

    let mut pets: Vec<Box<dyn Pet>> = vec![
        Box::new(Dog::new("Rex")),
        Box::new(Cat {
            name: "Tom".to_owned(),
            anchor: Anchor::new(),
        }),
        Box::new(Dog::new("Rex")),
    ];
    for (i, pet) in pets.iter().enumerate() {
        owners.insert(&**pet, ["alice", "bob", "carol"][i]);
        tracked.insert(&**pet, drops.value_of(i));
    }
    assert_eq!(pets[1].name(), "Tom");

    pets.reverse();
    assert_eq!(owners.get(&*pets[0]), Some("carol"));
    assert_eq!(owners.get(&*pets[1]), Some("bob"));
    assert_eq!(owners.get(&*pets[2]), Some("alice"));

    // The same instance through its concrete type and through `dyn Pet`:
    // one identity, seen by both kinds of table.
    let fido = Dog::new("Fido");
    by_dog.insert(&fido, "concrete");
    owners.insert(&fido, "dyn");
    tracked.insert(&fido, drops.value_of(99));
    let fido = Box::new(fido);
    let as_pet: &dyn Pet = &*fido;
    assert_eq!(owners.get(as_pet), Some("dyn"));
    assert_eq!(by_dog.get(&fido), Some("concrete"));
    assert_eq!(
        owners.get(&*fido.clone()),
        None,
        "a clone is another identity"
    );

    drop(fido);
    assert_eq!(drops.dropped(), 1, "the dog's drop released its dyn entry");
    let cat = pets.remove(1);
    drop(pets);
    assert_eq!(drops.dropped(), 3);
    assert_eq!(tracked.with(&*cat, |v| v.payload), Some(1));
    drop(cat);
    assert_eq!(drops.dropped(), 4);
}
