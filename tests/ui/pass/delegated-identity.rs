// A marked field of any key type: the struct shares that key's identity.
use weakattach::{Anchor, Keyed, WeakKey, WeakMap};

#[derive(WeakKey)]
struct User {
    name: String,
    anchor: Anchor,
}

#[derive(WeakKey)]
struct Admin {
    level: u8,
    #[weak_key(anchor)]
    user: User,
    // Not a candidate: a field is marked.
    spare: Anchor,
}

#[derive(WeakKey)]
struct Tagged<K: WeakKey> {
    tag: &'static str,
    #[weak_key(anchor)]
    key: K,
}

#[derive(WeakKey)]
struct Wrapped(#[weak_key(anchor)] Keyed<u32>);

fn main() {
    let admin = Admin {
        level: 3,
        user: User { name: "root".into(), anchor: Anchor::new() },
        spare: Anchor::new(),
    };
    assert!(std::ptr::eq(admin.anchor(), admin.user.anchor()));
    assert!(!std::ptr::eq(admin.anchor(), &admin.spare));

    let users: WeakMap<User, u8> = WeakMap::new();
    let admins: WeakMap<Admin, u8> = WeakMap::new();
    users.insert(&admin.user, 1);
    admins.insert(&admin, admin.level);
    assert_eq!(users.get(&admin.user), Some(1));
    assert_eq!(admins.get(&admin), Some(3));
    assert_eq!(admin.user.name, "root");

    let tagged = Tagged { tag: "t", key: Anchor::new() };
    assert!(std::ptr::eq(tagged.anchor(), &tagged.key));
    assert_eq!(tagged.tag, "t");

    let wrapped = Wrapped(Keyed::new(5));
    assert!(std::ptr::eq(wrapped.anchor(), wrapped.0.anchor()));
    assert_eq!(*wrapped.0, 5);
}
