//! [`LazyTable`]: the table of a `WeakMap`, made on first use, so that
//! `WeakMap::new` is `const` and an unused map allocates nothing.

use core::ptr;

use crate::sync::{
    Arc, AtomicPtr,
    Ordering::{AcqRel, Acquire},
    unshared,
};
use crate::table::Table;

/// The lazily made table of a `WeakMap`, so that `WeakMap::new` is `const`
/// and an unused map allocates nothing.
pub(crate) struct LazyTable<V> {
    /// Null, or a pointer from `Arc::into_raw` whose strong count this owns;
    /// once set it never changes until `Drop`.
    ptr: AtomicPtr<Table<V>>,
}

impl<V> LazyTable<V> {
    const_fn! {
        pub(crate) const fn new() -> Self {
            LazyTable {
                ptr: AtomicPtr::new(ptr::null_mut()),
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> Option<&Table<V>> {
        let table = self.ptr.load(Acquire);
        // SAFETY: a non-null pointer is kept alive by our strong count.
        (!table.is_null()).then(|| unsafe { &*table })
    }

    /// The table, made on first use; as an `Arc` borrowed from ours.
    pub(crate) fn get_or_make(&self) -> ArcRef<'_, V> {
        let mut table = self.ptr.load(Acquire);
        if table.is_null() {
            table = self.make();
        }
        // SAFETY: `table` came from `Arc::into_raw` and our strong count keeps
        // it alive; `ManuallyDrop` keeps this copy from decrementing it.
        ArcRef(
            core::mem::ManuallyDrop::new(unsafe { Arc::from_raw(table) }),
            core::marker::PhantomData,
        )
    }

    #[cold]
    fn make(&self) -> *mut Table<V> {
        let fresh = Arc::into_raw(Arc::new(Table::new())).cast_mut();
        match self
            .ptr
            .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
        {
            Ok(_) => fresh,
            Err(winner) => {
                // SAFETY: `fresh` lost the race and was never shared.
                drop(unsafe { Arc::from_raw(fresh) });
                winner
            }
        }
    }
}

impl<V> Drop for LazyTable<V> {
    fn drop(&mut self) {
        let table = unshared(&mut self.ptr);
        if !table.is_null() {
            // SAFETY: as in `get_or_make`; this gives our strong count back.
            let table = unsafe { Arc::from_raw(table) };
            table.clear();
        }
    }
}

/// An `Arc<Table<V>>` on loan from a [`LazyTable`].
pub(crate) struct ArcRef<'a, V>(
    core::mem::ManuallyDrop<Arc<Table<V>>>,
    core::marker::PhantomData<&'a LazyTable<V>>,
);

impl<V> core::ops::Deref for ArcRef<'_, V> {
    type Target = Arc<Table<V>>;
    fn deref(&self) -> &Arc<Table<V>> {
        &self.0
    }
}
