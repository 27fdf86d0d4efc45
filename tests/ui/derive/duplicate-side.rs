use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(visits: u32))]
#[weak_key(side(pub visits: u64))]
struct User {
    anchor: Anchor,
}

fn main() {}
