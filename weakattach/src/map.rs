//! [`WeakMap`]: values attached to keys by identity.

use core::fmt;
use core::marker::PhantomData;

use crate::WeakKey;
use crate::lazy::LazyTable;
use crate::node::Node;
use crate::side::Side;
use crate::table::Core;

/// A map from instances to values that does not keep its keys alive: when a
/// key is dropped, its value is dropped with it, at once.
///
/// The key type `K` is a type with identity: a struct that derives
/// [`WeakKey`], [`Anchor`](crate::Anchor), [`Keyed<T>`](crate::Keyed), or `dyn Trait` where
/// `Trait: WeakKey`. Entries are found by the key's identity, not by its
/// value, and nothing can list the keys or count them, exactly as with
/// JavaScript's `WeakMap`.
///
/// All methods take `&self`: a `WeakMap` is a concurrent table, usable from
/// many threads at once and from a `static`. Values must be `Send + 'static`,
/// because a key may be dropped on any thread and its values with it.
///
/// ```
/// use weakattach::{Anchor, WeakKey, WeakMap};
///
/// #[derive(WeakKey)]
/// struct User {
///     name: String,
///     anchor: Anchor,
/// }
///
/// static VISITS: WeakMap<User, u32> = WeakMap::new();
///
/// let john = User { name: "John".into(), anchor: Anchor::new() };
/// VISITS.insert(&john, 1);
/// VISITS.with_mut(&john, |visits| *visits += 1);
/// assert_eq!(VISITS.get(&john), Some(2));
///
/// drop(john); // and the count is gone with him
/// ```
///
/// A table of `dyn Trait` keys (`Trait: WeakKey`) takes any instance, of any
/// lifetime:
///
/// ```
/// use weakattach::{Anchor, WeakKey, WeakMap};
///
/// trait Shape: WeakKey {}
///
/// #[derive(WeakKey)]
/// struct Circle<'a> {
///     name: &'a str,
///     anchor: Anchor,
/// }
/// impl Shape for Circle<'_> {}
///
/// static AREAS: WeakMap<dyn Shape, f64> = WeakMap::new();
///
/// fn remember(shape: &dyn Shape, area: f64) {
///     AREAS.insert(shape, area);
/// }
///
/// let name = String::from("unit");
/// let circle = Circle { name: &name, anchor: Anchor::new() };
/// remember(&circle, 3.14);
/// assert_eq!(AREAS.get(&circle), Some(3.14));
/// # let _ = circle.name;
/// ```
///
/// # Smart pointers
///
/// A table of `Dog`s accepts `&Rc<Dog>`, `&Box<Dog>` or `&Arc<Dog>` by deref
/// coercion once its key type is known. Name it: with
/// `let m = WeakMap::new(); m.insert(&rc_dog, 1);` the compiler infers
/// `K = Rc<Dog>`, which has no identity of its own, and rejects it.
///
/// ```
/// # use std::rc::Rc;
/// # use weakattach::{Anchor, WeakKey, WeakMap};
/// # #[derive(WeakKey)] struct Dog { anchor: Anchor }
/// let rc_dog = Rc::new(Dog { anchor: Anchor::new() });
/// let names: WeakMap<Dog, &str> = WeakMap::new();
/// names.insert(&rc_dog, "Snickers");
/// assert_eq!(names.get(&rc_dog), Some("Snickers"));
/// ```
///
/// # Locking
///
/// A key's values live with the key, one *entry* per table, each with a lock
/// word of its own; the table keeps only a registry of its entries. Lookups
/// (`get`, `with`, and `get_or_insert` when the key has a value) take no lock
/// on the entry: they count themselves in the table's reader slot of the
/// calling thread and only read the entry, so lookups on any number of
/// threads run at once and do not slow each other down. `contains_key` does
/// not even count itself. A write of an existing entry (`insert` over a
/// value, `remove`, `with_mut`, `clear`) locks that entry and waits until the
/// lookups of the table that may not have seen the lock are done, as with an
/// `RwLock`; attaching a key that is new to the table waits for no lookup.
/// So a table is `Sync` when its values are `Send + Sync`, like an `RwLock`.
///
/// `with`, `with_mut` and the cloning getters run user code (the closure,
/// `V::clone`): `with` as a lookup of the table, `with_mut` with its entry to
/// itself. Meanwhile, another thread's writes of existing entries of the
/// table wait for a `with`, and its calls on the same entry wait for a
/// `with_mut`; so a closure that blocks on another thread can deadlock.
/// Calls on *other* tables from inside the closure work; as with nested
/// locks, two threads that nest the same two tables in opposite orders can
/// deadlock each other, so nest tables in one order. Calls on the *same*
/// table from the code it runs work when they only read (any entry, inside
/// `with`) or touch other entries (inside `with_mut`); one that would wait
/// for the running code itself (a write of an existing entry inside `with`,
/// the closure's own entry inside `with_mut`, `clear`) panics with a message
/// that says so. It never hangs.
///
/// A key dropped while user code runs on the table does not wait, and its
/// value is dropped before its drop returns, as always.
// `repr(transparent)`: the layout is `LazyTable`'s whatever `K` is, so that
// `retyped` may view a map under another key type.
#[repr(transparent)]
pub struct WeakMap<K: ?Sized + WeakKey, V> {
    /// Entries are found by the `Anchor` of a key, whatever its type: `K`
    /// is only the type of the keys the methods take. Nothing a map keeps
    /// may depend on `K`, since `retyped` (and through it `Side::table` of a
    /// generated side, and `side(.. in TABLE)`) views one map under several
    /// key types.
    table: LazyTable,
    /// Keys are only borrowed; values are owned. `Send` and `Sync` are
    /// written out below, so that a rejected value type is reported against
    /// `WeakMap` itself rather than against a private field.
    _marker: PhantomData<(KeyMarker<K>, *const V)>,
}

