use weakattach::{Anchor, WeakMap};

fn main() {
    let key = Anchor::new();
    let map = WeakMap::new();
    let name = String::from("Rex");
    map.insert(&key, name.as_str());
}
