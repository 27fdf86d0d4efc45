//! [`LazyTable`]: the body of a `WeakMap`, made on first use, so that
//! `WeakMap::new` is `const` and an unused map allocates nothing.

use core::ptr;

use crate::sync::{AtomicPtr, Ordering::Acquire, set_once, unshared};
use crate::table::Core;

pub(crate) struct LazyTable {
    /// Null, or a `Core` made by `Box::into_raw` that this owns; once set it
    /// never changes until `Drop`. Records of keys point to it, so it never
    /// moves.
    ptr: AtomicPtr<Core>,
}

impl LazyTable {
    const_fn! {
        pub(crate) const fn new() -> Self {
            LazyTable {
                ptr: AtomicPtr::new(ptr::null_mut()),
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> Option<&Core> {
        // SAFETY: a non-null pointer is ours and lives until `Drop`.
        unsafe { self.ptr.load(Acquire).as_ref() }
    }

    /// The table, made on first use as a table of `V`s.
    #[inline]
    pub(crate) fn get_or_make<V>(&self) -> &Core {
        match self.get() {
            Some(core) => core,
            None => self.make::<V>(),
        }
    }

    #[cold]
    fn make<V>(&self) -> &Core {
        // SAFETY: as in `get`.
        unsafe { &*set_once(&self.ptr, Core::new::<V>) }
    }
}

impl Drop for LazyTable {
    fn drop(&mut self) {
        let core = unshared(&mut self.ptr);
        if !core.is_null() {
            /// Frees the body once `clear_dropped` is done, also if a
            /// value's drop panics in it (it has then taken every value out
            /// all the same).
            struct Free(*mut Core);
            impl Drop for Free {
                fn drop(&mut self) {
                    // SAFETY: `clear_dropped` has emptied the registry: every
                    // record that pointed to the body is vacant (by the drop
                    // or by its key's release), and every release that read
                    // the body did so under the registry's lock, which the
                    // drop took after them: it is ours alone.
                    drop(unsafe { Box::from_raw(self.0) });
                }
            }
            let free = Free(core);
            // SAFETY: ours (see the field), and no call through the map runs
            // or will run: it is being dropped. Shared until the drop's
            // `clear` returns: keys released on other threads may still read
            // it meanwhile, so it is only borrowed for it.
            unsafe { (*core).clear_dropped() };
            drop(free);
        }
    }
}
