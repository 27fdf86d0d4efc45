use weakattach::{Anchor, WeakKey, WeakMap};

static COUNTS: WeakMap<Anchor, u64> = WeakMap::new();

#[derive(WeakKey)]
#[weak_key(side(pub count: u32 in COUNTS), side(pub missing: u8 in NOWHERE))]
struct Node {
    anchor: Anchor,
}

fn main() {}
