// An enum whose every variant carries an identity: by an `Anchor` field, a
// mark, or a tuple field; sides work as on a struct.
use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
struct Span {
    anchor: Anchor,
}

#[derive(WeakKey)]
#[weak_key(side(pub ty: &'static str))]
enum Expr {
    Literal(i64, Anchor),
    Add { lhs: Box<Expr>, rhs: Box<Expr>, anchor: Anchor },
    Named { #[weak_key(anchor)] span: Span, name: String },
}

#[derive(WeakKey)]
enum Generic<T> {
    One(T, Anchor),
}

#[derive(WeakKey)]
enum Never {}

fn main() {
    let one = Expr::Literal(1, Anchor::new());
    let two = Expr::Literal(2, Anchor::new());
    let sum = Expr::Add { lhs: Box::new(one), rhs: Box::new(two), anchor: Anchor::new() };
    let x = Expr::Named { span: Span { anchor: Anchor::new() }, name: "x".into() };
    sum.ty().set("int");
    let names: WeakMap<Expr, &str> = WeakMap::new();
    names.insert(&x, "x");
    assert_eq!(sum.ty().get(), Some("int"));
    assert_eq!(x.ty().get(), None);
    assert_eq!(names.get(&x), Some("x"));
    if let Expr::Add { lhs, .. } = &sum {
        assert_eq!(lhs.ty().get(), None);
        assert!(!std::ptr::eq(lhs.anchor(), sum.anchor()));
    }
    if let Expr::Named { span, name } = &x {
        assert!(std::ptr::eq(x.anchor(), span.anchor()));
        assert_eq!(name, "x");
    }
    let g = Generic::One(1u8, Anchor::new());
    let Generic::One(value, anchor) = &g;
    assert!(std::ptr::eq(g.anchor(), anchor));
    assert_eq!(*value, 1);
    let _: Option<&Never> = None;
}
