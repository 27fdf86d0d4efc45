use weakattach::WeakKey;

#[derive(WeakKey)]
struct User {
    name: String,
    id: u64,
}

fn main() {}
