use weakattach::{Anchor, WeakKey, WeakMap};

static COUNTS: WeakMap<Anchor, u64> = WeakMap::new();

#[derive(WeakKey)]
#[weak_key(side(pub count: u32 in COUNTS))]
struct Node {
    anchor: Anchor,
}

fn main() {}
