use std::fmt::Debug;

use weakattach::{WeakMap, WeakSet};

fn main() {
    let _map: WeakMap<dyn Debug, u8> = WeakMap::new();
    let _set: WeakSet<dyn Debug> = WeakSet::new();
}
