use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
struct User {
    #[weak_key]
    anchor: Anchor,
}

fn main() {}
