use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<i32, u8> = WeakMap::new();
    let _set: WeakSet<i32> = WeakSet::new();
}
