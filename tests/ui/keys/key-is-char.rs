use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<char, u8> = WeakMap::new();
    let _set: WeakSet<char> = WeakSet::new();
}
