use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
#[weak_key(side(pub label: String), side(pub values: Vec<T>))]
struct Node<T> {
    value: T,
    anchor: Anchor,
}

fn main() {
    let node = Node { value: 1u8, anchor: Anchor::new() };
    node.label().set(node.value.to_string());
    node.values().set(vec![node.value]);
    let parents: WeakMap<Node<u8>, u8> = WeakMap::new();
    parents.insert(&node, 0);
}
