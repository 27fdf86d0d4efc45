use weakattach::WeakMap;

fn main() {
    let name = String::from("John");
    let ages = WeakMap::new();
    ages.insert(&name, 42);
}
