use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
struct Dog {
    anchor: Anchor,
}

weakattach::sides! {
    trait Names for &'static Dog {
        name: String,
    }
}

fn main() {}
