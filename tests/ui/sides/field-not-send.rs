use std::rc::Rc;

use weakattach::Keyed;

weakattach::sides! {
    trait Shared for Keyed<u8> {
        shared: Rc<u8>,
    }
}

fn main() {}
