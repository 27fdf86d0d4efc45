// `side(.. in TABLE)`: a side kept in a `static` table of the user's own,
// reachable without a key; the same in `sides!`.
use weakattach::{Anchor, Keyed, WeakKey, WeakMap};

static LAYOUTS: WeakMap<Node, (u32, u32)> = WeakMap::new();
static DEPTHS: WeakMap<Anchor, u32> = WeakMap::new();

mod tables {
    pub static WIDTHS: weakattach::WeakMap<weakattach::Keyed<u8>, u32> =
        weakattach::WeakMap::new();
}

#[derive(WeakKey)]
#[weak_key(side(pub layout: (u32, u32) in LAYOUTS), side(seen: bool))]
struct Node {
    anchor: Anchor,
}

#[derive(WeakKey)]
#[weak_key(side(pub depth: u32 in DEPTHS))]
struct Tree<T>(T, Anchor);

weakattach::sides! {
    trait Sized2 for Keyed<u8> {
        width: u32 in tables::WIDTHS,
        height: u32,
    }
}

fn main() {
    let node = Node { anchor: Anchor::new() };
    node.layout().set((1, 2));
    node.seen().set(true);
    assert_eq!(LAYOUTS.get(&node), Some((1, 2)));
    LAYOUTS.clear();
    assert_eq!(node.layout().get(), None);
    assert_eq!(node.seen().get(), Some(true));

    let a = Tree(1u8, Anchor::new());
    let b = Tree("b", Anchor::new());
    a.depth().set(1);
    b.depth().set(2);
    assert_eq!(DEPTHS.get(b.anchor()), Some(2));
    DEPTHS.clear();
    assert_eq!((a.depth().get(), b.depth().get()), (None, None));
    let _ = (a.0, b.0);

    let cell = Keyed::new(3u8);
    cell.width().set(30);
    cell.height().set(4);
    assert_eq!(tables::WIDTHS.get(&cell), Some(30));
    tables::WIDTHS.clear();
    assert_eq!((cell.width().get(), cell.height().get()), (None, Some(4)));
}
