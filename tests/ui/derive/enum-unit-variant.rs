use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
enum Expr {
    Literal(i64, Anchor),
    Add { lhs: Box<Expr>, rhs: Box<Expr>, anchor: Anchor },
    Hole,
}

fn main() {}
