// An alias of `Anchor` is not recognised by its name: it is marked.
use weakattach::{WeakKey, WeakMap};

type Id = weakattach::Anchor;

#[derive(WeakKey)]
struct Order {
    number: u32,
    #[weak_key(anchor)]
    id: Id,
}

fn main() {
    let order = Order { number: 42, id: Id::new() };
    assert!(std::ptr::eq(order.anchor(), &order.id));
    let notes: WeakMap<Order, String> = WeakMap::new();
    notes.insert(&order, format!("order {}", order.number));
    assert_eq!(notes.get(&order).as_deref(), Some("order 42"));
}
