use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<(), u8> = WeakMap::new();
    let _set: WeakSet<()> = WeakSet::new();
}
