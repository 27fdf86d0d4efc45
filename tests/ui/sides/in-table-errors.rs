use weakattach::{Anchor, WeakMap};

static COUNTS: WeakMap<Anchor, u64> = WeakMap::new();

weakattach::sides! {
    trait Counts for Anchor {
        visits: u32 in COUNTS,
        clicks: u32 in,
    }
}

fn main() {}
