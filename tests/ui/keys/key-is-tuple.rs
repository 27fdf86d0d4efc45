use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<(u32, String), u8> = WeakMap::new();
    let _set: WeakSet<(u32, String)> = WeakSet::new();
}
