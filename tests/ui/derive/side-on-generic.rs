use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(count: u32))]
struct Node<T> {
    value: T,
    anchor: Anchor,
}

fn main() {}