/// Keys are only ever borrowed by a map, never stored, so a map may be
/// covariant in its key type: a `WeakMap<dyn Trait, V>` (`dyn Trait +
/// 'static`) also takes `&(dyn Trait + 'a)` keys.
type KeyMarker<K> = fn() -> *const K;

// SAFETY: a map moves its values to whichever thread drops a key or the
// map, so sending or sharing it needs `V: Send`. Its lookups (`get`, `with`)
// share `&V` with the threads that look up at the same time, so sharing it
// also needs `V: Sync`; everything else reaches a value from one thread at a
// time. That is the contract of `RwLock<V>`. The map holds no keys, so `K`
// does not matter.
unsafe impl<K: ?Sized + WeakKey, V: Send> Send for WeakMap<K, V> {}
// SAFETY: as for `Send` above.
unsafe impl<K: ?Sized + WeakKey, V: Send + Sync> Sync for WeakMap<K, V> {}

impl<K: ?Sized + WeakKey, V> WeakMap<K, V> {
    /// This map, as a map of keys of type `T`: the same entries, found by
    /// the same anchors, since a key of any type is looked up by its
    /// `anchor()`. One `static` table of a side then serves every type whose
    /// side it is.
    pub(crate) fn retyped<T: ?Sized + WeakKey>(&self) -> &WeakMap<T, V> {
        let map: *const WeakMap<K, V> = self;
        // SAFETY: both types are `repr(transparent)` over the one
        // `LazyTable` (the key type is in a zero-sized marker only), so the
        // pointer is valid, aligned and initialised for `WeakMap<T, V>`, and
        // the borrow keeps `self`'s lifetime. Nothing a map does depends on
        // its key type beyond calling `anchor()` on the keys it is given,
        // and its `Send` and `Sync` depend on `V` alone, which is unchanged.
        unsafe { &*map.cast::<WeakMap<T, V>>() }
    }
}

impl<K: ?Sized + WeakKey, V> WeakMap<K, V> {
    const_fn! {
        /// An empty map. `const`, so it can initialise a `static`; allocates
        /// nothing until the first insert.
        ///
        /// ```
        /// use weakattach::{Keyed, WeakMap};
        ///
        /// static LABELS: WeakMap<Keyed<u32>, String> = WeakMap::new();
        /// let n = Keyed::new(7);
        /// LABELS.insert(&n, "seven".to_owned());
        /// assert_eq!(LABELS.get(&n).as_deref(), Some("seven"));
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            WeakMap {
                table: LazyTable::new(),
                _marker: PhantomData,
            }
        }
    }
}

