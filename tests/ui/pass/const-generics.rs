// Const parameters.
use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
struct Buffer<const N: usize, T = u8> {
    data: [T; N],
    anchor: Anchor,
}

fn main() {
    let small = Buffer { data: [1u8, 2, 3], anchor: Anchor::new() };
    let sums: WeakMap<Buffer<3>, u32> = WeakMap::new();
    sums.insert(&small, small.data.iter().map(|&b| u32::from(b)).sum());
    assert_eq!(sums.get(&small), Some(6));
    assert!(std::ptr::eq(small.anchor(), &small.anchor));
}
