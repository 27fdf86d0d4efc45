use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(count: u32), side(quoted: Option<&'a str>))]
struct View<'a> {
    text: &'a str,
    anchor: Anchor,
}

fn main() {}
