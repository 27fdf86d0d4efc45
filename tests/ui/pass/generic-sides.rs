// Sides of generic types: one table, keyed by the identity, serves every
// instantiation; the accessor is `Side<'_, Self, T>`, as on any key type.
use std::fmt::Debug;
use std::marker::PhantomData;

use weakattach::{Anchor, Side, WeakKey};


#[derive(WeakKey)]
#[weak_key(side(pub label: String), side(depth: u32))]
struct Node<'a, T: Debug, const N: usize>
where
    T: Clone,
{
    values: [T; N],
    parent: Option<&'a str>,
    anchor: Anchor,
}

#[derive(WeakKey)]
#[weak_key(side(pub(crate) seen: bool))]
struct Tagged<T>(PhantomData<T>, Anchor);

fn main() {
    let a: Node<'_, u8, 2> = Node { values: [1, 2], parent: None, anchor: Anchor::new() };
    let b: Node<'_, String, 1> =
        Node { values: ["b".to_owned()], parent: Some("a"), anchor: Anchor::new() };
    a.label().set("a".to_owned());
    b.label().set("b".to_owned());
    b.depth().set(1);
    assert_eq!(a.label().get().as_deref(), Some("a"));
    assert_eq!(b.label().get().as_deref(), Some("b"));
    assert_eq!(a.depth().get(), None);
    // One table behind both instantiations' accessors, seen under two types.
    let (a_table, b_table): (*const (), *const ()) = (
        std::ptr::from_ref(a.label().table()).cast(),
        std::ptr::from_ref(b.label().table()).cast(),
    );
    assert_eq!(a_table, b_table);
    let side: Side<'_, Node<'_, u8, 2>, String> = a.label();
    assert_eq!(side.table().get(&a).as_deref(), Some("a"));

    let t: Tagged<fn() -> u8> = Tagged(PhantomData, Anchor::new());
    t.seen().set(true);
    assert_eq!(t.seen().get(), Some(true));
    let _ = (&a.values, &b.parent);
}
