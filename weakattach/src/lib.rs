//! Attach data to Rust values by their identity, and have it dropped the
//! moment they are: JavaScript's `WeakMap` and `WeakSet`, .NET's
//! `ConditionalWeakTable`, for Rust structs.
//!
//! # The story
//!
//! Put an object in a `Vec` or use it as a `HashMap` key and the collection
//! keeps it alive. A *weak* map is the other way round: it holds data *about*
//! an object, found by the object's identity, and the data goes when the
//! object goes. Nothing can list a weak map's keys or count them, so nothing
//! can bring a dead key back.
//!
//! A struct gets an identity from an [`Anchor`] field and
//! `#[derive(WeakKey)]`. Then any code can attach data to its instances, in a
//! [`WeakMap`], a [`WeakSet`], or a side field declared on the struct:
//!
//! ```
//! use weakattach::{Anchor, WeakKey, WeakMap, WeakSet};
//!
//! #[derive(WeakKey)]
//! #[weak_key(side(pub visits: u32))]
//! struct User {
//!     name: String,
//!     anchor: Anchor,
//! }
//!
//! let john = User { name: "John".into(), anchor: Anchor::new() };
//!
//! let roles: WeakMap<User, &str> = WeakMap::new();
//! roles.insert(&john, "admin");
//!
//! let online: WeakSet<User> = WeakSet::new();
//! online.insert(&john);
//!
//! john.visits().set(1);
//! john.visits().with_mut(|n| *n += 1);
//!
//! assert_eq!(roles.get(&john), Some("admin"));
//! assert!(online.contains(&john));
//! assert_eq!(john.visits().get(), Some(2));
//!
//! drop(john); // the role, the membership and the visit count are dropped here
//! ```
//!
//! Keys with no identity of their own are rejected at compile time:
//!
//! ```compile_fail
//! use weakattach::WeakMap;
//! let ages: WeakMap<&str, u8> = WeakMap::new(); // `&str` cannot be used as a weak key
//! ```
//!
//! # Guarantees
//!
//! 1. **Identity is the anchor, not the address.** Moving a key keeps its
//!    entries; a clone is a new identity; identities are never reused, so a
//!    new key never sees a dead key's entries.
//! 2. **Prompt reclamation.** When a key is dropped, its values in every live
//!    table are dropped before the drop returns, and their memory with them:
//!    a key's values live in a small node that the key owns, not in the
//!    tables. A key dropped while another release runs on the same thread (a
//!    value that owns keys) joins that release, which drops everything before
//!    the outermost drop returns. A closure running on a table holds only its
//!    own entry, so it holds up no other key's values; only a value that a
//!    `clear` of its table is already holding, on another thread, is dropped
//!    by that `clear` instead, before it returns.
//! 3. **Tables own their values.** Dropping a table, or [`WeakMap::clear`],
//!    drops all its values before it returns.
//! 4. **No deadlocks, no unbounded recursion.** Values may own keys to any
//!    depth; keys may be dropped anywhere; a key's drop never waits. See
//!    [`WeakMap`'s locking rules](WeakMap#locking).
//! 5. **Panics do not poison.** A panic in a closure, a factory or a value's
//!    `Drop` leaves every table usable.
//! 6. **Threads.** Tables work from many threads at once and from `static`s;
//!    lookups write nothing that another thread's lookups touch, so they do
//!    not slow each other down.
//! 7. **Unattached keys are free.** An [`Anchor`] is one word; a key that was
//!    never attached allocates nothing.
//! 8. **No observation without the key.**
//!
//! A value that owns its own key (an `Arc` of it, say) keeps that key alive,
//! as in Java's `WeakHashMap`: store a `Weak` instead. `mem::forget` on a key
//! leaks its entries, nothing worse.
//!
//! # Features
//!
//! - `derive` (default): `#[derive(WeakKey)]` and [`sides!`], from
//!   `weakattach-derive`.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod sync;

mod anchor;
mod keyed;
mod lazy;
mod lock;
mod map;
mod node;
mod readers;
mod record;
mod reentrancy;
mod registry;
mod release;
mod set;
mod side;
mod table;
mod value;

