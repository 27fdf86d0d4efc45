use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
enum Expr {
    #[weak_key(anchor)]
    Literal(i64, Anchor),
    #[weak_key(side(ty: u32))]
    Neg(Box<Expr>, Anchor),
}

fn main() {}
