use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(copy: Box<Self>))]
struct Node<T> {
    value: T,
    anchor: Anchor,
}

fn main() {}
