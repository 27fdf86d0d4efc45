//! Side fields beyond plain structs: sides of generic types (one table for
//! every instantiation), of enums, and `sides!` declared for key types this
//! crate does not define. Their values are dropped with their key, on the
//! key's thread or another.

mod common;

use std::marker::PhantomData;
use std::thread;

use common::{Counted, Counter};
use weakattach::{Anchor, Keyed, WeakKey, WeakMap, sides};

#[derive(WeakKey)]
#[weak_key(side(pub note: Counted), side(pub depth: u32))]
struct Node<T> {
    value: T,
    anchor: Anchor,
}

/// The table of `Page::cache`, which code without a page can clear.
static CACHES: WeakMap<Page, Counted> = WeakMap::new();

#[derive(WeakKey)]
#[weak_key(side(pub cache: Counted in CACHES))]
struct Page {
    anchor: Anchor,
}

#[derive(WeakKey)]
#[weak_key(side(pub ty: Counted))]
enum Expr {
    Literal(i64, Anchor),
    Neg { inner: Box<Expr>, anchor: Anchor },
}

trait Shape: WeakKey + Send + Sync {}

#[derive(WeakKey)]
struct Square {
    anchor: Anchor,
}

impl Shape for Square {}

// `Keyed<String>` and `dyn Shape` stand for types of other crates: the
// declarations need nothing from the types but their identity.
sides! {
    trait LabelExt for Keyed<String> {
        note: Counted,
        width: u32,
    }
    trait ShapeExt for dyn Shape {
        note: Counted,
    }
}

mod elsewhere {
    use super::{Counted, Keyed};

    // A second declaration for the same type, with a field of the same name.
    weakattach::sides! {
        pub trait OtherLabelExt for Keyed<String> {
            note: Counted,
        }
    }
}

use elsewhere::OtherLabelExt;

#[test]
fn one_table_serves_every_instantiation_of_a_generic_type() {
    let counter = Counter::new();
    let small = Node {
        value: 1u8,
        anchor: Anchor::new(),
    };
    let text = Node {
        value: String::from("a"),
        anchor: Anchor::new(),
    };
    small.note().set(counter.value_of(1));
    text.note().set(counter.value_of(2));
    small.depth().set(u32::from(small.value));
    assert_eq!(small.note().with(|v| v.payload), Some(1));
    assert_eq!(text.note().with(|v| v.payload), Some(2));
    assert_eq!(text.depth().get(), None, "another key's side is not shared");
    let small_table: *const () = std::ptr::from_ref(small.note().table()).cast();
    let text_table: *const () = std::ptr::from_ref(text.note().table()).cast();
    assert_eq!(small_table, text_table);

    drop(small);
    assert_eq!(counter.dropped(), 1, "the `u8` node's note went with it");
    assert_eq!(text.note().with(|v| v.payload), Some(2));
    assert_eq!(text.value, "a");
    drop(text);
    assert_eq!(counter.dropped(), 2);
}

#[test]
fn a_generic_instance_dropped_on_another_thread_drops_its_sides_there() {
    let counter = Counter::new();
    let node = Node {
        value: PhantomData::<fn() -> u8>,
        anchor: Anchor::new(),
    };
    node.note().set(counter.value());
    let _ = node.value;
    thread::spawn(move || drop(node)).join().unwrap();
    assert_eq!(counter.dropped(), 1);
}

#[test]
fn each_variant_of_an_enum_key_has_its_own_sides() {
    let counter = Counter::new();
    let one = Expr::Literal(1, Anchor::new());
    one.ty().set(counter.value_of(1));
    let neg = Expr::Neg {
        inner: Box::new(one),
        anchor: Anchor::new(),
    };
    neg.ty().set(counter.value_of(2));
    if let Expr::Neg { inner, .. } = &neg {
        assert_eq!(inner.ty().with(|v| v.payload), Some(1));
    }
    assert_eq!(neg.ty().with(|v| v.payload), Some(2));
    drop(neg);
    assert_eq!(counter.dropped(), 2, "the outer and the inner value went");

    let literal = Expr::Literal(7, Anchor::new());
    literal.ty().set(counter.value());
    if let Expr::Literal(value, _) = &literal {
        assert_eq!(*value, 7);
    }
    thread::spawn(move || drop(literal)).join().unwrap();
    assert_eq!(counter.dropped(), 3);
}

#[test]
fn sides_declared_for_a_foreign_type_are_dropped_with_it() {
    let counter = Counter::new();
    let label = Keyed::new(String::from("ok"));
    LabelExt::note(&label).set(counter.value());
    label.width().set(2);
    assert_eq!(label.width().get(), Some(2));
    assert_eq!(label.as_str(), "ok");
    drop(label);
    assert_eq!(counter.dropped(), 1);

    let moved = Keyed::new(String::from("moved"));
    LabelExt::note(&moved).set(counter.value());
    thread::spawn(move || drop(moved)).join().unwrap();
    assert_eq!(counter.dropped(), 2, "dropped on the other thread");
}

#[test]
fn two_declarations_for_one_type_are_independent() {
    let counter = Counter::new();
    let label = Keyed::new(String::new());
    LabelExt::note(&label).set(counter.value_of(1));
    assert!(!OtherLabelExt::note(&label).is_set());
    OtherLabelExt::note(&label).set(counter.value_of(2));
    assert_eq!(LabelExt::note(&label).with(|v| v.payload), Some(1));
    assert_eq!(OtherLabelExt::note(&label).with(|v| v.payload), Some(2));
    assert_eq!(LabelExt::note(&label).remove().map(|v| v.payload), Some(1));
    assert_eq!(counter.dropped(), 1);
    assert!(OtherLabelExt::note(&label).is_set());
    drop(label);
    assert_eq!(counter.dropped(), 2);
}

#[test]
fn sides_of_a_dyn_key_follow_the_object_not_the_reference() {
    let counter = Counter::new();
    let square = Square {
        anchor: Anchor::new(),
    };
    let shape: &dyn Shape = &square;
    shape.note().set(counter.value());
    let shape_again: &dyn Shape = &square;
    assert!(shape_again.note().is_set());
    let boxed: Box<dyn Shape> = Box::new(square);
    assert!(boxed.note().is_set(), "moved into a box, same identity");
    thread::spawn(move || drop(boxed)).join().unwrap();
    assert_eq!(counter.dropped(), 1);
}

#[test]
fn a_side_in_a_table_of_ones_own_is_cleared_without_a_key() {
    let counter = Counter::new();
    let pages: Vec<Page> = (0..3)
        .map(|_| Page {
            anchor: Anchor::new(),
        })
        .collect();
    for (i, page) in pages.iter().enumerate() {
        page.cache().set(counter.value_of(i));
    }
    assert_eq!(CACHES.with(&pages[1], |v| v.payload), Some(1));
    CACHES.clear();
    assert_eq!(counter.dropped(), 3, "every cached value went with `clear`");
    assert!(pages.iter().all(|page| !page.cache().is_set()));
    pages[0].cache().set(counter.value());
    drop(pages);
    assert_eq!(counter.dropped(), 4);
}
