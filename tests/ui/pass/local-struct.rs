// A struct declared inside a function, with a side: the side's `static`
// table names the local struct.
use weakattach::{Anchor, WeakKey, WeakMap};

fn main() {
    #[derive(WeakKey)]
    #[weak_key(side(hits: u8))]
    struct Local {
        anchor: Anchor,
    }

    let local = Local { anchor: Anchor::new() };
    local.hits().set(4);
    assert_eq!(local.hits().get(), Some(4));

    let table: WeakMap<Local, bool> = WeakMap::new();
    table.insert(&local, true);
    assert_eq!(table.get(&local), Some(true));
}
