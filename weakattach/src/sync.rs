//! Every atomic, lock and thread primitive the crate uses comes from here, so
//! that a `cfg(loom)` build can put loom's models in their place without the
//! rest of the crate noticing.

#[cfg(not(loom))]
pub(crate) use core::hint::spin_loop;
#[cfg(not(loom))]
pub(crate) use std::sync::{
    Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak,
    atomic::{AtomicBool, AtomicPtr, AtomicU8, Ordering},
};
#[cfg(not(loom))]
pub(crate) use std::thread::yield_now;

#[cfg(loom)]
pub(crate) use loom::hint::spin_loop;
#[cfg(loom)]
pub(crate) use loom::sync::{
    Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicPtr, AtomicU8, Ordering},
};
#[cfg(loom)]
pub(crate) use loom::thread::yield_now;
// loom has no `Weak`; the reference counts of a table are not what the loom
// models explore, so std's `Arc` stands in for them.
#[cfg(loom)]
pub(crate) use std::sync::{Arc, PoisonError, Weak};

/// `const fn` normally; a plain `fn` under loom, whose atomics cannot be made
/// in a constant (so a loom build has no `static` tables).
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}

/// A thread-local with a constant initialiser (no lazy set-up, and no
/// destructor for a type that needs none), or loom's model of one.
macro_rules! thread_local_const {
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(loom))]
        std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
        #[cfg(loom)]
        loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}

/// Locks `mutex`, ignoring poison: no lock of this crate is held while user
/// code runs, so a poisoned one still guards consistent data.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The value of an atomic pointer that is not shared (`&mut`).
pub(crate) fn unshared<T>(atomic: &mut AtomicPtr<T>) -> *mut T {
    #[cfg(not(loom))]
    {
        *atomic.get_mut()
    }
    #[cfg(loom)]
    {
        atomic.with_mut(|ptr| *ptr)
    }
}
