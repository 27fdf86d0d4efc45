use weakattach::{Anchor, WeakMap};

fn main() {
    let map: WeakMap<Anchor, u32> = WeakMap::new();
    let _ = map.len();
    let _ = map.is_empty();
}
