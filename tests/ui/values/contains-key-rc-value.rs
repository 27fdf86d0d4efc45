use std::rc::Rc;

use weakattach::{Anchor, WeakMap};

fn is_marked(map: &WeakMap<Anchor, Rc<u8>>, key: &Anchor) -> bool {
    map.contains_key(key)
}

fn main() {}
