use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
struct User {
    #[weak_key(anchor = true)]
    anchor: Anchor,
}

fn main() {}
