use weakattach::{Anchor, WeakMap};

#[derive(Clone)]
struct Cache {
    map: WeakMap<Anchor, u32>,
}

fn main() {
    let map: WeakMap<Anchor, u32> = WeakMap::new();
    let _copy: WeakMap<Anchor, u32> = map.clone();
}
