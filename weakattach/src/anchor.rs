//! Identity: the [`Anchor`] and the [`WeakKey`] trait.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::ptr;

use crate::node::Node;
use crate::release;
use crate::sync::{
    AtomicPtr,
    Ordering::{AcqRel, Acquire, Release},
    unshared,
};

/// The identity of one instance: the field that makes a struct usable as a
/// weak key.
///
/// An `Anchor` is one machine word. It stays null, and costs nothing, until
/// its owner is first attached to a table; from then on it owns a small heap
/// node that holds the key's entries: its values live with the key, not in
/// the tables. When the anchor is dropped, every value attached to it, in
/// every table, is dropped with it, and the node is freed.
///
/// Identity belongs to the anchor, not to an address: moving the owner keeps
/// its entries. A clone is a *new* identity with nothing attached, and all
/// anchors compare equal and hash alike, so that a struct's derived
/// `PartialEq`, `Ord` and `Hash` compare its data and ignore its identity.
///
/// ```
/// use weakattach::{Anchor, WeakKey, WeakMap};
///
/// #[derive(WeakKey, Clone, PartialEq, Debug)]
/// struct Dog {
///     name: String,
///     anchor: Anchor,
/// }
///
/// let notes: WeakMap<Dog, &str> = WeakMap::new();
/// let rex = Dog { name: "Rex".into(), anchor: Anchor::new() };
/// notes.insert(&rex, "good dog");
///
/// let twin = rex.clone();
/// assert_eq!(rex, twin); // equal data ...
/// assert_eq!(notes.get(&twin), None); // ... but another identity
///
/// let moved = Box::new(rex);
/// assert_eq!(notes.get(&moved), Some("good dog")); // identity moves along
/// ```
///
/// Because an anchor is attached lazily through `&self`, it holds an atomic
/// pointer, and Clippy's `mutable_key_type` lint flags `HashMap` keys that
/// contain one. `Anchor`'s `Hash` and `Eq` never read that pointer: allow the
/// lint, or list `weakattach::Anchor` under `ignore-interior-mutability` in
/// `clippy.toml`.
pub struct Anchor {
    /// Null until the anchor is first attached. Once set, it never changes
    /// and points to a `Node` made by `Box::into_raw` that this anchor owns:
    /// the node is freed by the release that starts in `Anchor::drop`, and
    /// by nothing else.
    node: AtomicPtr<Node>,
}

impl Anchor {
    const_fn! {
        /// A fresh identity with nothing attached. Allocates nothing.
        ///
        /// ```
        /// use weakattach::{Anchor, WeakSet};
        ///
        /// static SEEN: WeakSet<Anchor> = WeakSet::new();
        /// let a = Anchor::new();
        /// assert!(SEEN.insert(&a));
        /// assert!(SEEN.contains(&a));
        /// assert!(!SEEN.contains(&Anchor::new()));
        /// ```
        #[must_use]
        pub const fn new() -> Anchor {
            Anchor {
                node: AtomicPtr::new(ptr::null_mut()),
            }
        }
    }

    /// The node of this identity, if it was ever attached (if not, no table
    /// holds anything for it).
    #[inline]
    pub(crate) fn node(&self) -> Option<&Node> {
        // SAFETY: a non-null `node` is the anchor's own node (see the
        // field), alive as long as the anchor, which `&self` borrows.
        unsafe { self.node.load(Acquire).as_ref() }
    }

    /// Makes `fresh` the node of this identity, unless it has one: then that
    /// one is returned as the error, and `fresh` stays the caller's.
    pub(crate) fn publish(&self, fresh: *mut Node) -> Result<&Node, &Node> {
        let result = if cfg!(weakattach_mutant = "publish_unchecked") {
            // Broken: a look, then a store, which two first attaches of one
            // key on two threads can both pass.
            match self.node.load(Acquire) {
                none if none.is_null() => {
                    self.node.store(fresh, Release);
                    Ok(none)
                }
                winner => Err(winner),
            }
        } else {
            self.node
                .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
        };
        // SAFETY: either way the pointer is now the anchor's node, alive as
        // long as `&self` (see the field).
        match result {
            Ok(_) => Ok(unsafe { &*fresh }),
            Err(winner) => Err(unsafe { &*winner }),
        }
    }
}

