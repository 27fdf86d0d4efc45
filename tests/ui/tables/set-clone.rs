use weakattach::{Anchor, WeakSet};

#[derive(Clone)]
struct Cache {
    set: WeakSet<Anchor>,
}

fn main() {
    let set: WeakSet<Anchor> = WeakSet::new();
    let _copy: WeakSet<Anchor> = set.clone();
}
