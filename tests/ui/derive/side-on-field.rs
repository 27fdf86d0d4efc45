use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
struct User {
    #[weak_key(side(visits: u32))]
    anchor: Anchor,
}

fn main() {}
