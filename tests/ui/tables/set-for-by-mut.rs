use weakattach::{Anchor, WeakSet};

fn main() {
    let mut set: WeakSet<Anchor> = WeakSet::new();
    for _entry in &mut set {}
}
