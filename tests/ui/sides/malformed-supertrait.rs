use weakattach::Anchor;

weakattach::sides! {
    trait Counts: Clone for Anchor {
        visits: u32,
    }
}

fn main() {
    let _ = Anchor::new();
}
