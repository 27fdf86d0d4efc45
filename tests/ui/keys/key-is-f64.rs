use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<f64, u8> = WeakMap::new();
    let _set: WeakSet<f64> = WeakSet::new();
}
