use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(window: [u8; N]))]
struct Buffer<const N: usize> {
    bytes: [u8; N],
    anchor: Anchor,
}

fn main() {}
