use weakattach::{Anchor, WeakMap};

fn main() {
    let map: WeakMap<Anchor, u32> = WeakMap::new();
    let _ = map.iter();
    let _ = map.keys();
    let _ = map.values();
}
