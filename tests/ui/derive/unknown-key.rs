use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(sides(visits: u32))]
struct User {
    #[weak_key(identity)]
    anchor: Anchor,
}

fn main() {}
