use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
struct Dog {
    anchor: Anchor,
}

weakattach::sides! {
    trait Names for std::rc::Rc<Dog> {
        name: String,
    }
}

fn main() {}
