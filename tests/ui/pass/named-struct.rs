// The identity field is found by its type name, `Anchor`.
use std::sync::Arc;

use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
struct User {
    name: String,
    anchor: Anchor,
}

fn main() {
    let john = User { name: "John".into(), anchor: Anchor::new() };
    assert!(std::ptr::eq(john.anchor(), &john.anchor));

    let roles: WeakMap<User, Arc<&str>> = WeakMap::new();
    let role = Arc::new("admin");
    roles.insert(&john, Arc::clone(&role));
    assert_eq!(roles.get(&john).as_deref(), Some(&"admin"));
    assert_eq!(john.name, "John");

    drop(john);
    assert_eq!(Arc::strong_count(&role), 1, "the value goes with its key");
}
