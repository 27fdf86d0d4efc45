use weakattach::Anchor;

weakattach::sides! {
    trait Counts {
        visits: u32,
    }
}

fn main() {
    let _ = Anchor::new();
}
