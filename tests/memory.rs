//! SPEC §7, memory, as a user can check it with a counting allocator: what an
//! entry costs, that a table gives its memory back as its keys die, and that
//! a key in many tables, or passed through many short-lived ones, holds only
//! what it needs.
//!
//! The allocator counts the bytes each thread has live (allocated minus
//! freed), so the tests of this file, which run on threads of their own, do
//! not see each other's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ptr;

use weakattach::{Anchor, WeakMap, WeakSet};

mod common;

use common::Counter;

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// Blocks this thread freed, held back from the allocator while
    /// `HOLDING`, oldest first out (see `Held`).
    static HELD: [Cell<(*mut u8, Layout)>; HELD_BLOCKS] =
        const { [const { Cell::new((ptr::null_mut(), Layout::new::<u8>())) }; HELD_BLOCKS] };
    static HOLDING: Cell<Option<usize>> = const { Cell::new(None) };
}

/// How many freed blocks are held back at once.
const HELD_BLOCKS: usize = 256;

fn count(delta: isize) {
    // During thread-local teardown there is nothing left to count.
    let _ = LIVE.try_with(|live| live.set(live.get() + delta));
}

/// While one is alive, a block this thread frees is not given out again
/// until 256 more have been freed: a table is made elsewhere than where
/// the last one was dropped, as under valgrind or Miri, whose allocators
/// hold freed blocks back. Held blocks count as freed.
struct Held;

impl Held {
    fn new() -> Held {
        HOLDING.with(|holding| holding.set(Some(0)));
        Held
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        HOLDING.with(|holding| holding.set(None));
        for block in HELD.with(|held| {
            held.each_ref()
                .map(|block| block.replace((ptr::null_mut(), Layout::new::<u8>())))
        }) {
            release(block);
        }
    }
}

/// Frees a held block (none if null).
fn release((ptr, layout): (*mut u8, Layout)) {
    if !ptr.is_null() {
        // SAFETY: `ptr` came from `System.alloc` with `layout`, was passed
        // to `dealloc` once, held since, and is released once: its slot
        // was emptied as it was taken.
        unsafe { System.dealloc(ptr, layout) }
    }
}

