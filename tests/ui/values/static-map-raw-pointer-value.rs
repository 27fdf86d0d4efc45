use weakattach::{Anchor, WeakMap};

static ADDRESSES: WeakMap<Anchor, *const u8> = WeakMap::new();

fn main() {}
