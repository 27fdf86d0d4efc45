use weakattach::{Anchor, WeakMap};

fn main() {
    let map: WeakMap<Anchor, u32> = WeakMap::new();
    let _ = map.drain();
    map.retain(|_, value| *value > 1);
}
