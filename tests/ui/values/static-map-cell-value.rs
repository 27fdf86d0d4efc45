use std::cell::Cell;

use weakattach::{Anchor, WeakMap};

// Lookups on several threads at once share the value: a `Cell` may be sent,
// but not shared.
static COUNTS: WeakMap<Anchor, Cell<u32>> = WeakMap::new();

fn main() {}
