use weakattach::{WeakKey, WeakMap, WeakSet};

#[derive(WeakKey)]
struct User {
    name: String,
}

fn main() {
    let roles: WeakMap<User, &str> = WeakMap::new();
    let online: WeakSet<User> = WeakSet::new();
    let john = User { name: "John".into() };
    roles.insert(&john, "admin");
    online.insert(&john);
    let _ = (&john.name, john.anchor());
}