impl<K: ?Sized + WeakKey, V> WeakMap<K, V> {
    /// The map's body and `key`'s node, if both exist (if not, the key has
    /// no value here).
    #[inline]
    fn found<'a>(&'a self, key: &'a K) -> Option<(&'a Core, &'a Node)> {
        Some((self.table.get()?, key.anchor().node()?))
    }

    /// Attaches `value` to `key`, returning the value it replaces.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map = WeakMap::new();
    /// let key = Anchor::new();
    /// assert_eq!(map.insert(&key, 1), None);
    /// assert_eq!(map.insert(&key, 2), Some(1));
    /// ```
    #[track_caller]
    pub fn insert(&self, key: &K, value: V) -> Option<V>
    where
        V: Send + 'static,
    {
        // SAFETY: the map's body is a table of `V`s: it is only ever made by
        // `get_or_make::<V>`.
        unsafe { self.table.get_or_make::<V>().insert(key.anchor(), value) }
    }

    /// A clone of the value attached to `key`.
    ///
    /// The clone is made in place, during the lookup. For a value that is
    /// shared by cloning a handle, such as an `Arc`, every `get` of one key
    /// on every thread writes the one reference count, and threads that do
    /// that at once slow each other down (while lookups of the table
    /// otherwise do not): use [`with`](WeakMap::with), or
    /// [`with_or_insert_with`](WeakMap::with_or_insert_with) to memoise, to
    /// read the value in place instead.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map = WeakMap::new();
    /// let key = Anchor::new();
    /// assert_eq!(map.get(&key), None);
    /// map.insert(&key, "value");
    /// assert_eq!(map.get(&key), Some("value"));
    /// ```
    #[inline]
    #[track_caller]
    pub fn get(&self, key: &K) -> Option<V>
    where
        V: Clone + Send + 'static,
    {
        self.with(key, V::clone)
    }

    /// Whether a value is attached to `key`.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map = WeakMap::new();
    /// let key = Anchor::new();
    /// map.insert(&key, ());
    /// assert!(map.contains_key(&key));
    /// assert!(!map.contains_key(&Anchor::new()));
    /// ```
    #[inline]
    pub fn contains_key(&self, key: &K) -> bool
    where
        V: Send + 'static,
    {
        self.found(key)
            .is_some_and(|(table, node)| table.contains(node))
    }

    /// Detaches and returns the value attached to `key`.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map = WeakMap::new();
    /// let key = Anchor::new();
    /// map.insert(&key, 5);
    /// assert_eq!(map.remove(&key), Some(5));
    /// assert_eq!(map.remove(&key), None);
    /// ```
    #[track_caller]
    pub fn remove(&self, key: &K) -> Option<V>
    where
        V: Send + 'static,
    {
        let (table, node) = self.found(key)?;
        // SAFETY: as in `insert`.
        unsafe { table.remove(node) }
    }

    /// Calls `f` with the value attached to `key`, if any, and returns its
    /// result. `f` runs as a lookup of the table, so other threads' writes of
    /// existing entries of this table wait for it: see [Locking](#locking).
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map = WeakMap::new();
    /// let key = Anchor::new();
    /// map.insert(&key, vec![1, 2, 3]);
    /// assert_eq!(map.with(&key, |v| v.len()), Some(3));
    /// ```
    #[inline]
    #[track_caller]
    pub fn with<R>(&self, key: &K, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        V: Send + 'static,
    {
        let (table, node) = self.found(key)?;
        // SAFETY: as in `insert`.
        unsafe { table.with(node, f) }
    }

    /// Calls `f` with mutable access to the value attached to `key`, if any,
    /// and returns its result. See [Locking](#locking).
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map = WeakMap::new();
    /// let key = Anchor::new();
    /// map.insert(&key, 1);
    /// map.with_mut(&key, |n| *n += 1);
    /// assert_eq!(map.get(&key), Some(2));
    /// ```
    #[track_caller]
    pub fn with_mut<R>(&self, key: &K, f: impl FnOnce(&mut V) -> R) -> Option<R>
    where
        V: Send + 'static,
    {
        let (table, node) = self.found(key)?;
        // SAFETY: as in `insert`.
        unsafe { table.with_mut(node, f) }
    }

    /// The value attached to `key`, attaching `value` first if there is none.
    /// An unused `value` is dropped.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map = WeakMap::new();
    /// let key = Anchor::new();
    /// assert_eq!(map.get_or_insert(&key, 1), 1);
    /// assert_eq!(map.get_or_insert(&key, 2), 1);
    /// ```
    #[track_caller]
    pub fn get_or_insert(&self, key: &K, value: V) -> V
    where
        V: Clone + Send + 'static,
    {
        match self.get(key) {
            Some(stored) => {
                // The unused value goes first, with no lock held: if its
                // `Drop` panics, `stored` is still a local and is dropped
                // too (a return value would leak, rust-lang/rust#47949).
                drop(value);
                stored
            }
            None => self.with_or_insert_with(key, || value, V::clone),
        }
    }

    /// The value attached to `key`, attaching the result of `f` first if
    /// there is none.
    ///
    /// If the key has a value, `f` does not run. `f` runs with no lock held,
    /// so it may use any table, this one included. If another caller stores a
    /// value for the key while `f` runs, the first stored value wins: it is
    /// returned to every racing caller and the other values are dropped. If
    /// `f` panics, the map is unchanged.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let cache = WeakMap::new();
    /// let key = Anchor::new();
    /// let mut runs = 0;
    /// let expensive = || { runs += 1; 42 };
    /// assert_eq!(cache.get_or_insert_with(&key, expensive), 42);
    /// assert_eq!(cache.get_or_insert_with(&key, || unreachable!()), 42);
    /// assert_eq!(runs, 1);
    /// ```
    #[track_caller]
    pub fn get_or_insert_with(&self, key: &K, f: impl FnOnce() -> V) -> V
    where
        V: Clone + Send + 'static,
    {
        self.with_or_insert_with(key, f, V::clone)
    }

    /// Calls `f` with the value attached to `key`, attaching the result of
    /// `make` first if there is none, and returns what `f` returns.
    ///
    /// The same as [`get_or_insert_with`](WeakMap::get_or_insert_with), but
    /// `f` borrows the stored value instead of cloning it: for values that
    /// are not `Clone`, or costly to clone, or shared by threads that should
    /// not all touch one reference count (see [`get`](WeakMap::get)). `make`
    /// runs with no lock held and only if the key has no value; if another
    /// caller stores a value meanwhile, the first stored value wins and is
    /// the one `f` sees. `f` runs with the entry read-locked, as in
    /// [`with`](WeakMap::with).
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// // A memo of values that are not `Clone`.
    /// struct Layout { width: u32 }
    /// let layouts: WeakMap<Anchor, Layout> = WeakMap::new();
    /// let widget = Anchor::new();
    /// let width = layouts.with_or_insert_with(&widget, || Layout { width: 80 }, |l| l.width);
    /// assert_eq!(width, 80);
    /// let again = layouts.with_or_insert_with(&widget, || unreachable!(), |l| l.width);
    /// assert_eq!(again, 80);
    /// ```
    #[track_caller]
    pub fn with_or_insert_with<R>(
        &self,
        key: &K,
        make: impl FnOnce() -> V,
        f: impl FnOnce(&V) -> R,
    ) -> R
    where
        V: Send + 'static,
    {
        // SAFETY: as in `insert`.
        unsafe {
            self.table
                .get_or_make::<V>()
                .with_or_insert(key.anchor(), make, f)
        }
    }

    /// Drops every value of the map. The keys stay valid and can be attached
    /// again. If a value's drop panics, the others are still dropped, then
    /// the panic continues.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map = WeakMap::new();
    /// let key = Anchor::new();
    /// map.insert(&key, 1);
    /// map.clear();
    /// assert_eq!(map.get(&key), None);
    /// ```
    #[track_caller]
    pub fn clear(&self)
    where
        V: Send + 'static,
    {
        if let Some(table) = self.table.get() {
            table.clear();
        }
    }

    /// The slot of `key` in this map, as a handle that can be passed around.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let scores = WeakMap::new();
    /// let player = Anchor::new();
    /// let score = scores.side(&player);
    /// score.set(10);
    /// score.with_mut(|s| *s += 5);
    /// assert_eq!(score.get(), Some(15));
    /// ```
    pub fn side<'a>(&'a self, key: &'a K) -> Side<'a, K, V>
    where
        V: Send + 'static,
    {
        Side::new(self, key)
    }
}

