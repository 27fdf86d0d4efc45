// `dyn Trait` keys, derived structs and enums, and `Anchor`; several traits
// in one `sides!`, two traits for one type with a field name in common, a
// trailing comma or none.
use weakattach::{Anchor, WeakKey};

trait Node: WeakKey {}

#[derive(WeakKey)]
struct Leaf {
    anchor: Anchor,
}

impl Node for Leaf {}

#[derive(WeakKey)]
enum Expr {
    Literal(i64, Anchor),
}

weakattach::sides! {
    trait Layout for dyn Node {
        width: u32,
        height: u32
    }
    pub(crate) trait Typed for Expr {
        ty: &'static str,
    }
    trait Counted for Anchor {}
    trait Borrowed for weakattach::Keyed<&str> {
        seen: bool,
    }
}

mod other {
    weakattach::sides! {
        pub trait Sizes for dyn super::Node {
            width: u64,
        }
    }
}

fn main() {
    let leaf = Leaf { anchor: Anchor::new() };
    let node: &dyn Node = &leaf;
    node.width().set(3);
    node.height().set(4);
    assert_eq!(Layout::width(node).get(), Some(3));
    assert_eq!(other::Sizes::width(node).get(), None);
    other::Sizes::width(node).set(30);
    assert_eq!(Layout::width(node).get(), Some(3));
    assert_eq!(other::Sizes::width(node).get(), Some(30));

    let one = Expr::Literal(1, Anchor::new());
    one.ty().set("int");
    assert_eq!(one.ty().get(), Some("int"));
    let word = weakattach::Keyed::new("borrowed");
    word.seen().set(true);
    assert_eq!(word.seen().get(), Some(true));
    let Expr::Literal(value, _) = one;
    assert_eq!(value, 1);
}
