use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side = "visits: u32")]
struct User {
    anchor: Anchor,
}

fn main() {}
