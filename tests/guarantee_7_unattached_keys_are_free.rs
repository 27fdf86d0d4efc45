//! SPEC §4, guarantee 7: **unattached keys are free.** An `Anchor` is one
//! machine word; creating, cloning and dropping a key that was never attached
//! allocates nothing. And what attaching costs comes back when the keys die.
//!
//! A counting global allocator measures this binary's allocations, per thread
//! (tests run in parallel on threads of their own, so each one only sees its
//! own allocations).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::cmp::Ordering;
use std::hint::black_box;
use std::mem;

use common::hash_of;
use weakattach::{Anchor, Keyed, Side, WeakKey, WeakMap, WeakSet};

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn record(allocations: usize, bytes: isize) {
    // `try_with`: allocations may happen while the thread's locals are gone.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + allocations));
    let _ = LIVE_BYTES.try_with(|n| n.set(n.get() + bytes));
}

#[allow(clippy::cast_possible_wrap)] // allocation sizes are below isize::MAX
fn signed(size: usize) -> isize {
    size as isize
}

// SAFETY: every method forwards to `System` with the caller's arguments,
// which meet `System`'s contract because they meet ours; the counting
// touches only `const`-initialised thread-locals without destructors, which
// never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            record(1, signed(layout.size()));
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record(1, signed(layout.size()));
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: see the impl.
        unsafe { System.dealloc(ptr, layout) };
        record(0, -signed(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the impl.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            record(1, signed(new_size) - signed(layout.size()));
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// How many allocations this thread made while `f` ran.
fn allocations_during<R>(f: impl FnOnce() -> R) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    black_box(f());
    ALLOCATIONS.with(Cell::get) - before
}

/// Bytes allocated and not yet freed by this thread.
fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

/// A user's key struct.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Point {
    x: i32,
    y: i32,
    anchor: Anchor,
}

