//! [`WeakSet`]: a set of instances that does not keep them alive.

use core::fmt;

use crate::{WeakKey, WeakMap};

/// A set of instances that does not keep them alive: a dropped key leaves
/// the set at once. Like JavaScript's `WeakSet`, it can answer "is this one
/// in?" but cannot list or count its members.
///
/// The key type and the locking rules are those of [`WeakMap`].
///
/// ```
/// use weakattach::{Anchor, WeakKey, WeakSet};
///
/// #[derive(WeakKey)]
/// struct Message {
///     text: String,
///     anchor: Anchor,
/// }
///
/// let read = WeakSet::new();
/// let hello = Message { text: "hello".into(), anchor: Anchor::new() };
/// let bye = Message { text: "bye".into(), anchor: Anchor::new() };
///
/// read.insert(&hello);
/// assert!(read.contains(&hello));
/// assert!(!read.contains(&bye));
/// ```
pub struct WeakSet<K: ?Sized + WeakKey> {
    map: WeakMap<K, ()>,
}

impl<K: ?Sized + WeakKey> WeakSet<K> {
    const_fn! {
        /// An empty set; `const`, and allocates nothing until the first insert.
        ///
        /// ```
        /// use weakattach::{Anchor, WeakSet};
        /// static SEEN: WeakSet<Anchor> = WeakSet::new();
        /// # assert!(!SEEN.contains(&Anchor::new()));
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            WeakSet {
                map: WeakMap::new(),
            }
        }
    }

    /// Adds `key`; `true` if it was not in the set.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakSet};
    /// let set = WeakSet::new();
    /// let key = Anchor::new();
    /// assert!(set.insert(&key));
    /// assert!(!set.insert(&key));
    /// ```
    #[track_caller]
    pub fn insert(&self, key: &K) -> bool {
        self.map.insert(key, ()).is_none()
    }

    /// Whether `key` is in the set.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakSet};
    /// let set = WeakSet::new();
    /// let key = Anchor::new();
    /// assert!(!set.contains(&key));
    /// set.insert(&key);
    /// assert!(set.contains(&key));
    /// ```
    #[inline]
    pub fn contains(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// Removes `key`; `true` if it was in the set.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakSet};
    /// let set = WeakSet::new();
    /// let key = Anchor::new();
    /// set.insert(&key);
    /// assert!(set.remove(&key));
    /// assert!(!set.remove(&key));
    /// ```
    #[track_caller]
    pub fn remove(&self, key: &K) -> bool {
        self.map.remove(key).is_some()
    }

    /// Empties the set. The keys stay valid.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakSet};
    /// let set = WeakSet::new();
    /// let key = Anchor::new();
    /// set.insert(&key);
    /// set.clear();
    /// assert!(!set.contains(&key));
    /// ```
    #[track_caller]
    pub fn clear(&self) {
        self.map.clear();
    }
}

impl<K: ?Sized + WeakKey> Default for WeakSet<K> {
    /// An empty set, as [`WeakSet::new`].
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakSet};
    /// let set: WeakSet<Anchor> = WeakSet::default();
    /// assert!(!set.contains(&Anchor::new()));
    /// ```
    fn default() -> Self {
        WeakSet::new()
    }
}

impl<K: ?Sized + WeakKey> fmt::Debug for WeakSet<K> {
    /// Opaque: a weak set shows none of its members.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakSet};
    /// let set: WeakSet<Anchor> = WeakSet::new();
    /// assert_eq!(format!("{set:?}"), "WeakSet { .. }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSet").finish_non_exhaustive()
    }
}

impl<'a, K: ?Sized + WeakKey + 'a> FromIterator<&'a K> for WeakSet<K> {
    /// ```
    /// # use weakattach::{Anchor, WeakSet};
    /// let (a, b) = (Anchor::new(), Anchor::new());
    /// let set: WeakSet<Anchor> = [&a, &b].into_iter().collect();
    /// assert!(set.contains(&a) && set.contains(&b));
    /// ```
    fn from_iter<I: IntoIterator<Item = &'a K>>(iter: I) -> Self {
        let set = WeakSet::new();
        for key in iter {
            set.insert(key);
        }
        set
    }
}

impl<'a, K: ?Sized + WeakKey + 'a> Extend<&'a K> for WeakSet<K> {
    /// ```
    /// # use weakattach::{Anchor, WeakSet};
    /// let a = Anchor::new();
    /// let mut set = WeakSet::new();
    /// set.extend([&a]);
    /// assert!(set.contains(&a));
    /// ```
    fn extend<I: IntoIterator<Item = &'a K>>(&mut self, iter: I) {
        for key in iter {
            self.insert(key);
        }
    }
}
