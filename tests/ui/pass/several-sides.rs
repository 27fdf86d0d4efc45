// Several sides, in one attribute and in several: each has its own table.
use std::sync::Arc;

use weakattach::{Anchor, WeakKey};

#[derive(WeakKey)]
#[weak_key(side(visits: u32), side(last_seen: Option<u64>))]
#[weak_key(side(friends: Vec<Arc<str>>))]
#[weak_key(side(r#type: &'static str), side(owner: Option<std::sync::Weak<Self>>))]
struct User {
    anchor: Anchor,
}

fn main() {
    let user = User { anchor: Anchor::new() };
    user.visits().set(1);
    user.last_seen().set(Some(99));
    user.r#type().set("guest");
    assert_eq!(user.visits().get(), Some(1));
    assert_eq!(user.last_seen().get(), Some(Some(99)));
    assert_eq!(user.r#type().get(), Some("guest"));
    assert!(!user.owner().is_set());

    let name: Arc<str> = Arc::from("ann");
    user.friends().set(vec![Arc::clone(&name)]);
    assert_eq!(Arc::strong_count(&name), 2);
    // The sides are distinct tables.
    assert!(!std::ptr::addr_eq(user.visits().table(), user.friends().table()));

    drop(user);
    assert_eq!(Arc::strong_count(&name), 1, "side values go with their key");
}
