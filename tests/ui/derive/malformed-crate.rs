use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(crate = weakattach)]
struct Unquoted {
    anchor: Anchor,
}

#[derive(WeakKey)]
#[weak_key(crate = "weakattach<u8>")]
struct NotAPath {
    anchor: Anchor,
}

fn main() {}
