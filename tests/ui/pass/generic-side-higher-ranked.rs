// A side of a generic type whose type declares a lifetime of its own, and
// one that names a path item called like a type parameter.
use weakattach::{Anchor, WeakKey};

mod items {
    pub type T = u8;
}

type Check = Box<dyn for<'b> Fn(&'b str) -> bool + Send + Sync>;

#[derive(WeakKey)]
#[weak_key(
    side(pub check: Box<dyn for<'b> Fn(&'b str) -> bool + Send + Sync>),
    side(pub small: items::T)
)]
struct View<'a, T> {
    text: &'a str,
    value: T,
    anchor: Anchor,
}

fn main() {
    let view = View { text: "ok", value: 1u8, anchor: Anchor::new() };
    let check: Check = Box::new(|s| s.len() == 2);
    view.check().set(check);
    view.small().set(view.value);
    assert_eq!(view.check().with(|f| f(view.text)), Some(true));
    assert_eq!(view.small().get(), Some(1));
}
