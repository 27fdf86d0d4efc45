use weakattach::{Anchor, WeakMap};

fn main() {
    let mut map: WeakMap<Anchor, u32> = WeakMap::new();
    for _entry in &mut map {}
}
