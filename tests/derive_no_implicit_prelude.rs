//! The output of the derive and of `sides!` names everything by an absolute
//! path: it compiles in a module without the prelude, with generics, enums,
//! sides and a runtime path of its own.

#[no_implicit_prelude]
mod no_prelude {
    #[derive(::weakattach::WeakKey)]
    #[weak_key(side(
        /// How often the user visited.
        pub visits: u32
    ), side(pub(crate) tags: ::std::vec::Vec<&'static str>))]
    pub struct User {
        pub name: &'static str,
        pub anchor: ::weakattach::Anchor,
    }

    #[derive(::weakattach::WeakKey)]
    pub struct Node<'a, T: ::core::fmt::Debug, const N: usize>
    where
        T: ::core::clone::Clone,
    {
        pub values: [T; N],
        pub parent: ::core::option::Option<&'a User>,
        pub anchor: ::weakattach::Anchor,
    }

    #[derive(::weakattach::WeakKey)]
    pub struct Admin(#[weak_key(anchor)] pub User, pub u8);

    #[derive(::weakattach::WeakKey)]
    #[weak_key(side(pub count: u32))]
    pub struct Generic<T>(pub T, pub ::weakattach::Anchor);

    #[derive(::weakattach::WeakKey)]
    #[weak_key(side(pub ty: &'static str))]
    pub enum Expr {
        Literal(i64, ::weakattach::Anchor),
        Named {
            name: &'static str,
            #[weak_key(anchor)]
            user: User,
        },
    }

    ::weakattach::sides! {
        /// Sides of a foreign type.
        pub trait LabelExt for ::weakattach::Keyed<&'static str> {
            /// Its width.
            width: u32,
            parents: ::std::vec::Vec<Self>,
        }
    }

    pub mod reexport {
        pub use ::weakattach as wa;
    }

    #[derive(::weakattach::WeakKey)]
    #[weak_key(crate = "self::reexport::wa", side(pub seen: bool))]
    pub struct Reexported {
        pub anchor: reexport::wa::Anchor,
    }
}

use no_prelude::{Admin, Expr, Generic, LabelExt as _, Node, Reexported, User};
use weakattach::{Anchor, WeakKey, WeakMap};

#[test]
fn derived_keys_work_without_the_prelude() {
    let user = User {
        name: "ann",
        anchor: Anchor::new(),
    };
    user.visits().set(1);
    user.visits().with_mut(|v| *v += 1);
    user.tags().set(vec!["admin"]);
    assert_eq!(user.visits().get(), Some(2));
    assert_eq!(user.tags().get(), Some(vec!["admin"]));
    assert_eq!(user.name, "ann");

    let node = Node {
        values: [1, 2],
        parent: Some(&user),
        anchor: Anchor::new(),
    };
    let sums: WeakMap<Node<'_, i32, 2>, i32> = WeakMap::new();
    sums.insert(&node, node.values.iter().sum());
    assert_eq!(sums.get(&node), Some(3));
    assert!(node.parent.is_some());

    let admin = Admin(
        User {
            name: "root",
            anchor: Anchor::new(),
        },
        9,
    );
    assert!(std::ptr::eq(admin.anchor(), admin.0.anchor()));
    admin.0.visits().set(admin.1.into());
    assert_eq!(admin.0.visits().get(), Some(9));

    let reexported = Reexported {
        anchor: Anchor::new(),
    };
    reexported.seen().set(true);
    assert_eq!(reexported.seen().get(), Some(true));

    let generic = Generic(1u8, Anchor::new());
    generic.count().set(u32::from(generic.0));
    assert_eq!(generic.count().get(), Some(1));

    let literal = Expr::Literal(1, Anchor::new());
    literal.ty().set("int");
    assert_eq!(literal.ty().get(), Some("int"));
    if let Expr::Literal(value, _) = literal {
        assert_eq!(value, 1);
    }
    let named = Expr::Named {
        name: "x",
        user: User {
            name: "x",
            anchor: Anchor::new(),
        },
    };
    if let Expr::Named { name, user } = &named {
        assert!(std::ptr::eq(named.anchor(), user.anchor()));
        assert_eq!(*name, "x");
    }

    let label = weakattach::Keyed::new("ok");
    label.width().set(2);
    label.parents().set(vec![weakattach::Keyed::new("root")]);
    assert_eq!(label.width().get(), Some(2));
    assert_eq!(label.parents().with(|p| *p[0]), Some("root"));
}
