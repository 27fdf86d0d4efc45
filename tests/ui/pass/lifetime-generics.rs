// Lifetime parameters: a key may borrow.
use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
struct View<'a, 'b: 'a> {
    text: &'a str,
    title: &'b str,
    anchor: Anchor,
}

fn main() {
    let text = String::from("hello");
    let view = View { text: &text, title: "greeting", anchor: Anchor::new() };
    let widths: WeakMap<View<'_, '_>, usize> = WeakMap::new();
    widths.insert(&view, view.text.len() + view.title.len());
    assert_eq!(widths.get(&view), Some(13));
}
