use weakattach::Anchor;

weakattach::sides! {
    pub trait Counts for Anchor {
        visits: u32,
        clicks: u32,
        visits: u64,
    }
}

fn main() {}
