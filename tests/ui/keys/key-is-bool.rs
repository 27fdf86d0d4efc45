use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<bool, u8> = WeakMap::new();
    let _set: WeakSet<bool> = WeakSet::new();
}
