// Type parameters, with bounds in the parameter list and a default.
use std::fmt::Debug;

use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
struct Node<T: Debug, U = u8> {
    value: T,
    extra: U,
    anchor: Anchor,
}

fn main() {
    let a: Node<String> = Node { value: "a".into(), extra: 1, anchor: Anchor::new() };
    let b: Node<String> = Node { value: "b".into(), extra: 2, anchor: Anchor::new() };
    let weights: WeakMap<Node<String>, u32> = WeakMap::new();
    weights.insert(&a, 10);
    weights.insert(&b, 20);
    assert_eq!(weights.get(&a), Some(10));
    assert_eq!(weights.get(&b), Some(20));
    assert_eq!(format!("{:?}{}", a.value, a.extra), "\"a\"1");
    assert!(std::ptr::eq(b.anchor(), &b.anchor));
}
