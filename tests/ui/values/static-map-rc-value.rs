use std::rc::Rc;

use weakattach::{Anchor, WeakMap};

static NOTES: WeakMap<Anchor, Rc<u8>> = WeakMap::new();

fn main() {}
