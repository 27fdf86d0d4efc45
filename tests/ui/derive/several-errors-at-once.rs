use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(anchor, side(visits), crate = "weakattach")]
#[weak_key(colour = "red", crate = "weakattach", side(count: u32))]
struct User<T> {
    #[weak_key(side(notes: Vec<String>))]
    first: Anchor,
    second: Anchor,
    value: T,
}

fn main() {}
