use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(visits))]
struct User {
    anchor: Anchor,
}

fn main() {}
