// Where-clauses are carried onto the impl.
use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
struct Labelled<T>
where
    T: Clone + Into<String>,
{
    label: T,
    anchor: Anchor,
}

#[derive(WeakKey)]
struct Pair<A, B>(A, B, Anchor)
where
    A: Copy,
    B: Default;

fn main() {
    let item = Labelled { label: String::from("x"), anchor: Anchor::new() };
    let lengths: WeakMap<Labelled<String>, usize> = WeakMap::new();
    lengths.insert(&item, Into::<String>::into(item.label.clone()).len());
    assert_eq!(lengths.get(&item), Some(1));

    let pair = Pair(1u8, String::new(), Anchor::new());
    let seen: WeakMap<Pair<u8, String>, bool> = WeakMap::new();
    seen.insert(&pair, pair.1.is_empty() && pair.0 == 1);
    assert_eq!(seen.get(&pair), Some(true));
}
