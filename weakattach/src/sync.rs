//! Every atomic, lock and thread primitive the crate uses comes from here, so
//! that a `cfg(all(loom, feature = "loom"))` build can put loom's models in their place without the
//! rest of the crate noticing.

#[cfg(not(all(loom, feature = "loom")))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

#[cfg(all(loom, feature = "loom"))]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

/// `UnsafeCell` whose accesses loom tracks: each pointer from `get` (shared)
/// or `get_mut` (exclusive) counts as an access for as long as it lives, and
/// loom fails a model in which two such accesses race. Outside loom they are
/// plain pointers.
#[cfg(all(loom, feature = "loom"))]
pub(crate) use loom::cell::{ConstPtr, MutPtr, UnsafeCell};

#[cfg(not(all(loom, feature = "loom")))]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(all(loom, feature = "loom")))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(core::cell::UnsafeCell::new(value))
    }

    #[inline]
    pub(crate) fn get(&self) -> ConstPtr<T> {
        ConstPtr(self.0.get())
    }

    #[inline]
    pub(crate) fn get_mut(&self) -> MutPtr<T> {
        MutPtr(self.0.get())
    }
}

#[cfg(not(all(loom, feature = "loom")))]
pub(crate) struct ConstPtr<T>(*const T);

#[cfg(not(all(loom, feature = "loom")))]
impl<T> ConstPtr<T> {
    /// # Safety
    /// No exclusive access to the cell may overlap the returned borrow.
    #[inline]
    pub(crate) unsafe fn deref(&self) -> &T {
        // SAFETY: the pointer comes from a live cell (the caller's borrow of
        // it outlives `self`), and the caller rules out exclusive access.
        unsafe { &*self.0 }
    }
}

#[cfg(not(all(loom, feature = "loom")))]
pub(crate) struct MutPtr<T>(*mut T);

#[cfg(not(all(loom, feature = "loom")))]
impl<T> MutPtr<T> {
    /// # Safety
    /// No other access to the cell may overlap the returned borrow.
    #[inline]
    #[allow(clippy::mut_from_ref)] // a raw pointer, as in loom
    pub(crate) unsafe fn deref(&self) -> &mut T {
        // SAFETY: as in `ConstPtr::deref`; the caller rules out any other
        // access.
        unsafe { &mut *self.0 }
    }
}

/// The life of a heap block, as loom sees it: [`Lifetime::used`] is a use
/// of the block by a thread that may not be the one to free it, and
/// [`Lifetime::ends`] is its free, so that a free that nothing orders after
/// such a use fails a model, and so does a block never freed (loom's
/// `Track`). Nothing outside loom (a zero-sized field).
pub(crate) struct Lifetime {
    #[cfg(all(loom, feature = "loom"))]
    cell: UnsafeCell<()>,
    #[cfg(all(loom, feature = "loom"))]
    _leak: loom::alloc::Track<()>,
}

#[allow(clippy::unused_self)] // used under loom only
impl Lifetime {
    pub(crate) fn new() -> Self {
        Lifetime {
            #[cfg(all(loom, feature = "loom"))]
            cell: UnsafeCell::new(()),
            #[cfg(all(loom, feature = "loom"))]
            _leak: loom::alloc::Track::new(()),
        }
    }

    #[inline]
    pub(crate) fn used(&self) {
        #[cfg(all(loom, feature = "loom"))]
        drop(self.cell.get());
    }

    #[inline]
    pub(crate) fn ends(&self) {
        #[cfg(all(loom, feature = "loom"))]
        drop(self.cell.get_mut());
    }
}

/// `const fn` normally; a plain `fn` under loom, whose atomics cannot be made
/// in a constant (so a loom build has no `static` tables).
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        #[cfg(not(all(loom, feature = "loom")))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(all(loom, feature = "loom"))]
        $(#[$attr])* $vis fn $($rest)*
    };
}

/// A thread-local with a constant initialiser (no lazy set-up, and no
/// destructor for a type that needs none), or loom's model of one.
macro_rules! thread_local_const {
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(all(loom, feature = "loom")))]
        std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
        #[cfg(all(loom, feature = "loom"))]
        loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}

/// The value of an atomic pointer that is not shared (`&mut`).
pub(crate) fn unshared<T>(atomic: &mut AtomicPtr<T>) -> *mut T {
    #[cfg(not(all(loom, feature = "loom")))]
    {
        *atomic.get_mut()
    }
    #[cfg(all(loom, feature = "loom"))]
    {
        atomic.with_mut(|ptr| *ptr)
    }
}

/// One round of a wait for another thread: a few rounds of spinning, then a
/// yield of the thread, then sleeps that grow to a millisecond, so that a
/// long wait (for another thread's closure) costs next to no processor time.
/// Under loom every round is a yield, which its scheduler explores.
pub(crate) fn backoff(round: &mut u32) {
    *round = round.saturating_add(1);
    #[cfg(all(loom, feature = "loom"))]
    loom::thread::yield_now();
    #[cfg(not(all(loom, feature = "loom")))]
    match *round {
        0..=15 => core::hint::spin_loop(),
        16..=63 => std::thread::yield_now(),
        _ => std::thread::sleep(std::time::Duration::from_micros(
            u64::from(*round - 63).min(1_000),
        )),
    }
}

/// Orders a `SeqCst` read-modify-write before the `SeqCst` load that
/// follows it, as the C++ memory model already does (`SeqCst` operations
/// have one total order), so it is nothing outside loom. loom treats `SeqCst`
/// accesses as `AcqRel` and would report executions that cannot happen; a
/// `SeqCst` fence, which it does model, gives its models the same order.
#[inline]
pub(crate) fn store_load_order() {
    #[cfg(all(loom, feature = "loom"))]
    loom::sync::atomic::fence(Ordering::SeqCst);
}

/// The pointee of `slot`, a pointer that is set once and then owned by the
/// holder of `slot` (made by `Box::into_raw`, freed by that holder): the one
/// already set, or else `make`'s, unless another thread sets one first (then
/// `make`'s is dropped, never having been shared). `SeqCst`, for the callers
/// whose readers of the pointer take part in a `SeqCst` hand-shake.
#[cold]
pub(crate) fn set_once<T>(slot: &AtomicPtr<T>, make: impl FnOnce() -> T) -> *mut T {
    let current = slot.load(Ordering::Acquire);
    if !current.is_null() {
        return current;
    }
    let fresh = Box::into_raw(Box::new(make()));
    match slot.compare_exchange(
        core::ptr::null_mut(),
        fresh,
        Ordering::SeqCst,
        Ordering::Acquire,
    ) {
        Ok(_) => fresh,
        Err(winner) => {
            // SAFETY: `fresh` lost the race and was never shared.
            drop(unsafe { Box::from_raw(fresh) });
            winner
        }
    }
}
