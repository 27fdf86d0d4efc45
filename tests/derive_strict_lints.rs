//! The derive's output passes the strictest lint levels a user may choose:
//! rustc's `warnings` and its allow-by-default lints that apply to derived
//! code, `missing_docs` on public sides declared without docs, and (under
//! `cargo clippy --all-targets -- -D warnings`) `clippy::pedantic` and
//! `clippy::nursery`.

#![deny(
    warnings,
    missing_docs,
    missing_debug_implementations,
    missing_copy_implementations,
    rust_2018_idioms,
    unreachable_pub,
    unused_qualifications,
    unused_lifetimes,
    single_use_lifetimes,
    elided_lifetimes_in_paths,
    trivial_casts,
    trivial_numeric_casts,
    unsafe_code,
    unit_bindings,
    let_underscore_drop
)]
#![deny(clippy::all, clippy::pedantic, clippy::nursery)]

/// Keys with every kind of side declaration.
pub mod keys {
    use weakattach::{Anchor, Keyed, WeakKey};

    /// A user.
    #[derive(WeakKey, Debug, Default)]
    #[weak_key(side(pub visits: u32), side(pub(crate) notes: Vec<String>))]
    #[weak_key(side(
        /// A score only this module sees.
        score: u64
    ))]
    #[weak_key(side(
        #[must_use = "a side does nothing until it is read or written"]
        pub nickname: &'static str
    ))]
    pub struct User {
        /// The user's name.
        pub name: String,
        anchor: Anchor,
    }

    impl User {
        /// A user called `name`.
        #[must_use]
        pub fn new(name: &str) -> Self {
            Self {
                name: name.into(),
                anchor: Anchor::new(),
            }
        }

        /// Adds `points` to the user's score and returns the new score.
        pub fn add_score(&self, points: u64) -> u64 {
            self.score().get_or_insert_with(|| 0);
            self.score()
                .with_mut(|score| {
                    *score += points;
                    *score
                })
                .unwrap_or_default()
        }
    }

    /// A generic key with a borrowed part and a const parameter.
    #[derive(WeakKey, Debug)]
    pub struct Node<'a, T, const N: usize>
    where
        T: Clone + Send,
    {
        /// The values.
        pub values: [T; N],
        /// The parent.
        pub parent: Option<&'a User>,
        /// The identity.
        pub anchor: Anchor,
    }

    /// A key that shares the identity of a user.
    #[derive(WeakKey, Debug)]
    pub struct Admin(#[weak_key(anchor)] pub User, pub u8);

    /// A key made of a foreign value.
    #[derive(WeakKey, Debug)]
    pub struct Label(#[weak_key(anchor)] pub Keyed<&'static str>);

    /// A generic key with a side.
    #[derive(WeakKey, Debug)]
    #[weak_key(side(pub depth: u32))]
    pub struct Tree<T> {
        /// The value.
        pub value: T,
        /// The identity.
        pub anchor: Anchor,
    }

    /// An enum key with a side.
    #[derive(WeakKey, Debug)]
    #[weak_key(side(pub ty: &'static str))]
    pub enum Expr {
        /// A number.
        Literal(i64, Anchor),
        /// A name.
        Name {
            /// The name.
            name: String,
            /// The identity.
            anchor: Anchor,
        },
    }

    weakattach::sides! {
        /// Sides of labels.
        pub trait LabelExt for Label {
            /// The label's width.
            width: u32,
            colour: &'static str,
        }
    }
}

use keys::{Admin, Expr, Label, LabelExt as _, Node, Tree, User};
use weakattach::{Anchor, Keyed, WeakKey, WeakMap};

#[test]
fn strict_lints_pass_and_the_keys_work() {
    let user = User::new("ann");
    user.visits().set(1);
    user.notes().set(vec!["first".into()]);
    user.nickname().set("a");
    assert_eq!(user.visits().get(), Some(1));
    assert_eq!(user.notes().with(Vec::len), Some(1));
    assert_eq!(user.nickname().get(), Some("a"));
    assert_eq!(user.add_score(2), 2);
    assert_eq!(user.add_score(3), 5);
    assert_eq!(user.name, "ann");

    let node = Node {
        values: [1, 2, 3],
        parent: Some(&user),
        anchor: Anchor::new(),
    };
    let sums: WeakMap<Node<'_, i32, 3>, i32> = WeakMap::new();
    sums.insert(&node, node.values.iter().sum());
    assert_eq!(sums.get(&node), Some(6));
    assert!(node.parent.is_some());

    let admin = Admin(User::default(), 2);
    admin.0.visits().set(u32::from(admin.1));
    assert!(std::ptr::eq(admin.anchor(), admin.0.anchor()));
    assert_eq!(admin.0.visits().get(), Some(2));

    let label = Label(Keyed::new("x"));
    assert!(std::ptr::eq(label.anchor(), label.0.anchor()));
    label.width().set(3);
    label.colour().set("red");
    assert_eq!(label.width().get(), Some(3));
    assert_eq!(label.colour().get(), Some("red"));

    let tree = Tree {
        value: 'a',
        anchor: Anchor::new(),
    };
    tree.depth().set(1);
    assert_eq!(tree.depth().get(), Some(1));
    assert_eq!(tree.value, 'a');

    let name = Expr::Name {
        name: "x".into(),
        anchor: Anchor::new(),
    };
    name.ty().set("string");
    assert_eq!(name.ty().get(), Some("string"));
    if let Expr::Name { name: text, .. } = &name {
        assert_eq!(text, "x");
    }
    let literal = Expr::Literal(1, Anchor::new());
    assert_eq!(literal.ty().get(), None);
    if let Expr::Literal(value, _) = literal {
        assert_eq!(value, 1);
    }
}
