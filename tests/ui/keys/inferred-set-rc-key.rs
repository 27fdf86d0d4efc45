use std::rc::Rc;

use weakattach::{Anchor, WeakKey, WeakSet};

struct Dog {
    anchor: Anchor,
}

impl WeakKey for Dog {
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

fn main() {
    let rex = Rc::new(Dog {
        anchor: Anchor::new(),
    });
    let set = WeakSet::new();
    set.insert(&rex);
}
