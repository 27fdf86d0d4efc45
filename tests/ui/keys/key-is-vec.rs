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
    let _map: WeakMap<Vec<Dog>, u8> = WeakMap::new();
    let _set: WeakSet<Vec<Dog>> = WeakSet::new();
}
