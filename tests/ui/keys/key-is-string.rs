use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<String, u8> = WeakMap::new();
    let _set: WeakSet<String> = WeakSet::new();
}
