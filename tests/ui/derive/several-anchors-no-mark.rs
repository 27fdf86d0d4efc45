use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
struct Edge {
    from: Anchor,
    to: weakattach::Anchor,
}

fn main() {}
