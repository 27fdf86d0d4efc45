use weakattach::{Anchor, WeakKey, WeakMap, WeakSet};

struct Dog {
    anchor: Anchor,
}

impl WeakKey for Dog {
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

fn main() {
    let _map: WeakMap<Option<Dog>, u8> = WeakMap::new();
    let _set: WeakSet<Option<Dog>> = WeakSet::new();
}
