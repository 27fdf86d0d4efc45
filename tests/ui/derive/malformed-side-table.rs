use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(pub count: u32 in), side(pub other: u32 in "TABLE"))]
struct Node {
    anchor: Anchor,
}

fn main() {}
