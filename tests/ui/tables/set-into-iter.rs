use weakattach::{Anchor, WeakSet};

fn main() {
    let mut set: WeakSet<Anchor> = WeakSet::new();
    let _ = set.into_iter();
    let _ = (&set).into_iter();
    let _ = (&mut set).into_iter();
}
