use std::rc::Rc;

use weakattach::{Anchor, Side};

fn mark(side: Side<'_, Anchor, Rc<u8>>) {
    side.set(Rc::new(1_u8));
}

fn main() {}