impl Drop for Anchor {
    fn drop(&mut self) {
        let node = unshared(&mut self.node);
        if !node.is_null() {
            // SAFETY: the node is owned by this anchor (see the field's
            // invariant) and `&mut self` proves that nothing borrows it any
            // more, so ownership passes to the release.
            unsafe { release::release(node) };
        }
    }
}

impl Default for Anchor {
    /// Same as [`Anchor::new`].
    ///
    /// ```
    /// use weakattach::{Anchor, WeakKey};
    ///
    /// #[derive(WeakKey, Default)]
    /// struct Session {
    ///     user: String,
    ///     anchor: Anchor,
    /// }
    /// let session = Session::default();
    /// # let _ = &session.user;
    /// ```
    fn default() -> Self {
        Anchor::new()
    }
}

impl Clone for Anchor {
    /// A new identity, with nothing attached.
    ///
    /// ```
    /// use weakattach::{Anchor, WeakSet};
    ///
    /// let seen = WeakSet::new();
    /// let a = Anchor::new();
    /// seen.insert(&a);
    /// assert!(!seen.contains(&a.clone()));
    /// ```
    fn clone(&self) -> Self {
        Anchor::new()
    }
}

impl fmt::Debug for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.node().is_some() {
            f.write_str("Anchor(attached)")
        } else {
            f.write_str("Anchor(unattached)")
        }
    }
}

/// All anchors are equal, so that identity never changes how the data of a
/// struct compares.
impl PartialEq for Anchor {
    fn eq(&self, _: &Anchor) -> bool {
        true
    }
}

impl Eq for Anchor {}

impl PartialOrd for Anchor {
    fn partial_cmp(&self, other: &Anchor) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Anchor {
    fn cmp(&self, _: &Anchor) -> core::cmp::Ordering {
        core::cmp::Ordering::Equal
    }
}

/// Hashes nothing: all anchors are equal.
impl Hash for Anchor {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

/// A type whose instances have an identity, and so can key a [`WeakMap`] or a
/// [`WeakSet`].
///
/// Implement it with `#[derive(WeakKey)]` on a struct with an [`Anchor`]
/// field, or wrap any value in [`Keyed`]. A `dyn Trait` is a key type when
/// `Trait: WeakKey`.
///
/// Values such as `i32`, `&str`, tuples or `Rc<T>` have no identity of their
/// own (two equal integers are the same integer; an `Rc` is one of many
/// handles), so they do not implement this trait:
///
/// ```compile_fail
/// let ages: weakattach::WeakMap<i32, u8> = weakattach::WeakMap::new();
/// ```
///
/// Implementing the trait by hand is safe: whatever anchor `anchor` returns
/// is the identity, and its drop releases the values.
///
/// [`WeakMap`]: crate::WeakMap
/// [`WeakSet`]: crate::WeakSet
/// [`Keyed`]: crate::Keyed
///
/// ```
/// use weakattach::{Anchor, WeakKey};
///
/// struct Window {
///     title: String,
///     identity: Anchor,
/// }
///
/// impl WeakKey for Window {
///     fn anchor(&self) -> &Anchor {
///         &self.identity
///     }
/// }
/// # let w = Window { title: String::new(), identity: Anchor::new() };
/// # let _ = (&w.title, w.anchor());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a weak key: it has no instance identity",
    label = "`{Self}` has no identity to attach data to",
    note = "weak keys are structs and enums that `#[derive(WeakKey)]` with an `Anchor` field, `Anchor` itself, `Keyed<T>`, or `dyn Trait` where `Trait: WeakKey`",
    note = "to key by a value without identity, wrap it once in `weakattach::Keyed` and keep the wrapper; for `Rc<T>`, `Box<T>` or `&T` of a key type, name the key type: `WeakMap<T, _>`"
)]
pub trait WeakKey {
    /// The anchor that carries this instance's identity.
    ///
    /// ```
    /// use weakattach::{Anchor, WeakKey};
    ///
    /// let a = Anchor::new();
    /// assert!(std::ptr::eq(a.anchor(), &a));
    /// ```
    fn anchor(&self) -> &Anchor;
}

impl WeakKey for Anchor {
    #[inline]
    fn anchor(&self) -> &Anchor {
        self
    }
}
