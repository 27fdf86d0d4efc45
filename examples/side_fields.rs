//! Side fields: data declared on a struct but stored outside it, attached to
//! each instance by identity and dropped with it.
//!
//! ```text
//! cargo run --example side_fields
//! ```
//!
//! `#[weak_key(side(VIS NAME: TYPE))]` generates `VIS fn NAME(&self) ->
//! Side<'_, Self, TYPE>`, backed by one `static` table per declaration,
//! keyed by the instance's identity. The struct itself does not grow: it
//! still holds only its own fields and one `Anchor` word. Doc comments on a
//! declaration document the accessor, and its visibility is the accessor's.
//! A generic struct declares sides the same way, as long as their types do
//! not name its parameters: one table then serves every instantiation.
//!
//! A crate that uses a key type without owning it declares its sides with
//! `weakattach::sides!`: an extension trait with one accessor per field.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use weakattach::{Anchor, Side, WeakMap};

mod widgets {
    use std::sync::Arc;

    use weakattach::{Anchor, WeakKey, WeakMap};

    /// What a button runs when it is clicked.
    pub type Handler = Arc<dyn Fn() + Send + Sync>;

    /// Every button's tooltip: code with no button at hand can reach it.
    pub static TOOLTIPS: WeakMap<Button, String> = WeakMap::new();

    #[derive(WeakKey, Debug)]
    #[weak_key(
        side(
            /// How many times the button was clicked.
            pub clicks: u32
        ),
        side(
            /// What runs on a click, if anything.
            pub on_click: Handler
        ),
        side(
            /// Text shown when the pointer rests on the button, kept in a
            /// table of this module's own: `TOOLTIPS`.
            pub(crate) tooltip: String in TOOLTIPS
        ),
        side(
            /// Private to this module: the last user who clicked.
            last_user: &'static str
        )
    )]
    pub struct Button {
        pub label: String,
        anchor: Anchor,
    }

    impl Button {
        pub fn new(label: &str) -> Self {
            Button {
                label: label.to_owned(),
                anchor: Anchor::new(),
            }
        }

        /// Counts the click, remembers who made it, runs the handler.
        pub fn click(&self, user: &'static str) {
            let clicks = self.clicks();
            clicks.get_or_insert_with(|| 0);
            clicks.with_mut(|n| *n += 1);
            self.last_user().set(user);
            // `get` clones the handler out, so it runs with no lock held.
            if let Some(handler) = self.on_click().get() {
                handler();
            }
        }

        pub fn last_clicked_by(&self) -> Option<&'static str> {
            self.last_user().get()
        }
    }
}

use widgets::Button;

/// A generic tree: its `depth` side is one table for every `Tree<T>`.
#[derive(weakattach::WeakKey)]
#[weak_key(side(pub depth: u32))]
struct Tree<T> {
    value: T,
    anchor: Anchor,
}

/// Stands for a crate that uses `widgets::Button` without owning it: it
/// cannot add a `side(..)` to the struct, so it declares its own sides.
mod analytics {
    weakattach::sides! {
        /// What analytics attaches to buttons it does not own.
        pub trait ButtonStats for crate::widgets::Button {
            /// How often the pointer passed over the button.
            hovers: u32,
        }
    }
}

use analytics::ButtonStats as _;

/// A side field written by hand: what the derive generates, minus the
/// attribute. Any module can attach data to `Button` this way.
fn color(button: &Button) -> Side<'_, Button, &'static str> {
    static COLOR: WeakMap<Button, &'static str> = WeakMap::new();
    Side::new(&COLOR, button)
}

/// `Side` is `Copy`: a slot can be passed around like a reference.
fn bump_twice(counter: Side<'_, Button, u32>) {
    for _ in 0..2 {
        counter.with_mut(|n| *n += 1);
    }
}

/// A generic struct's side, and sides declared by a crate that does not own
/// the key type.
fn generic_and_downstream_sides(ok: &Button, cancel: &Button) {
    println!("\n== Sides of a generic struct");
    let root = Tree {
        value: "root",
        anchor: Anchor::new(),
    };
    let leaf = Tree {
        value: 42_u64,
        anchor: Anchor::new(),
    };
    root.depth().set(0);
    leaf.depth().set(1);
    assert_eq!((root.depth().get(), leaf.depth().get()), (Some(0), Some(1)));
    println!(
        "Tree<&str> {:?} has depth {:?}, Tree<u64> {} has depth {:?}: one table, keyed by identity",
        root.value,
        root.depth().get(),
        leaf.value,
        leaf.depth().get()
    );

    println!("\n== sides! for a type of another crate");
    ok.hovers().set(3);
    assert_eq!(ok.hovers().get(), Some(3));
    assert_eq!(cancel.hovers().get(), None);
    println!(
        "analytics::ButtonStats: ok.hovers() = {:?}, cancel.hovers() = {:?}",
        ok.hovers().get(),
        cancel.hovers().get()
    );
}

