use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
struct Pair {
    #[weak_key(anchor)]
    left: Anchor,
    #[weak_key(anchor)]
    right: Anchor,
}

fn main() {}
