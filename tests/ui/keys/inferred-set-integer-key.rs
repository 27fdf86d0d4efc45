use weakattach::WeakSet;

fn main() {
    WeakSet::new().insert(&5);
}
