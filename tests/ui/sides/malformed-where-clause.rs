use weakattach::Anchor;

weakattach::sides! {
    trait Counts for Anchor where Anchor: Send {
        visits: u32,
    }
}

fn main() {
    let _ = Anchor::new();
}