/// Clearing a side for every instance: through `table()`, or through a
/// table of one's own that needs no button to reach.
fn reset_for_every_button(ok: &Button, cancel: &Button) {
    println!("\n== table(): the WeakMap behind a side field");
    ok.clicks().table().clear();
    assert_eq!((ok.clicks().get(), cancel.clicks().get()), (None, None));
    println!("ok.clicks().table().clear() reset every button's clicks");
    ok.tooltip().set("Confirm".into());
    cancel.tooltip().set("Close".into());
    widgets::TOOLTIPS.clear();
    assert!(!ok.tooltip().is_set() && !cancel.tooltip().is_set());
    println!(
        "`tooltip: String in TOOLTIPS`: TOOLTIPS.clear() reset every tooltip, no button needed"
    );
}

fn main() {
    println!("== Declared side fields");
    let ok = Button::new("OK");
    let cancel = Button::new("Cancel");
    assert!(!ok.clicks().is_set());
    println!("a new button has nothing set: ok.clicks().is_set() == false");

    let pressed = Arc::new(AtomicU32::new(0));
    let handler_count = Arc::clone(&pressed);
    let old = ok.on_click().set(Arc::new(move || {
        handler_count.fetch_add(1, Relaxed);
    }));
    assert!(old.is_none());
    ok.tooltip().set("Confirm the dialog".to_owned());

    ok.click("ann");
    ok.click("bob");
    cancel.click("ann");
    assert_eq!(ok.clicks().get(), Some(2));
    assert_eq!(cancel.clicks().get(), Some(1));
    assert_eq!(ok.last_clicked_by(), Some("bob"));
    assert_eq!(pressed.load(Relaxed), 2);
    println!(
        "OK clicked by ann and bob, Cancel by ann: ok.clicks() = {:?}, cancel.clicks() = {:?}",
        ok.clicks().get(),
        cancel.clicks().get()
    );
    println!(
        "the OK handler ran {} times; the last click on OK was by {:?}",
        pressed.load(Relaxed),
        ok.last_clicked_by()
    );

    println!("\n== The Side handle");
    let tooltip = ok.tooltip();
    let len = tooltip.with(String::len);
    tooltip.with_mut(|text| text.push('.'));
    assert_eq!(len, Some(18));
    assert_eq!(tooltip.get().as_deref(), Some("Confirm the dialog."));
    println!(
        "with(String::len) = {len:?}; with_mut appended a dot: {:?}",
        tooltip.get()
    );
    assert_eq!(
        cancel.tooltip().get_or_insert_with(|| "Close".into()),
        "Close"
    );
    assert_eq!(
        cancel.tooltip().get_or_insert_with(|| unreachable!()),
        "Close"
    );
    println!(
        "get_or_insert_with set Cancel's tooltip once: {:?}",
        cancel.tooltip().get()
    );
    assert_eq!(cancel.tooltip().remove().as_deref(), Some("Close"));
    assert!(!cancel.tooltip().is_set());
    println!(
        "remove() took it back out; is_set() == {}",
        cancel.tooltip().is_set()
    );

    bump_twice(ok.clicks());
    assert_eq!(ok.clicks().get(), Some(4));
    println!(
        "bump_twice(ok.clicks()) took the slot by value: ok.clicks() = {:?}",
        ok.clicks().get()
    );

    generic_and_downstream_sides(&ok, &cancel);

    println!("\n== A hand-written side field");
    color(&ok).set("green");
    assert_eq!(color(&ok).get(), Some("green"));
    assert_eq!(color(&cancel).get(), None);
    println!(
        "color(&ok) = {:?}, color(&cancel) = {:?}",
        color(&ok).get(),
        color(&cancel).get()
    );

    reset_for_every_button(&ok, &cancel);

    println!("\n== Side fields go with the instance");
    assert_eq!(Arc::strong_count(&pressed), 2);
    println!("the handler's counter has 2 owners: `pressed` and the handler in ok.on_click()");
    let label = ok.label.clone();
    drop(ok);
    assert_eq!(Arc::strong_count(&pressed), 1);
    println!("drop(ok): 1 owner left, the {label:?} button's handler was dropped with it");
    assert_eq!(
        size_of::<Button>(),
        size_of::<String>() + size_of::<Anchor>()
    );
    println!(
        "a Button is {} bytes: its label ({}) and one Anchor ({}), whatever side fields it declares",
        size_of::<Button>(),
        size_of::<String>(),
        size_of::<Anchor>()
    );
    drop(cancel);
}
