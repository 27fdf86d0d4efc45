//! The type-level promises of the public API, checked when this file
//! compiles: which types are keys, which traits the tables, `Anchor`, `Keyed`
//! and `Side` implement, and which ones they deliberately lack (no `Clone`, no
//! iteration of a table). The tests at the end check at run time what can be
//! seen there.

use std::cell::Cell;
use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;
use std::sync::Arc;
use std::thread;

use weakattach::{Anchor, Keyed, Side, WeakKey, WeakMap, WeakSet};

/// Small wrappers over `static_assertions`, named after the property they
/// check, so that the checks below read as a list of promises.
mod check {
    /// Each type can key a `WeakMap` or a `WeakSet`.
    macro_rules! key {
        ($($ty:ty),+ $(,)?) => {
            $(static_assertions::assert_impl_all!($ty: weakattach::WeakKey);)+
        };
    }

    /// Each type has no identity of its own and cannot key a table.
    macro_rules! not_key {
        ($($ty:ty),+ $(,)?) => {
            $(static_assertions::assert_not_impl_any!($ty: weakattach::WeakKey);)+
        };
    }

    /// Each type can be sent to and shared between threads.
    macro_rules! thread_safe {
        ($($ty:ty),+ $(,)?) => {
            $(static_assertions::assert_impl_all!($ty: Send, Sync);)+
        };
    }

    /// Each type can be neither sent to nor shared with another thread.
    macro_rules! thread_bound {
        ($($ty:ty),+ $(,)?) => {
            $(
                static_assertions::assert_not_impl_any!($ty: Send);
                static_assertions::assert_not_impl_any!($ty: Sync);
            )+
        };
    }

    /// Each type is not `Clone` (nor, therefore, `Copy`).
    macro_rules! not_clone {
        ($($ty:ty),+ $(,)?) => {
            $(static_assertions::assert_not_impl_any!($ty: Clone);)+
        };
    }

