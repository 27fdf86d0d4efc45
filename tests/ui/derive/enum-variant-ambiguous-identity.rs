use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
enum Expr {
    Pair(Anchor, Anchor),
    Marked(#[weak_key(anchor)] Anchor, #[weak_key(anchor)] Anchor),
    Fine(u8, Anchor),
}

fn main() {}
