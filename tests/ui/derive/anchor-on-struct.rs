use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(anchor)]
struct User {
    anchor: Anchor,
}

fn main() {}
