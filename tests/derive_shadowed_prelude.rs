//! The derive's output names nothing that user code can shadow: here the
//! prelude's names, the runtime's item names and even `weakattach` itself
//! mean something else at the root of the crate.

#![allow(dead_code, non_camel_case_types, non_upper_case_globals, unused_macros)]

struct Option;
struct Some;
struct None;
struct Result;
struct Ok;
struct Err;
struct Box;
struct Vec;
struct String;
trait Clone {}
trait Copy {}
trait Send {}
trait Sync {}
trait Sized {}
trait Default {}
trait Drop {}
trait Fn {}
trait Into {}
struct WeakKey;
struct Anchor;
struct Side;
struct WeakMap;
struct __private;
const TABLE: u8 = 0;
const WEAKATTACH_SIDE_TABLE: u8 = 0;
const identity: u8 = 0;
mod weakattach {}
mod core {}
mod std {}
macro_rules! unimplemented {
    () => {
        compile_error!("the derive used a shadowed `unimplemented!`")
    };
}

#[derive(::weakattach::WeakKey)]
#[weak_key(side(pub visits: u32), side(notes: ::std::vec::Vec<&'static str>))]
struct User {
    name: &'static str,
    anchor: ::weakattach::Anchor,
}

#[derive(::weakattach::WeakKey)]
struct Node<T: ::core::clone::Clone, const N: usize>(
    [T; N],
    #[weak_key(anchor)] ::weakattach::Keyed<u8>,
)
where
    T: ::core::marker::Send;

#[derive(::weakattach::WeakKey)]
#[weak_key(crate = "::weakattach", side(pub level: u8))]
struct Admin {
    #[weak_key(anchor)]
    user: User,
}

#[derive(::weakattach::WeakKey)]
#[weak_key(side(pub weight: u16))]
enum Shape<T> {
    Circle(T, ::weakattach::Anchor),
    Square {
        side: T,
        anchor: ::weakattach::Anchor,
    },
}

::weakattach::sides! {
    trait UserExt for User {
        score: u64,
        friends: ::std::vec::Vec<&'static str>,
    }
    pub(crate) trait AnchorExt for ::weakattach::Anchor {
        seen: bool,
    }
}

#[test]
fn derived_keys_ignore_shadowed_names() {
    use ::core::option::Option::Some;
    use ::weakattach::WeakKey as _;

    let user = User {
        name: "ann",
        anchor: ::weakattach::Anchor::new(),
    };
    user.visits().set(3);
    user.notes().set(::std::vec!["a"]);
    ::std::assert_eq!(user.visits().get(), Some(3));
    ::std::assert_eq!(user.notes().get(), Some(::std::vec!["a"]));
    ::std::assert_eq!(user.name, "ann");

    let node = Node([1u8, 2], ::weakattach::Keyed::new(7));
    ::std::assert!(::core::ptr::eq(node.anchor(), node.1.anchor()));
    let table: ::weakattach::WeakMap<Node<u8, 2>, u8> = ::weakattach::WeakMap::new();
    table.insert(&node, node.0[1]);
    ::std::assert_eq!(table.get(&node), Some(2));

    let admin = Admin { user };
    admin.level().set(1);
    ::std::assert_eq!(admin.level().get(), Some(1));
    ::std::assert_eq!(
        admin.user.visits().get(),
        Some(3),
        "the admin shares the user's identity"
    );
    ::std::assert!(::core::ptr::eq(admin.anchor(), admin.user.anchor()));

    let circle = Shape::Circle(1u8, ::weakattach::Anchor::new());
    let square = Shape::Square {
        side: 2u8,
        anchor: ::weakattach::Anchor::new(),
    };
    circle.weight().set(1);
    ::std::assert_eq!(circle.weight().get(), Some(1));
    ::std::assert_eq!(square.weight().get(), ::core::option::Option::None);
    if let (Shape::Circle(a, _), Shape::Square { side, .. }) = (&circle, &square) {
        ::std::assert_eq!(a + side, 3);
    }

    let user = &admin.user;
    UserExt::score(user).set(5);
    UserExt::friends(user).set(::std::vec!["bo"]);
    ::std::assert_eq!(UserExt::score(user).get(), Some(5));
    ::std::assert_eq!(UserExt::friends(user).get(), Some(::std::vec!["bo"]));
    let anchor = ::weakattach::Anchor::new();
    AnchorExt::seen(&anchor).set(true);
    ::std::assert_eq!(AnchorExt::seen(&anchor).get(), Some(true));
}