impl<K: ?Sized + WeakKey, V> Default for WeakMap<K, V> {
    /// An empty map, as [`WeakMap::new`].
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map: WeakMap<Anchor, u8> = WeakMap::default();
    /// assert!(!map.contains_key(&Anchor::new()));
    /// ```
    fn default() -> Self {
        WeakMap::new()
    }
}

impl<K: ?Sized + WeakKey, V> fmt::Debug for WeakMap<K, V> {
    /// Opaque: a weak map shows neither its keys nor its values.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let map: WeakMap<Anchor, u8> = WeakMap::new();
    /// assert_eq!(format!("{map:?}"), "WeakMap { .. }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakMap").finish_non_exhaustive()
    }
}

impl<'a, K: ?Sized + WeakKey + 'a, V: Send + 'static> FromIterator<(&'a K, V)> for WeakMap<K, V> {
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let (a, b) = (Anchor::new(), Anchor::new());
    /// let map: WeakMap<Anchor, u8> = [(&a, 1), (&b, 2)].into_iter().collect();
    /// assert_eq!(map.get(&b), Some(2));
    /// ```
    fn from_iter<I: IntoIterator<Item = (&'a K, V)>>(iter: I) -> Self {
        let mut map = WeakMap::new();
        map.extend(iter);
        map
    }
}

impl<'a, K: ?Sized + WeakKey + 'a, V: Send + 'static> Extend<(&'a K, V)> for WeakMap<K, V> {
    /// Inserts each pair; a later pair for the same key replaces an earlier.
    ///
    /// ```
    /// # use weakattach::{Anchor, WeakMap};
    /// let a = Anchor::new();
    /// let mut map = WeakMap::new();
    /// map.extend([(&a, 1), (&a, 2)]);
    /// assert_eq!(map.get(&a), Some(2));
    /// ```
    fn extend<I: IntoIterator<Item = (&'a K, V)>>(&mut self, iter: I) {
        for (key, value) in iter {
            self.insert(key, value);
        }
    }
}