// SAFETY: forwards to the system allocator and only adds bookkeeping, which
// allocates nothing; a held block is freed later, once.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(isize::try_from(layout.size()).unwrap());
        // SAFETY: the caller's obligations are passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-isize::try_from(layout.size()).unwrap());
        let slot = HOLDING.try_with(|holding| {
            let slot = holding.get()?;
            holding.set(Some((slot + 1) % HELD_BLOCKS));
            Some(slot)
        });
        if let Ok(Some(slot)) = slot {
            // The oldest block held goes back to the allocator in its place.
            release(HELD.with(|held| held[slot].replace((ptr, layout))));
        } else {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes this thread has live on the heap.
fn live() -> isize {
    LIVE.with(Cell::get)
}

const KEYS: usize = if cfg!(any(miri, weakattach_sanitized)) {
    2_000
} else {
    200_000
};

#[test]
fn an_entry_costs_at_most_48_bytes_node_included() {
    let keys: Vec<Anchor> = (0..KEYS).map(|_| Anchor::new()).collect();
    let map: WeakMap<Anchor, u64> = WeakMap::new();
    let before = live();
    for (i, key) in keys.iter().enumerate() {
        map.insert(key, i as u64);
    }
    #[allow(clippy::cast_precision_loss)]
    let per_entry = (live() - before) as f64 / KEYS as f64;
    assert!(
        per_entry <= 48.0,
        "{per_entry:.1} bytes per entry with a `u64` value"
    );
    assert_eq!(map.get(&keys[KEYS / 2]), Some(KEYS as u64 / 2));
}

/// A live table whose keys all died keeps almost nothing: its keys' nodes
/// are freed with them, and its registry shrinks as they go.
fn memory_returned_after_mass_death(attach: impl Fn(&Anchor), still_works: impl Fn() -> bool) {
    let keys: Vec<Anchor> = (0..KEYS).map(|_| Anchor::new()).collect();
    let before = live();
    for key in &keys {
        attach(key);
    }
    let filled = live() - before;
    drop(keys);
    let kept = live() - before;
    assert!(
        kept <= 512 * 1024,
        "a table kept {kept} bytes after its {KEYS} keys died ({filled} while they lived)"
    );
    assert!(still_works());
}

#[test]
fn a_map_gives_its_memory_back_when_its_keys_die() {
    let map: WeakMap<Anchor, u64> = WeakMap::new();
    memory_returned_after_mass_death(
        |key| {
            map.insert(key, 7);
        },
        || {
            let key = Anchor::new();
            map.insert(&key, 1);
            map.get(&key) == Some(1)
        },
    );
}

#[test]
fn a_set_gives_its_memory_back_when_its_keys_die() {
    let set: WeakSet<Anchor> = WeakSet::new();
    memory_returned_after_mass_death(
        |key| {
            set.insert(key);
        },
        || {
            let key = Anchor::new();
            set.insert(&key) && set.contains(&key)
        },
    );
}

const TABLES: usize = if cfg!(any(miri, weakattach_sanitized)) {
    200
} else {
    20_000
};

#[test]
fn one_key_in_many_live_tables() {
    let drops = Counter::new();
    let tables: Vec<WeakMap<Anchor, common::Counted>> =
        (0..TABLES).map(|_| WeakMap::new()).collect();
    // What the tables cost themselves (made on first use, and their reader
    // slots on first read) is not the key's.
    for table in &tables {
        let primer = Anchor::new();
        table.insert(&primer, drops.value());
        assert!(table.with(&primer, |_| ()).is_some());
    }
    assert_eq!(drops.dropped(), TABLES);
    let key = Anchor::new();
    let before = live();
    for (i, table) in tables.iter().enumerate() {
        assert!(table.insert(&key, drops.value_of(i)).is_none());
    }
    for (i, table) in tables.iter().enumerate().step_by(97) {
        assert_eq!(table.with(&key, |v| v.payload), Some(i));
    }
    drop(key);
    assert_eq!(
        drops.dropped(),
        2 * TABLES,
        "every table's value went with the key"
    );
    let kept = live() - before;
    assert!(
        kept <= 0,
        "{kept} bytes left in {TABLES} tables after their one key died"
    );
}

/// One key, in a table that outlives the test, passed through many
/// short-lived tables: each stale entry a dropped table leaves is taken
/// over by a table made at its address or swept out when the key needs a
/// record, so the key holds no more than a few dead ones.
fn through_short_lived_tables() {
    let drops = Counter::new();
    let key = Anchor::new();
    let elsewhere: WeakMap<Anchor, u8> = WeakMap::new();
    elsewhere.insert(&key, 0);
    let round = || {
        let set: WeakSet<Anchor> = WeakSet::new();
        assert!(set.insert(&key));
        let map: WeakMap<Anchor, common::Counted> = WeakMap::new();
        map.insert(&key, drops.value());
        assert!(set.contains(&key) && map.contains_key(&key));
    };
    // The records a key in three tables at once needs.
    round();
    let held_at_start = live();
    let mut most = 0;
    for _ in 0..TABLES {
        round();
        most = most.max(live() - held_at_start);
    }
    assert_eq!(drops.dropped(), TABLES + 1, "each table dropped its value");
    // After the first round only the list of vacant records and the index
    // may still grow, by a few entries: a couple of hundred bytes at most,
    // however many tables went by.
    assert!(
        most <= 256,
        "the key grew by up to {most} bytes over {TABLES} short-lived tables"
    );
    assert_eq!(elsewhere.get(&key), Some(0));
}

#[test]
fn one_key_through_many_short_lived_tables_holds_no_dead_ones() {
    through_short_lived_tables();
}

#[test]
fn one_key_through_many_short_lived_tables_made_elsewhere_holds_no_dead_ones() {
    let _held = Held::new();
    through_short_lived_tables();
}
