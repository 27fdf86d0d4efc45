use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
enum Expr {
    Literal(i64, Anchor),
    Neg(#[weak_key(anchor)] Box<u8>, Anchor),
}

fn main() {}
