use std::rc::Rc;

use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(shared: Rc<u8>))]
struct User {
    anchor: Anchor,
}

fn main() {}
