use weakattach::Anchor;

weakattach::sides! {
    trait Broken for {
        a: u8,
    }
    trait Counts for Anchor {
        visits u32,
        clicks: std::collections::HashMap<u8, u8>,
        oops: Vec<u8, >> 2,
        seen: bool,
    }
}

fn main() {
    let anchor = Anchor::new();
    anchor.clicks().set(Default::default());
    anchor.seen().set(true);
    assert_eq!(anchor.seen().get(), Some(true));
}
