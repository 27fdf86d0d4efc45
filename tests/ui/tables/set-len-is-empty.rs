use weakattach::{Anchor, WeakSet};

fn main() {
    let set: WeakSet<Anchor> = WeakSet::new();
    let _ = set.len();
    let _ = set.is_empty();
}
