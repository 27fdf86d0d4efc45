use weakattach::Anchor;

weakattach::sides! {
    trait Counts for Anchor {
        visits: u32,
        visits: u64,
        &oops,
    }
}

fn main() {
    let anchor = Anchor::new();
    anchor.visits().set(1);
    assert_eq!(anchor.visits().get(), Some(1));
}
