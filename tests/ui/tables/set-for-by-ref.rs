use weakattach::{Anchor, WeakSet};

fn main() {
    let set: WeakSet<Anchor> = WeakSet::new();
    for _entry in &set {}
}
