use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(visits: u32, notes: Vec<String>))]
struct User {
    anchor: Anchor,
}

fn main() {}
