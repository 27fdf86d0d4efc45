// `Anchor` written as a path, or through a macro's `$ty`, is still found.
mod ids {
    pub use weakattach::Anchor;
}

use weakattach::{WeakKey, WeakMap};

#[derive(WeakKey)]
struct Absolute {
    anchor: ::weakattach::Anchor,
}

#[derive(WeakKey)]
struct Relative {
    anchor: weakattach::Anchor,
}

#[derive(WeakKey)]
struct Local {
    first: u8,
    anchor: ids::Anchor,
}

macro_rules! keyed {
    ($name:ident, $anchor:ty) => {
        #[derive(WeakKey)]
        struct $name {
            anchor: $anchor,
        }
    };
}

keyed!(FromMacro, weakattach::Anchor);

fn main() {
    let a = Absolute { anchor: ids::Anchor::new() };
    let r = Relative { anchor: ids::Anchor::new() };
    let l = Local { first: 1, anchor: ids::Anchor::new() };
    let m = FromMacro { anchor: ids::Anchor::new() };
    assert!(std::ptr::eq(a.anchor(), &a.anchor));
    assert!(std::ptr::eq(r.anchor(), &r.anchor));
    assert!(std::ptr::eq(l.anchor(), &l.anchor));
    assert!(std::ptr::eq(m.anchor(), &m.anchor));

    let table: WeakMap<Local, u8> = WeakMap::new();
    table.insert(&l, l.first);
    assert_eq!(table.get(&l), Some(1));
}
