//! What the benchmarks share: the key type, its instances and a fixed
//! random order to visit them in.

use weakattach::{Anchor, WeakKey};

pub const KEYS: usize = 100_000;

#[derive(WeakKey)]
pub struct Key {
    pub id: u64,
    pub anchor: Anchor,
}

/// A fixed pseudo-random permutation of `0..n` (xorshift, Fisher–Yates).
pub fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut x = 0x2545_F491_4F6C_DD1D_u64;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        #[allow(clippy::cast_possible_truncation)]
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
    order
}

/// `KEYS` keys, with ids `0..KEYS`.
pub fn make_keys() -> Vec<Key> {
    (0..KEYS as u64)
        .map(|id| Key {
            id,
            anchor: Anchor::new(),
        })
        .collect()
}