pub use crate::anchor::{Anchor, WeakKey};
pub use crate::keyed::Keyed;
pub use crate::map::WeakMap;
pub use crate::set::WeakSet;
pub use crate::side::Side;

/// Derives [`WeakKey`](trait@WeakKey) for a struct or an enum with an
/// identity field.
///
/// The identity field is the one marked `#[weak_key(anchor)]`, or else the one
/// field whose type is written `Anchor` (or `…::Anchor`). A marked field may
/// be any `WeakKey` type, so a struct can share the identity of an inner key.
/// On an enum, every variant needs its own identity field, by the same rule;
/// a variant without one is an error that names it.
///
/// Attributes on the type:
/// - `#[weak_key(side(VIS NAME: TYPE))]`, repeatable: generates
///   `VIS fn NAME(&self) -> Side<'_, Self, TYPE>`, a side field stored in a
///   `static` table of its own, keyed by the instance's identity; doc
///   comments inside `side(...)` document the accessor. On a type with
///   generic parameters, `TYPE` must not name them: one table serves every
///   instantiation.
/// - `#[weak_key(side(VIS NAME: TYPE in TABLE))]`: the same side, kept in a
///   `static TABLE: WeakMap<K, TYPE>` of your own (`K` is any key type:
///   `Self`, or `Anchor` for a generic type), so that code without a key can
///   reach it, to `clear()` every instance's value, say.
/// - `#[weak_key(crate = "path")]`: the path of `weakattach` for crates that
///   re-export it.
///
/// For a type defined in another crate, declare sides with [`sides!`].
///
/// ```
/// use weakattach::{Anchor, WeakKey};
///
/// #[derive(WeakKey)]
/// #[weak_key(side(
///     /// How often the page was viewed.
///     pub views: u64
/// ))]
/// struct Page {
///     url: String,
///     anchor: Anchor,
/// }
///
/// #[derive(WeakKey)]
/// struct Admin {
///     #[weak_key(anchor)]
///     page: Page,
///     level: u8,
/// }
///
/// #[derive(WeakKey)]
/// #[weak_key(side(pub ty: &'static str))]
/// enum Expr<S> {
///     Literal(i64, S, Anchor),
///     Neg { inner: Box<Expr<S>>, anchor: Anchor },
/// }
///
/// let admin = Admin { page: Page { url: "/".into(), anchor: Anchor::new() }, level: 1 };
/// admin.page.views().set(3);
/// // `Admin` shares the identity of its page:
/// assert!(std::ptr::eq(admin.anchor(), admin.page.anchor()));
///
/// let one = Expr::Literal(1, "1..2", Anchor::new());
/// let neg = Expr::Neg { inner: Box::new(one), anchor: Anchor::new() };
/// neg.ty().set("int");
/// assert_eq!(neg.ty().get(), Some("int"));
/// # let _ = (&admin.page.url, admin.level);
/// ```
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use weakattach_derive::WeakKey;

