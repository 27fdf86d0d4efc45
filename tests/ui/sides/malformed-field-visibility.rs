use weakattach::Anchor;

weakattach::sides! {
    trait Counts for Anchor {
        pub visits: u32,
    }
}

fn main() {}
