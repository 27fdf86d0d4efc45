use weakattach::Anchor;

weakattach::sides! {
    trait Counts for Anchor {
        visits: u32,
        clicks u32,
    }
}

fn main() {}
