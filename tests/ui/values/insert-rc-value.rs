use std::rc::Rc;

use weakattach::{Anchor, WeakMap};

fn main() {
    let key = Anchor::new();
    let map = WeakMap::new();
    map.insert(&key, Rc::new(1_u8));
}
