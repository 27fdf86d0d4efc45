use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(pub anchor: u32))]
struct Node {
    anchor: Anchor,
}

fn main() {}
