use weakattach::{Anchor, WeakMap};

fn main() {
    let map: WeakMap<Anchor, u32> = WeakMap::new();
    for _entry in map {}
}
