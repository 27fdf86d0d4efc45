use weakattach::WeakMap;

fn main() {
    let ages = WeakMap::new();
    ages.insert("John", 42);
}
