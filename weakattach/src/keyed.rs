//! [`Keyed`]: identity for any value.

use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::{Deref, DerefMut};

use crate::{Anchor, WeakKey};

/// A value with an identity: makes any `T` usable as a weak key, a foreign
/// type or a plain integer included.
///
/// `Keyed<T>` derefs to `T`; comparisons, hashing, `Debug` and `Default`
/// forward to `T`. Cloning gives a new identity.
///
/// ```
/// use weakattach::{Keyed, WeakMap};
///
/// let port = Keyed::new(8080_u16);
/// let owners = WeakMap::new();
/// owners.insert(&port, "web server");
///
/// assert_eq!(*port + 1, 8081); // derefs to the value
/// assert_eq!(owners.get(&port), Some("web server"));
/// assert_eq!(owners.get(&Keyed::new(8080)), None); // equal value, other identity
/// ```
pub struct Keyed<T> {
    anchor: Anchor,
    value: T,
}

impl<T> Keyed<T> {
    const_fn! {
        /// Wraps `value` in a fresh identity. Allocates nothing.
        ///
        /// ```
        /// # use weakattach::Keyed;
        /// static ROOT: Keyed<&str> = Keyed::new("/");
        /// assert_eq!(*ROOT, "/");
        /// ```
        pub const fn new(value: T) -> Self {
            Keyed {
                anchor: Anchor::new(),
                value,
            }
        }
    }

    /// Unwraps the value; the identity ends here and its attachments are
    /// dropped.
    ///
    /// ```
    /// # use weakattach::{Keyed, WeakSet};
    /// let set = WeakSet::new();
    /// let k = Keyed::new(String::from("x"));
    /// set.insert(&k);
    /// assert_eq!(k.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> WeakKey for Keyed<T> {
    #[inline]
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

impl<T> Deref for Keyed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Keyed<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T> From<T> for Keyed<T> {
    /// Same as [`Keyed::new`].
    ///
    /// ```
    /// use weakattach::Keyed;
    ///
    /// let name: Keyed<String> = String::from("Ann").into();
    /// assert_eq!(name.len(), 3);
    /// ```
    fn from(value: T) -> Self {
        Keyed::new(value)
    }
}

impl<T: Clone> Clone for Keyed<T> {
    /// A clone of the value, with a new identity.
    ///
    /// ```
    /// use weakattach::{Keyed, WeakMap};
    ///
    /// let tags = WeakMap::new();
    /// let a = Keyed::new(1);
    /// tags.insert(&a, "first");
    /// let b = a.clone();
    /// assert_eq!(a, b); // the same value ...
    /// assert_eq!(tags.get(&b), None); // ... another identity
    /// ```
    fn clone(&self) -> Self {
        Keyed::new(self.value.clone())
    }
}

impl<T: Default> Default for Keyed<T> {
    fn default() -> Self {
        Keyed::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Keyed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Keyed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Keyed<T> {}

impl<T: PartialOrd> PartialOrd for Keyed<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl<T: Ord> Ord for Keyed<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T: Hash> Hash for Keyed<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}
