use weakattach::Anchor;

weakattach::sides! {
    trait Counts<T> for Anchor {
        visits: T,
    }
}

fn main() {
    let _ = Anchor::new();
}
