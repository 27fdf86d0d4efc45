use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(pub missing: u8 in NOWHERE))]
struct Node {
    anchor: Anchor,
}

fn main() {}
