use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
struct User {
    #[weak_key(crate = "weakattach")]
    anchor: Anchor,
}

fn main() {}
