use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<u64, u8> = WeakMap::new();
    let _set: WeakSet<u64> = WeakSet::new();
}
