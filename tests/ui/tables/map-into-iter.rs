use weakattach::{Anchor, WeakMap};

fn main() {
    let mut map: WeakMap<Anchor, u32> = WeakMap::new();
    let _ = map.into_iter();
    let _ = (&map).into_iter();
    let _ = (&mut map).into_iter();
}