/// Side fields for a key type of any crate, declared in any crate: an
/// extension trait with one accessor per field.
///
/// ```text
/// sides! {
///     VIS trait NAME for KEY_TYPE {
///         FIELD: TYPE,
///         ..
///     }
///     ..
/// }
/// ```
///
/// generates `VIS trait NAME: WeakKey` with
/// `fn FIELD(&self) -> Side<'_, Self, TYPE>` for each field, and its impl for
/// `KEY_TYPE` (where the accessors return `Side<'_, KEY_TYPE, TYPE>`; a
/// `Self` in a field's `TYPE` is `KEY_TYPE` too). Each field is kept in a `static` table of its own, keyed by
/// the instance's identity, so its values are dropped with the instance, as
/// a side declared by the derive is; bring the trait into scope to call its
/// accessors. Doc comments and attributes on the trait and on each field go
/// onto the generated trait and its methods (a `#[cfg(..)]` onto the impl
/// too). One `sides!` may declare several traits; two traits for one key
/// type are independent of each other, even if their fields share names.
/// The accessors are the trait's provided methods, and their tables are
/// keyed by identity alone: a type of this crate that also implements the
/// trait gets sides of its own in the same tables, which never mix, since no
/// two keys share an identity.
///
/// `KEY_TYPE` is any concrete key type: a struct or enum that derives
/// [`WeakKey`](trait@WeakKey) in any crate, [`Anchor`], [`Keyed<T>`](Keyed)
/// of a concrete `T`, or `dyn Trait` for a `trait Trait: WeakKey`. A field's
/// `TYPE` must be `Send + Sync + 'static`, since the table is a `static`.
/// `FIELD: TYPE in TABLE` keeps a field in a `static TABLE: WeakMap<K, TYPE>`
/// of your own instead (any key type `K`), which code without a key can
/// reach, to `clear()` it, say.
/// Misuse is a compile error on the tokens to change: a key type without
/// identity, a field type that is not `Send + Sync + 'static`, a duplicate
/// field, a field named `anchor` (it would hide `WeakKey::anchor`), or a
/// malformed declaration.
///
/// JavaScript has no equivalent: its private class fields are weak maps
/// keyed by instances, but only the class itself can declare them.
///
/// ```
/// use std::sync::Arc;
///
/// use weakattach::{Keyed, sides};
///
/// // A type of another crate, given identity by `Keyed`.
/// type Widget = Keyed<String>;
///
/// sides! {
///     /// What this crate attaches to widgets it does not own.
///     pub trait WidgetExt for Widget {
///         /// How often the widget was clicked.
///         clicks: u32,
///         owner: Arc<str>,
///     }
/// }
///
/// let button = Widget::new("OK".to_owned());
/// button.clicks().set(1);
/// button.clicks().with_mut(|n| *n += 1);
/// button.owner().set("dialog".into());
/// assert_eq!(button.clicks().get(), Some(2));
/// assert_eq!(button.owner().get().as_deref(), Some("dialog"));
/// drop(button); // its clicks and owner are dropped here
/// ```
///
/// A `dyn Trait` key works the same way:
///
/// ```
/// use weakattach::{Anchor, WeakKey, sides};
///
/// trait Shape: WeakKey {
///     fn area(&self) -> f64;
/// }
///
/// #[derive(WeakKey)]
/// struct Square {
///     side: f64,
///     anchor: Anchor,
/// }
///
/// impl Shape for Square {
///     fn area(&self) -> f64 {
///         self.side * self.side
///     }
/// }
///
/// sides! {
///     trait Cached for dyn Shape {
///         cached_area: f64,
///     }
/// }
///
/// let square = Square { side: 3.0, anchor: Anchor::new() };
/// let shape: &dyn Shape = &square;
/// assert_eq!(shape.cached_area().get_or_insert_with(|| shape.area()), 9.0);
/// assert!(shape.cached_area().is_set());
/// ```
///
/// Key types without identity are rejected:
///
/// ```compile_fail
/// weakattach::sides! {
///     trait Ages for String { // `String` cannot be used as a weak key
///         age: u8,
///     }
/// }
/// ```
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
#[macro_export]
macro_rules! sides {
    ($($declarations:tt)*) => {
        $crate::__private::sides! { crate = $crate; $($declarations)* }
    };
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;

/// Not public API: items the code generated by `#[derive(WeakKey)]` and
/// `sides!` refers to. Their names and signatures may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use core::unimplemented;

    #[cfg(feature = "derive")]
    pub use weakattach_derive::sides;

    use crate::{Side, WeakKey, WeakMap};

    /// The slot of `key` in a side's `static` table, of any key type: the
    /// hidden tables are keyed by `Anchor`, so that one table serves each
    /// instantiation of a generic key type, and each implementer of a
    /// `sides!` trait, as the accessor's `Side<'_, Self, V>`; a table named
    /// with `in TABLE` has the key type its owner chose. Without
    /// `Side::new`'s `V: Send + 'static` bound: the `static` already
    /// requires `V: Send`, and one error about it is enough. Every method of
    /// `Side` keeps the bound.
    pub fn side<'a, T: ?Sized + WeakKey, K: ?Sized + WeakKey, V>(
        table: &'a WeakMap<T, V>,
        key: &'a K,
    ) -> Side<'a, K, V> {
        Side {
            table: table.retyped(),
            key,
        }
    }
}