    /// Nothing iterates each table type: not by value, not through `&` or
    /// `&mut`, and it is no iterator itself.
    macro_rules! not_iterable {
        ($($ty:ty),+ $(,)?) => {
            $(
                static_assertions::assert_not_impl_any!($ty: IntoIterator, Iterator);
                static_assertions::assert_not_impl_any!(&'static $ty: IntoIterator);
                static_assertions::assert_not_impl_any!(&'static mut $ty: IntoIterator);
            )+
        };
    }

    /// Each type is exactly one machine word.
    macro_rules! one_word {
        ($($ty:ty),+ $(,)?) => {
            $(static_assertions::const_assert_eq!(
                ::core::mem::size_of::<$ty>(),
                ::core::mem::size_of::<usize>()
            );)+
        };
    }

    pub(crate) use {key, not_clone, not_iterable, not_key, one_word, thread_bound, thread_safe};
}

/// A key type with a hand-written impl, as `#[derive(WeakKey)]` would make.
struct Dog {
    anchor: Anchor,
}

impl WeakKey for Dog {
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

/// A trait whose objects are keys.
trait Pet: WeakKey {}

impl<T> Pet for Keyed<T> {}

// Keys: the valid key types, and the identity-less ones that are rejected.
const _: () = {
    check::key!(
        Anchor,
        Dog,
        Keyed<u8>,
        Keyed<String>,
        Keyed<Rc<u8>>,
        dyn Pet
    );
    check::not_key!(
        i32,
        u64,
        bool,
        char,
        f64,
        str,
        &'static str,
        String,
        (),
        (Dog, Dog)
    );
    check::not_key!(
        [Dog; 1],
        [Dog],
        Vec<Dog>,
        Option<Dog>,
        &'static Dog,
        &'static mut Dog
    );
    check::not_key!(Box<Dog>, Rc<Dog>, Arc<Dog>, Box<dyn Pet>, dyn Debug);
};

// `Anchor`: one word, thread-safe, unwind-safe, a fresh identity on `Clone`
// and never silently copied.
const _: () = {
    check::one_word!(Anchor);
    check::thread_safe!(Anchor);
    static_assertions::assert_impl_all!(Anchor: Unpin, UnwindSafe, RefUnwindSafe);
    static_assertions::assert_impl_all!(Anchor: Default, Clone, Debug, Eq, Ord, Hash);
    static_assertions::assert_not_impl_any!(Anchor: Copy);
    static_assertions::assert_not_impl_any!(Keyed<u8>: Copy);
};

// Tables: `Send` whenever their values are, `Sync` when their values are
// `Send + Sync` (like an `RwLock`, whatever the key type, since a table holds
// no key), never cloned, never iterated.
const _: () = {
    check::thread_safe!(WeakMap<Dog, u32>, WeakMap<Dog, String>, WeakMap<dyn Pet, u8>);
    check::thread_safe!(WeakMap<Keyed<Rc<u8>>, u8>);
    // Lookups on two threads at once share `&V`: a `Cell` may not be shared.
    static_assertions::assert_impl_all!(WeakMap<Dog, Cell<u8>>: Send);
    static_assertions::assert_not_impl_any!(WeakMap<Dog, Cell<u8>>: Sync);
    check::thread_safe!(WeakSet<Dog>, WeakSet<dyn Pet>, WeakSet<Keyed<Rc<u8>>>);
    check::thread_bound!(WeakMap<Dog, Rc<u8>>, WeakMap<Dog, *const u8>);
    static_assertions::assert_impl_all!(WeakMap<Dog, u32>: Default, Debug, RefUnwindSafe);
    static_assertions::assert_impl_all!(WeakSet<Dog>: Default, Debug, RefUnwindSafe);
    check::not_clone!(WeakMap<Dog, u32>, WeakMap<Anchor, ()>, WeakSet<Dog>, WeakSet<Anchor>);
    check::not_iterable!(WeakMap<Dog, u32>, WeakMap<Anchor, ()>, WeakSet<Dog>, WeakSet<Anchor>);
};

// `Side`: a copyable handle, whatever its value type.
const _: () = {
    static_assertions::assert_impl_all!(Side<'static, Dog, u32>: Copy, Debug);
    static_assertions::assert_impl_all!(Side<'static, Dog, String>: Copy);
    static_assertions::assert_impl_all!(Side<'static, dyn Pet, Vec<u8>>: Copy);
};

#[test]
fn anchor_is_one_machine_word() {
    assert_eq!(size_of::<Anchor>(), size_of::<usize>());
    #[cfg(target_pointer_width = "64")]
    assert_eq!(size_of::<Anchor>(), 8);
}

#[test]
fn copies_of_a_side_share_one_slot() {
    let table: WeakMap<Dog, u32> = WeakMap::new();
    let rex = Dog {
        anchor: Anchor::new(),
    };
    let side = table.side(&rex);
    let copy = side;
    side.set(1);
    assert_eq!(copy.get(), Some(1));
    copy.with_mut(|n| *n += 1);
    assert_eq!(table.get(&rex), Some(2));
}

#[test]
fn dyn_keys_find_their_values() {
    let names: WeakMap<dyn Pet, &str> = WeakMap::new();
    let rex = Keyed::new(7_u8);
    let tom = Keyed::new(7_u8);
    names.insert(&rex, "Rex");
    assert_eq!(names.get(&rex), Some("Rex"));
    assert_eq!(names.get(&tom), None);
}

#[test]
fn static_table_of_thread_bound_keys_is_used_from_threads() {
    static SEEN: WeakSet<Keyed<Rc<u8>>> = WeakSet::new();
    let seen_elsewhere = thread::spawn(|| {
        let key = Keyed::new(Rc::new(1));
        SEEN.insert(&key) && SEEN.contains(&key)
    });
    let key = Keyed::new(Rc::new(2));
    assert!(!SEEN.contains(&key));
    assert!(SEEN.insert(&key));
    assert!(seen_elsewhere.join().unwrap());
    assert!(SEEN.contains(&key));
}
