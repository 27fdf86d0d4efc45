use std::sync::Arc;

use weakattach::{Anchor, WeakKey, WeakMap};

struct Dog {
    anchor: Anchor,
}

impl WeakKey for Dog {
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

fn main() {
    let rex = Arc::new(Dog {
        anchor: Anchor::new(),
    });
    let map = WeakMap::new();
    map.insert(&rex, 1);
}
