use weakattach::Keyed;

weakattach::sides! {
    trait Labels for Keyed<u8> {
        anchor: u32,
    }
}

fn main() {}
