use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(count: u32), side(values: Vec<T>))]
struct Node<T> {
    value: T,
    anchor: Anchor,
}

fn main() {}