impl WeakKey for Point {
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

fn point(x: i32) -> Point {
    Point {
        x,
        y: -x,
        anchor: Anchor::new(),
    }
}

#[test]
fn an_anchor_is_one_machine_word() {
    assert_eq!(mem::size_of::<Anchor>(), mem::size_of::<usize>());
}

#[test]
fn the_counting_allocator_sees_this_threads_allocations() {
    // Guards the other tests against measuring nothing.
    assert_eq!(allocations_during(|| Box::new(black_box(1_u64))), 1);
    let before = live_bytes();
    let held = black_box(vec![0_u8; 1000]);
    assert_eq!(live_bytes() - before, 1000);
    drop(held);
    assert_eq!(live_bytes(), before);
}

#[test]
fn unattached_anchors_allocate_nothing() {
    let allocations = allocations_during(|| {
        let first = Anchor::new();
        let twin = first.clone();
        let other = Anchor::default();
        assert_eq!(first, twin);
        assert_eq!(first.cmp(&other), Ordering::Equal);
        assert_eq!(hash_of(&first), hash_of(&twin));
        let mut moved = [first, twin, other];
        moved.swap(0, 2);
        let [first, twin, other] = moved;
        let mut first = black_box(first);
        let mut other = other;
        mem::swap(&mut first, &mut other);
        let old = mem::replace(&mut first, Anchor::new());
        assert!(std::ptr::eq(twin.anchor(), std::ptr::from_ref(&twin)));
        drop((first, twin, other, old));
    });
    assert_eq!(allocations, 0, "unattached anchors must not allocate");
}

#[test]
fn unattached_key_structs_allocate_nothing() {
    let allocations = allocations_during(|| {
        let start = point(1);
        let copy = start.clone();
        assert_eq!(start, copy);
        assert_eq!(start.cmp(&point(2)), Ordering::Less);
        assert_eq!(hash_of(&start), hash_of(&copy));
        let mut blank = Point::default();
        let mut start = black_box(start);
        mem::swap(&mut start, &mut blank);
        let pair = black_box((start, blank));
        let first = Some(pair.0);
        drop((first, pair.1, copy));
    });
    assert_eq!(allocations, 0, "unattached key structs must not allocate");
}

#[test]
fn unattached_keyed_values_allocate_nothing() {
    let allocations = allocations_during(|| {
        let seven = Keyed::new(7_u64);
        let copy = seven.clone();
        let converted: Keyed<u64> = 7.into();
        assert!(seven == copy && copy == converted);
        assert_eq!(seven.cmp(&converted), Ordering::Equal);
        assert_eq!(hash_of(&seven), hash_of(&converted));
        assert_eq!(*seven + *Keyed::<u64>::default(), 7);
        let mut seven = black_box(seven);
        let mut converted = converted;
        mem::swap(&mut seven, &mut converted);
        *converted += 1;
        assert_eq!(converted.into_inner(), 8);
        drop((seven, copy));
    });
    assert_eq!(
        allocations, 0,
        "unattached `Keyed` values must not allocate"
    );
}

#[test]
fn unused_tables_allocate_nothing() {
    let allocations = allocations_during(|| {
        let map: WeakMap<Point, String> = WeakMap::new();
        let set: WeakSet<Point> = WeakSet::default();
        let moved = black_box(map);
        drop((moved, set));
    });
    assert_eq!(allocations, 0);
}

#[test]
fn lookups_with_a_never_attached_key_on_a_used_table_allocate_nothing() {
    let map: WeakMap<Point, Box<u64>> = WeakMap::new();
    let set: WeakSet<Point> = WeakSet::new();
    let attached: Vec<Point> = (0..64).map(point).collect();
    for p in &attached {
        map.insert(p, Box::new(1));
        set.insert(p);
    }

    let allocations = allocations_during(|| {
        let stranger = point(0);
        assert_eq!(map.get(&stranger), None);
        assert!(!map.contains_key(&stranger));
        assert_eq!(map.remove(&stranger), None);
        assert_eq!(map.with(&stranger, |v| **v), None);
        assert_eq!(map.with_mut(&stranger, |v| **v), None);
        let side = Side::new(&map, &stranger);
        assert!(!side.is_set());
        assert_eq!(side.get(), None);
        assert_eq!(side.with(|v| **v), None);
        assert_eq!(side.remove(), None);
        assert!(!set.contains(&stranger));
        assert!(!set.remove(&stranger));
        let clone = stranger.clone();
        assert!(!map.contains_key(&clone));
        drop((stranger, clone));
    });
    assert_eq!(allocations, 0, "a never-attached key must stay free");
    assert!(
        attached
            .iter()
            .all(|p| map.contains_key(p) && set.contains(p))
    );
}

#[test]
fn value_memory_comes_back_when_keys_die() {
    // The warm-up must fill every table well beyond what a round puts in it,
    // so that no round grows a table's registry: what a table keeps is its
    // capacity, not the values.
    const WARM: usize = if cfg!(any(miri, weakattach_sanitized)) {
        512
    } else {
        4_096
    };
    const N: usize = if cfg!(any(miri, weakattach_sanitized)) {
        8
    } else {
        256
    };
    let boxes: WeakMap<Point, Box<[u8; 512]>> = WeakMap::new();
    let strings: WeakMap<Point, String> = WeakMap::new();
    let set: WeakSet<Point> = WeakSet::new();
    let attach = |n: usize| -> Vec<Point> {
        let keys: Vec<Point> = (0..n).map(|_| point(0)).collect();
        for key in &keys {
            boxes.insert(key, Box::new([7; 512]));
            strings.insert(key, "x".repeat(100));
            set.insert(key);
        }
        keys
    };

    // Warm up: the tables reach the size they keep (a table does not shrink).
    drop(attach(WARM));

    for round in 0..3 {
        let baseline = live_bytes();
        let keys = attach(N);
        let held = live_bytes() - baseline;
        assert!(
            held >= signed(N * (512 + 100)),
            "round {round}: the values are live ({held} bytes)"
        );
        drop(keys);
        assert_eq!(
            live_bytes() - baseline,
            0,
            "round {round}: all memory of the dropped keys' entries came back"
        );
    }
}

#[test]
fn memory_of_dropped_tables_does_not_pile_up_under_a_long_lived_key() {
    const CYCLES: usize = if cfg!(any(miri, weakattach_sanitized)) {
        50
    } else {
        5_000
    };
    let key = point(1);
    let keeper: WeakMap<Point, u8> = WeakMap::new();
    keeper.insert(&key, 1);
    let cycle = || {
        let table: WeakMap<Point, Box<u64>> = WeakMap::new();
        table.insert(&key, Box::new(2));
        let set: WeakSet<Point> = WeakSet::new();
        set.insert(&key);
    };
    // What one table costs while it is alive.
    let baseline = live_bytes();
    let one_table = {
        let table: WeakMap<Point, Box<u64>> = WeakMap::new();
        table.insert(&key, Box::new(2));
        live_bytes() - baseline
    };
    let before_any = live_bytes();
    for _ in 0..100 {
        cycle();
    }
    let warmed = live_bytes();
    for _ in 0..CYCLES {
        cycle();
    }
    let grown = live_bytes() - warmed;
    assert!(
        grown <= 16 * one_table,
        "{CYCLES} dropped tables left {grown} bytes behind (one table: {one_table} bytes)"
    );
    // The key forgets dropped tables as it joins new ones: what is left is
    // at most the remains of the last cycle's two tables.
    let left = live_bytes() - before_any;
    assert!(
        left <= 2 * one_table,
        "a key that joined {} tables kept {left} bytes of them (one table: {one_table} bytes)",
        CYCLES + 100
    );
    assert_eq!(keeper.get(&key), Some(1));
}
