//! [`Side`]: one key's slot in one [`WeakMap`].

use core::fmt;

use crate::{WeakKey, WeakMap};

/// One key's slot in one [`WeakMap`]: a `Copy` handle that reads and writes
/// the value attached to that key, as if it were a field of the key.
///
/// `#[weak_key(side(NAME: TYPE))]` on a derived struct or enum, and
/// [`sides!`](crate::sides!), generate accessors that return a `Side` into a
/// `static` table of their own, keyed by identity alone: one table serves
/// every instantiation of a generic type (and every implementer of a
/// `sides!` trait), so that `table()` of such a side reaches all of their
/// values.
///
/// ```
/// use weakattach::{Anchor, Side, WeakKey, WeakMap};
///
/// #[derive(WeakKey)]
/// struct Node {
///     anchor: Anchor,
/// }
///
/// static COLOR: WeakMap<Node, &str> = WeakMap::new();
///
/// fn color(node: &Node) -> Side<'_, Node, &'static str> {
///     Side::new(&COLOR, node)
/// }
///
/// let n = Node { anchor: Anchor::new() };
/// assert!(!color(&n).is_set());
/// color(&n).set("red");
/// assert_eq!(color(&n).get(), Some("red"));
/// ```
pub struct Side<'a, K: ?Sized + WeakKey, V> {
    pub(crate) table: &'a WeakMap<K, V>,
    pub(crate) key: &'a K,
}

impl<'a, K: ?Sized + WeakKey, V> Side<'a, K, V> {
    /// The slot of `key` in `table`.
    ///
    /// ```
    /// # use weakattach::{Anchor, Side, WeakMap};
    /// let table = WeakMap::new();
    /// let key = Anchor::new();
    /// Side::new(&table, &key).set(1);
    /// assert_eq!(table.get(&key), Some(1));
    /// ```
    pub fn new(table: &'a WeakMap<K, V>, key: &'a K) -> Self
    where
        V: Send + 'static,
    {
        Side { table, key }
    }

    /// A clone of the value, if one is set.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// # let table = WeakMap::new(); let key = Anchor::new();
    /// let side = table.side(&key);
    /// assert_eq!(side.get(), None);
    /// side.set(3);
    /// assert_eq!(side.get(), Some(3));
    /// ```
    #[track_caller]
    pub fn get(&self) -> Option<V>
    where
        V: Clone + Send + 'static,
    {
        self.table.get(self.key)
    }

    /// Sets the value, returning the one it replaces.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// # let table = WeakMap::new(); let key = Anchor::new();
    /// let side = table.side(&key);
    /// assert_eq!(side.set('a'), None);
    /// assert_eq!(side.set('b'), Some('a'));
    /// ```
    #[track_caller]
    pub fn set(&self, value: V) -> Option<V>
    where
        V: Send + 'static,
    {
        self.table.insert(self.key, value)
    }

    /// Unsets the value and returns it.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// # let table = WeakMap::new(); let key = Anchor::new();
    /// let side = table.side(&key);
    /// side.set(1.5);
    /// assert_eq!(side.remove(), Some(1.5));
    /// assert!(!side.is_set());
    /// ```
    #[track_caller]
    pub fn remove(&self) -> Option<V>
    where
        V: Send + 'static,
    {
        self.table.remove(self.key)
    }

    /// Whether a value is set.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// # let table = WeakMap::new(); let key = Anchor::new();
    /// let side = table.side(&key);
    /// assert!(!side.is_set());
    /// side.set(());
    /// assert!(side.is_set());
    /// ```
    pub fn is_set(&self) -> bool
    where
        V: Send + 'static,
    {
        self.table.contains_key(self.key)
    }

    /// Calls `f` with the value, if one is set. See
    /// [`WeakMap::with`].
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// # let table = WeakMap::new(); let key = Anchor::new();
    /// let side = table.side(&key);
    /// side.set(String::from("hello"));
    /// assert_eq!(side.with(|s| s.len()), Some(5));
    /// ```
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        V: Send + 'static,
    {
        self.table.with(self.key, f)
    }

    /// Calls `f` with mutable access to the value, if one is set. See
    /// [`WeakMap::with_mut`].
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// # let table = WeakMap::new(); let key = Anchor::new();
    /// let side = table.side(&key);
    /// side.set(vec![1]);
    /// side.with_mut(|v| v.push(2));
    /// assert_eq!(side.get(), Some(vec![1, 2]));
    /// ```
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut V) -> R) -> Option<R>
    where
        V: Send + 'static,
    {
        self.table.with_mut(self.key, f)
    }

    /// The value, set from `f` first if none is. See
    /// [`WeakMap::get_or_insert_with`].
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// # let table = WeakMap::new(); let key = Anchor::new();
    /// let side = table.side(&key);
    /// assert_eq!(side.get_or_insert_with(|| 7), 7);
    /// assert_eq!(side.get_or_insert_with(|| 8), 7);
    /// ```
    #[track_caller]
    pub fn get_or_insert_with(&self, f: impl FnOnce() -> V) -> V
    where
        V: Clone + Send + 'static,
    {
        self.table.get_or_insert_with(self.key, f)
    }

    /// Calls `f` with this slot's value, storing the result of `make` first
    /// if there is none: [`WeakMap::with_or_insert_with`].
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let layouts: WeakMap<Anchor, Vec<u32>> = WeakMap::new();
    /// let widget = Anchor::new();
    /// let side = layouts.side(&widget);
    /// assert_eq!(side.with_or_insert_with(|| vec![1, 2], Vec::len), 2);
    /// assert_eq!(side.with_or_insert_with(|| unreachable!(), Vec::len), 2);
    /// ```
    #[track_caller]
    pub fn with_or_insert_with<R>(&self, make: impl FnOnce() -> V, f: impl FnOnce(&V) -> R) -> R
    where
        V: Send + 'static,
    {
        self.table.with_or_insert_with(self.key, make, f)
    }

    /// The table this slot belongs to. For a side that an accessor
    /// generates, that is the side's one table, whatever the instantiation
    /// of the key type: its `clear()` clears the side of every instance.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let table: WeakMap<Anchor, u8> = WeakMap::new();
    /// let key = Anchor::new();
    /// assert!(std::ptr::eq(table.side(&key).table(), &table));
    /// ```
    pub fn table(&self) -> &'a WeakMap<K, V> {
        self.table
    }
}

impl<K: ?Sized + WeakKey, V> Clone for Side<'_, K, V> {
    /// A copy: both handles name the same slot.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let table = WeakMap::new();
    /// let key = Anchor::new();
    /// let a = table.side(&key);
    /// let b = a;
    /// a.set(1);
    /// assert_eq!(b.get(), Some(1));
    /// ```
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: ?Sized + WeakKey, V> Copy for Side<'_, K, V> {}

impl<K: ?Sized + WeakKey, V> fmt::Debug for Side<'_, K, V> {
    /// Opaque, like the table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Side").finish_non_exhaustive()
    }
}
