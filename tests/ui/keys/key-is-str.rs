use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<str, u8> = WeakMap::new();
    let _set: WeakSet<str> = WeakSet::new();
}
