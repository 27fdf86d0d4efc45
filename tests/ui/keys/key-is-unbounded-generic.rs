use weakattach::{WeakMap, WeakSet};

struct Notes<T> {
    by_key: WeakMap<T, String>,
}

struct Seen<T> {
    keys: WeakSet<T>,
}

fn main() {}
