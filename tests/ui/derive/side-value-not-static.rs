use std::borrow::Cow;

use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(nickname: &str), side(motto: Option<Cow<'_, str>>))]
struct User {
    anchor: Anchor,
}

fn main() {}
