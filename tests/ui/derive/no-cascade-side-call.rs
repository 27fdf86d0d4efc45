use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(pub visits: u32), side(pub visits: u64), side(broken))]
#[weak_key(colour = "red")]
struct User {
    anchor: Anchor,
}

fn main() {
    let john = User { anchor: Anchor::new() };
    john.visits().set(1);
    assert_eq!(john.visits().get(), Some(1));
}
