// With several `Anchor` fields, the marked one is the identity.
use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
struct Edge {
    from: Anchor,
    #[weak_key(anchor)]
    id: Anchor,
    to: Anchor,
}

fn main() {
    let edge = Edge { from: Anchor::new(), id: Anchor::new(), to: Anchor::new() };
    assert!(std::ptr::eq(edge.anchor(), &edge.id));
    let weights: WeakMap<Edge, f64> = WeakMap::new();
    weights.insert(&edge, 0.5);
    let by_anchor: WeakMap<Anchor, f64> = WeakMap::new();
    by_anchor.insert(&edge.from, 1.0);
    by_anchor.insert(&edge.to, 2.0);
    assert_eq!(weights.get(&edge), Some(0.5));
    assert_eq!(by_anchor.get(&edge.from), Some(1.0));
    assert_eq!(by_anchor.get(&edge.id), None);
}
