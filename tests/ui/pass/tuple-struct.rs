// Tuple structs: the identity is found by type at any position.
use weakattach::{Anchor, WeakKey, WeakSet};

#[derive(WeakKey)]
struct Ticket(u32, Anchor);

#[derive(WeakKey)]
struct Token(weakattach::Anchor);

fn main() {
    let ticket = Ticket(7, Anchor::new());
    assert!(std::ptr::eq(ticket.anchor(), &ticket.1));
    assert_eq!(ticket.0, 7);

    let token = Token(Anchor::new());
    assert!(std::ptr::eq(token.anchor(), &token.0));

    let used: WeakSet<Ticket> = WeakSet::new();
    assert!(used.insert(&ticket));
    assert!(used.contains(&ticket));
    assert!(!used.contains(&Ticket(7, Anchor::new())));
}
