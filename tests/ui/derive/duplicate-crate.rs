use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(crate = "weakattach")]
#[weak_key(crate = "::weakattach")]
struct User {
    anchor: Anchor,
}

fn main() {}
