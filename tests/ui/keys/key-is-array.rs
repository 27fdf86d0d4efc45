use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<[u8; 4], u8> = WeakMap::new();
    let _set: WeakSet<[u8; 4]> = WeakSet::new();
}
