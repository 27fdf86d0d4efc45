//! SPEC §4, guarantee 4: **never deadlocks, never recurses without bound.**
//! Values may own keys of the same or other tables to any depth (a chain of
//! 1,000,000 keys is reclaimed on a thread with a 256 KiB stack); keys may be
//! dropped anywhere (inside closures, inside value destructors, during
//! thread-local destruction); another table works inside a closure, and a
//! `clear` beside a closure that reads another entry finishes; the same
//! table used from code it runs panics with a message that says so, and never
//! hangs.
//!
//! Every test body runs under the deadline watchdog of `common`, so a hang
//! fails the test with a message instead of stalling the run.

mod common;

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread;

use common::{Counted, Counter, Dog, expect_panic, within_deadline, within_deadline_on};
use weakattach::{Anchor, Keyed, WeakMap, WeakSet};

const SMALL_STACK: usize = 256 * 1024;

fn small_stack() -> thread::Builder {
    thread::Builder::new().stack_size(SMALL_STACK)
}

/// A link of a chain: the value attached to one key, owning the next key.
struct Link {
    _next: Option<Anchor>,
    _counted: Counted,
}

/// Builds a chain of `len` keys in `tables` (link `i` in table `i % n`), each
/// link's value owning the next key; returns the head.
fn chain(len: usize, tables: &[&WeakMap<Anchor, Link>], drops: &Counter) -> Anchor {
    let mut head: Option<Anchor> = None;
    for i in 0..len {
        let key = Anchor::new();
        let link = Link {
            _next: head.take(),
            _counted: drops.value(),
        };
        tables[i % tables.len()].insert(&key, link);
        head = Some(key);
    }
    head.expect("a chain of at least one key")
}

#[test]
fn a_chain_of_a_million_keys_is_reclaimed_on_a_256_kib_stack() {
    const LEN: usize = if cfg!(any(miri, weakattach_sanitized)) {
        2_000
    } else {
        1_000_000
    };
    within_deadline_on(small_stack(), "dropping a 1,000,000-key chain", || {
        let drops = Counter::new();
        let table: WeakMap<Anchor, Link> = WeakMap::new();
        let head = chain(LEN, &[&table], &drops);
        assert_eq!(drops.dropped(), 0);

        drop(head);
        assert_eq!(
            drops.dropped(),
            LEN,
            "every link dropped before the head's drop returned"
        );

        // The table still works.
        let key = Anchor::new();
        table.insert(
            &key,
            Link {
                _next: None,
                _counted: drops.value(),
            },
        );
        assert!(table.contains_key(&key));
    });
}

#[test]
fn a_chain_alternating_between_two_tables_is_reclaimed_on_a_256_kib_stack() {
    const LEN: usize = if cfg!(any(miri, weakattach_sanitized)) {
        1_000
    } else {
        200_000
    };
    within_deadline_on(small_stack(), "dropping a chain across two tables", || {
        let drops = Counter::new();
        let even: WeakMap<Anchor, Link> = WeakMap::new();
        let odd: WeakMap<Anchor, Link> = WeakMap::new();
        let head = chain(LEN, &[&even, &odd], &drops);
        drop(head);
        assert_eq!(drops.dropped(), LEN);
    });
}

#[test]
fn a_table_holding_a_long_chain_is_cleared_and_dropped_on_a_256_kib_stack() {
    const LEN: usize = if cfg!(any(miri, weakattach_sanitized)) {
        1_000
    } else {
        200_000
    };
    within_deadline_on(small_stack(), "dropping a table that holds a chain", || {
        let drops = Counter::new();
        let table: WeakMap<Anchor, Link> = WeakMap::new();
        let head = chain(LEN, &[&table], &drops);
        table.clear();
        assert_eq!(drops.dropped(), LEN);
        drop(head);

        let other: WeakMap<Anchor, Link> = WeakMap::new();
        let head = chain(LEN, &[&table, &other], &drops);
        // Dropping `table` drops its links; the keys they own take the links
        // in `other` with them, all but the head's own link.
        drop(table);
        assert_eq!(
            drops.dropped(),
            2 * LEN - 1,
            "the chain went with the table"
        );
        drop(head);
        assert_eq!(drops.dropped(), 2 * LEN);
    });
}

#[test]
fn keys_dropped_inside_with_and_with_mut_closures_do_not_hang() {
    const LEN: usize = if cfg!(any(miri, weakattach_sanitized)) {
        100
    } else {
        10_000
    };
    within_deadline_on(small_stack(), "key drops inside closures", || {
        let drops = Counter::new();
        let busy: WeakMap<Anchor, Link> = WeakMap::new();
        let other: WeakMap<Anchor, Counted> = WeakMap::new();
        let holder = Anchor::new();
        busy.insert(
            &holder,
            Link {
                _next: None,
                _counted: drops.value(),
            },
        );

        for mutable in [false, true] {
            let before = drops.dropped();
            // A key with a value in the busy table that starts a long chain
            // in the same table, and a value in another table.
            let key = chain(LEN, &[&busy], &drops);
            other.insert(&key, drops.value());
            let body = || {
                drop(key);
                drops.dropped() - before
            };
            let inside = if mutable {
                busy.with_mut(&holder, |_| body())
            } else {
                busy.with(&holder, |_| body())
            };
            assert!(
                inside.expect("holder attached") >= 1,
                "the other table's value went at once"
            );
            assert_eq!(
                drops.dropped() - before,
                LEN + 1,
                "the whole chain is gone when the closure's call returns"
            );
        }

        // Nested closures on two tables, a key attached to both.
        let inner_holder = Anchor::new();
        other.insert(&inner_holder, drops.value());
        let key = Anchor::new();
        busy.insert(
            &key,
            Link {
                _next: None,
                _counted: drops.value(),
            },
        );
        other.insert(&key, drops.value());
        let before = drops.dropped();
        busy.with(&holder, |_| {
            other.with_mut(&inner_holder, |_| drop(key));
        });
        assert_eq!(drops.dropped() - before, 2);
        assert!(busy.contains_key(&holder) && other.contains_key(&inner_holder));
    });
}

/// A value whose destructor drops the keys it holds one by one and uses
/// another table while it runs.
struct DropsKeysWhenDropped {
    keys: Vec<Dog>,
    scratch: Arc<WeakMap<Dog, Counted>>,
    drops: Counter,
}

impl Drop for DropsKeysWhenDropped {
    fn drop(&mut self) {
        let temp = Dog::new("temp");
        self.scratch.insert(&temp, self.drops.value_of(7));
        assert_eq!(self.scratch.with(&temp, |v| v.payload), Some(7));
        drop(temp);
        while let Some(key) = self.keys.pop() {
            drop(key);
        }
        drop(self.drops.value()); // counts this destructor's run
    }
}

#[test]
fn keys_dropped_inside_value_destructors_do_not_hang() {
    const WIDTH: usize = if cfg!(any(miri, weakattach_sanitized)) {
        5
    } else {
        200
    };
    within_deadline_on(small_stack(), "key drops inside destructors", || {
        let drops = Counter::new();
        let scratch = Arc::new(WeakMap::new());
        let table: WeakMap<Dog, DropsKeysWhenDropped> = WeakMap::new();
        let counted: WeakMap<Dog, Counted> = WeakMap::new();

        // Two levels: the root's value owns WIDTH keys whose values own WIDTH
        // keys each, all in `table` and `counted`.
        let root = Dog::new("root");
        let mut level_one = Vec::new();
        for _ in 0..WIDTH {
            let mid = Dog::new("mid");
            let mut leaves = Vec::new();
            for _ in 0..WIDTH {
                let leaf = Dog::new("leaf");
                counted.insert(&leaf, drops.value());
                leaves.push(leaf);
            }
            table.insert(
                &mid,
                DropsKeysWhenDropped {
                    keys: leaves,
                    scratch: Arc::clone(&scratch),
                    drops: drops.clone(),
                },
            );
            counted.insert(&mid, drops.value());
            level_one.push(mid);
        }
        table.insert(
            &root,
            DropsKeysWhenDropped {
                keys: level_one,
                scratch: Arc::clone(&scratch),
                drops: drops.clone(),
            },
        );
        assert_eq!(drops.dropped(), 0);

        drop(root);
        // Per destructor: its scratch value, its own count; plus the counted
        // values of every mid and leaf.
        let destructors = 1 + WIDTH;
        let expected = 2 * destructors + WIDTH + WIDTH * WIDTH;
        assert_eq!(drops.dropped(), expected);
    });
}

static SELF_USING: WeakMap<Keyed<u32>, UsesItsTableWhenDropped> = WeakMap::new();
static SELF_USING_PROBE: Keyed<u32> = Keyed::new(0);

/// A value whose destructor uses the very table it was stored in (when it
/// carries a counter; the values it stores itself do nothing).
struct UsesItsTableWhenDropped(Option<Counter>);

impl Drop for UsesItsTableWhenDropped {
    fn drop(&mut self) {
        let Some(counter) = self.0.take() else {
            return;
        };
        drop(counter.value()); // counts this destructor's run
        let _ = SELF_USING.contains_key(&SELF_USING_PROBE);
        let temp = Keyed::new(1);
        let _ = SELF_USING.insert(&temp, UsesItsTableWhenDropped(None));
        let _ = SELF_USING.with(&temp, |_| ());
        drop(temp);
        let _ = SELF_USING.remove(&Keyed::new(2));
    }
}

/// Runs `f`; a panic is fine only if its message says the same table was
/// used from code it runs.
fn works_or_says_same_table(what: &str, f: impl FnOnce()) {
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        let message = common::panic_message(payload.as_ref());
        assert!(
            message.contains("same table"),
            "{what}: unexpected panic {message:?}"
        );
    }
}

#[test]
fn a_value_destructor_that_uses_its_own_table_works_or_panics_but_never_hangs() {
    within_deadline("a destructor using its own table", || {
        let drops = Counter::new();
        let value = || UsesItsTableWhenDropped(Some(drops.clone()));
        SELF_USING.insert(&SELF_USING_PROBE, UsesItsTableWhenDropped(None));

        // Dropped by its key's release.
        let key = Keyed::new(1);
        SELF_USING.insert(&key, value());
        works_or_says_same_table("release", || drop(key));
        assert_eq!(drops.dropped(), 1);

        // Dropped by `insert`'s and `remove`'s callers, and by `clear`.
        let key = Keyed::new(2);
        SELF_USING.insert(&key, value());
        works_or_says_same_table("insert", || drop(SELF_USING.insert(&key, value())));
        works_or_says_same_table("remove", || drop(SELF_USING.remove(&key)));
        assert_eq!(drops.dropped(), 3);

        // The table still works.
        SELF_USING.insert(&key, value());
        assert!(SELF_USING.contains_key(&key));
        assert_eq!(SELF_USING.with(&key, |_| 5), Some(5));
        works_or_says_same_table("clear", || SELF_USING.clear());
        assert_eq!(drops.dropped(), 4);
        assert!(!SELF_USING.contains_key(&key));
    });
}

static AT_EXIT: WeakMap<Dog, Counted> = WeakMap::new();
static CHAIN_AT_EXIT: WeakMap<Anchor, Link> = WeakMap::new();

thread_local! {
    static KEY_AT_EXIT: RefCell<Option<Dog>> = const { RefCell::new(None) };
    static CHAIN_HEAD_AT_EXIT: RefCell<Option<Anchor>> = const { RefCell::new(None) };
    static TABLE_AT_EXIT: WeakMap<Dog, Counted> = const { WeakMap::new() };
    static OWN_KEY_AT_EXIT: RefCell<Option<Dog>> = const { RefCell::new(None) };
}

#[test]
fn keys_dropped_during_thread_local_destruction_release_their_values() {
    const LEN: usize = if cfg!(any(miri, weakattach_sanitized)) {
        100
    } else {
        10_000
    };
    within_deadline("key drops at thread exit", || {
        // A thread-local key with a value in a static table.
        let drops = Counter::new();
        let d = drops.clone();
        small_stack()
            .spawn(move || {
                let dog = Dog::new("thread-local");
                AT_EXIT.insert(&dog, d.value());
                KEY_AT_EXIT.with(|slot| *slot.borrow_mut() = Some(dog));
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(
            drops.dropped(),
            1,
            "released during thread-local destruction"
        );

        // A thread-local key whose value starts a long chain, on a small stack.
        let drops = Counter::new();
        let d = drops.clone();
        small_stack()
            .spawn(move || {
                let head = chain(LEN, &[&CHAIN_AT_EXIT], &d);
                CHAIN_HEAD_AT_EXIT.with(|slot| *slot.borrow_mut() = Some(head));
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(drops.dropped(), LEN);

        // A thread-local table and a thread-local key of the same thread, in
        // both orders of first use (and so, of destruction).
        for table_first in [true, false] {
            let drops = Counter::new();
            let d = drops.clone();
            thread::spawn(move || {
                let dog = Dog::new("own");
                if table_first {
                    TABLE_AT_EXIT.with(|t| t.insert(&dog, d.value()));
                    OWN_KEY_AT_EXIT.with(|slot| *slot.borrow_mut() = Some(dog));
                } else {
                    OWN_KEY_AT_EXIT.with(|slot| {
                        *slot.borrow_mut() = Some(dog);
                        TABLE_AT_EXIT
                            .with(|t| t.insert(slot.borrow().as_ref().unwrap(), d.value()));
                    });
                }
            })
            .join()
            .unwrap();
            assert_eq!(drops.dropped(), 1, "table_first: {table_first}");
        }
    });
}

#[test]
fn another_table_inside_a_closure_works() {
    within_deadline("other tables inside closures", || {
        let outer: WeakMap<Dog, u32> = WeakMap::new();
        let inner: WeakMap<Dog, u32> = WeakMap::new();
        let third: WeakMap<Dog, String> = WeakMap::new();
        let set: WeakSet<Dog> = WeakSet::new();
        let dog = Dog::new("Rex");
        let other = Dog::new("Fido");
        outer.insert(&dog, 1);

        let seen = outer.with_mut(&dog, |v| {
            *v += 1;
            inner.insert(&dog, *v * 10);
            inner.insert(&other, 5);
            assert_eq!(inner.get(&dog), Some(20));
            assert!(inner.contains_key(&other));
            inner.with_mut(&dog, |w| {
                *w += 1;
                third.get_or_insert_with(&dog, || "made inside".to_owned());
                assert!(set.insert(&dog));
                third.with(&dog, String::len)
            });
            assert_eq!(inner.remove(&other), Some(5));
            inner.side(&other).set(6);
            let got = inner.get(&dog);
            inner.clear();
            set.clear();
            got
        });
        assert_eq!(seen, Some(Some(21)));
        assert_eq!(outer.get(&dog), Some(2));
        assert_eq!(third.get(&dog).as_deref(), Some("made inside"));
        assert!(!inner.contains_key(&dog) && !set.contains(&dog));
    });
}

/// A `clear` on one thread while another runs a `with_mut` closure of the
/// same table that reads another entry (which the documentation promises to
/// work): the `clear` takes both entries out at once, the closure's (which it
/// must wait for) and the one the closure reads (which the closure waits
/// for), and it must deal with the second before it waits for the first.
#[test]
fn a_clear_during_a_with_mut_that_reads_another_entry_finishes() {
    within_deadline("a clear beside a with_mut closure", || {
        let table: Arc<WeakMap<Anchor, u32>> = Arc::new(WeakMap::new());
        let (read, written) = (Arc::new(Anchor::new()), Arc::new(Anchor::new()));
        // Inserted in this order, `written` is the first the `clear` takes.
        table.insert(&read, 5);
        table.insert(&written, 6);
        let (inside, entered) = std::sync::mpsc::channel();
        let writer = {
            let (table, read, written) = (table.clone(), read.clone(), written.clone());
            thread::spawn(move || {
                table.with_mut(&written, |v| {
                    inside.send(()).unwrap();
                    // Time for the `clear` to take both entries out.
                    thread::sleep(std::time::Duration::from_millis(100));
                    *v += table.get(&read).unwrap_or(0);
                })
            })
        };
        entered.recv().unwrap();
        let clearer = {
            let table = table.clone();
            thread::spawn(move || table.clear())
        };
        assert_eq!(writer.join().unwrap(), Some(()));
        clearer.join().unwrap();
        assert_eq!(table.get(&read), None);
        assert_eq!(table.get(&written), None);
    });
}

/// One level of the nest of `closures_nested_deep_still_know_their_tables`.
fn nest(tables: &[WeakMap<Dog, usize>], free: &WeakMap<Dog, usize>, dog: &Dog, at: usize) {
    if at == tables.len() {
        return;
    }
    tables[at].with(dog, |value| {
        assert_eq!(*value, at);
        for outer in &tables[..=at] {
            let message = expect_panic(|| outer.remove(dog));
            assert!(message.contains("same table"), "depth {at}: {message}");
            assert!(outer.contains_key(dog));
            assert!(
                outer.with(dog, |_| ()).is_some(),
                "a read of the same table works"
            );
        }
        free.insert(dog, at);
        assert_eq!(free.remove(dog), Some(at));
        nest(tables, free, dog, at + 1);
    });
}

/// Closures nested ten deep, each in a table of its own: at every depth a
/// write of an outer table's entry panics (it would wait for the closure
/// that holds it), a read of it works, and a table the nest does not hold
/// works; and once the nest unwinds, every table is usable again.
#[test]
fn closures_nested_deep_still_know_their_tables() {
    const DEPTH: usize = 10;
    within_deadline("closures nested ten deep", || {
        let tables: Vec<WeakMap<Dog, usize>> = (0..DEPTH).map(|_| WeakMap::new()).collect();
        let free: WeakMap<Dog, usize> = WeakMap::new();
        let dog = Dog::new("Rex");
        for (i, table) in tables.iter().enumerate() {
            table.insert(&dog, i);
        }

        nest(&tables, &free, &dog, 0);

        for (i, table) in tables.iter().enumerate() {
            assert_eq!(
                table.remove(&dog),
                Some(i),
                "table {i} is usable after the nest"
            );
        }
    });
}

type Op = fn(&WeakMap<Dog, u32>, &Dog);

fn reentrant_ops() -> Vec<(&'static str, Op)> {
    vec![
        ("get", |t, k| {
            let _ = t.get(k);
        }),
        ("insert", |t, k| {
            let _ = t.insert(k, 9);
        }),
        ("with", |t, k| {
            let _ = t.with(k, |_| ());
        }),
        ("with_mut", |t, k| {
            let _ = t.with_mut(k, |_| ());
        }),
        ("contains_key", |t, k| {
            let _ = t.contains_key(k);
        }),
        ("remove", |t, k| {
            let _ = t.remove(k);
        }),
        ("clear", |t, _| t.clear()),
        ("get_or_insert", |t, k| {
            let _ = t.get_or_insert(k, 9);
        }),
        ("get_or_insert_with", |t, k| {
            let _ = t.get_or_insert_with(k, || 9);
        }),
        ("side().set", |t, k| {
            let _ = t.side(k).set(9);
        }),
        ("side().is_set", |t, k| {
            let _ = t.side(k).is_set();
        }),
    ]
}

/// What a call on the same table from inside its own closure does. Inside
/// `with` (a lookup, counted in the table's readers) what only reads works,
/// on any entry, and what writes an existing entry panics, since a writer
/// waits for the lookups of the table. Inside `with_mut` (which has one entry
/// to itself) everything works on other entries, and on its own entry only
/// what takes no lock. `clear`, which needs every entry, always panics.
fn expected_inside(name: &str, mutable: bool, own_key: bool) -> bool {
    let reads = matches!(
        name,
        "get" | "with" | "contains_key" | "get_or_insert" | "get_or_insert_with" | "side().is_set"
    );
    let lock_free = matches!(name, "contains_key" | "side().is_set");
    match (name, mutable, own_key) {
        ("clear", ..) => false,
        (_, false, _) => reads,
        (_, true, false) => true,
        (_, true, true) => lock_free,
    }
}

#[test]
fn the_same_table_inside_its_own_closure_works_or_panics_and_does_not_hang() {
    within_deadline("same-table use inside closures", || {
        let table: WeakMap<Dog, u32> = WeakMap::new();
        let holder = Dog::new("holder");
        let neighbour = Dog::new("neighbour");
        table.insert(&holder, 1);
        table.insert(&neighbour, 2);

        for (name, op) in reentrant_ops() {
            for mutable in [false, true] {
                for (which, key, own_key) in [
                    ("its own key", &holder, true),
                    ("another key", &neighbour, false),
                ] {
                    let run = || {
                        if mutable {
                            table.with_mut(&holder, |_| op(&table, key))
                        } else {
                            table.with(&holder, |_| op(&table, key))
                        }
                    };
                    if expected_inside(name, mutable, own_key) {
                        assert_eq!(run(), Some(()), "`{name}` on {which}");
                    } else {
                        let message = expect_panic(run);
                        assert!(
                            message.contains("same table"),
                            "`{name}` on {which} inside the table's own closure: unexpected \
                             message {message:?}"
                        );
                    }
                    // Nothing is stuck, and a panicking call changed nothing.
                    assert_eq!(table.get(&holder), Some(1), "after `{name}`");
                    table.insert(&neighbour, 2);
                }
            }
        }

        // Also through a side handle's closure.
        assert_eq!(
            table.side(&holder).with(|_| table.get(&neighbour)),
            Some(Some(2))
        );
        let message = expect_panic(|| table.side(&holder).with(|_| table.side(&neighbour).set(5)));
        assert!(message.contains("same table"), "{message:?}");

        let newcomer = Dog::new("newcomer");
        table.insert(&newcomer, 3);
        assert_eq!(
            table.with_mut(&newcomer, |v| std::mem::replace(v, 4)),
            Some(3)
        );
        assert_eq!(table.get(&newcomer), Some(4));
    });
}

static CLONE_REENTERS: WeakMap<Anchor, ReentrantClone> = WeakMap::new();
static CLONE_PROBE: Anchor = Anchor::new();

/// A value whose `Clone` uses the table it is stored in, when armed.
struct ReentrantClone {
    armed: Arc<AtomicBool>,
    payload: u32,
}

impl Clone for ReentrantClone {
    fn clone(&self) -> Self {
        if self.armed.load(SeqCst) {
            // Works: another entry of the same table.
            assert!(CLONE_REENTERS.contains_key(&CLONE_PROBE));
            // Would wait for every entry, this one included: panics.
            CLONE_REENTERS.clear();
        }
        ReentrantClone {
            armed: Arc::clone(&self.armed),
            payload: self.payload,
        }
    }
}

#[test]
fn a_values_clone_that_uses_the_same_table_inside_get_panics_and_does_not_hang() {
    within_deadline("a value's `Clone` using its table", || {
        let armed = Arc::new(AtomicBool::new(true));
        CLONE_REENTERS.insert(
            &CLONE_PROBE,
            ReentrantClone {
                armed: Arc::clone(&armed),
                payload: 0,
            },
        );
        let key = Anchor::new();
        CLONE_REENTERS.insert(
            &key,
            ReentrantClone {
                armed: Arc::clone(&armed),
                payload: 42,
            },
        );

        let message = expect_panic(|| CLONE_REENTERS.get(&key));
        assert!(message.contains("same table"), "`get`: {message:?}");
        let message = expect_panic(|| CLONE_REENTERS.side(&key).get());
        assert!(message.contains("same table"), "`Side::get`: {message:?}");
        let message = expect_panic(|| {
            CLONE_REENTERS.get_or_insert(
                &key,
                ReentrantClone {
                    armed: Arc::clone(&armed),
                    payload: 0,
                },
            )
        });
        assert!(
            message.contains("same table"),
            "`get_or_insert`: {message:?}"
        );

        // Nothing is stuck and the value is intact.
        assert_eq!(CLONE_REENTERS.with(&key, |v| v.payload), Some(42));
        armed.store(false, SeqCst);
        assert_eq!(CLONE_REENTERS.get(&key).map(|v| v.payload), Some(42));
    });
}

#[test]
fn a_factory_may_use_the_same_table() {
    within_deadline("a factory using its own table", || {
        let drops = Counter::new();
        let table: WeakMap<Dog, Arc<Counted>> = WeakMap::new();
        let key = Dog::new("key");
        let other = Dog::new("other");

        let got = table.get_or_insert_with(&key, || {
            table.insert(&other, Arc::new(drops.value_of(1)));
            assert!(table.contains_key(&other));
            Arc::new(drops.value_of(2))
        });
        assert_eq!(got.payload, 2);

        // A factory that stores a value for the same key itself: the first
        // stored value wins and the factory's own is dropped.
        let third = Dog::new("third");
        let got = table.get_or_insert_with(&third, || {
            table.insert(&third, Arc::new(drops.value_of(3)));
            Arc::new(drops.value_of(4))
        });
        assert_eq!(got.payload, 3);
        assert_eq!(drops.dropped(), 1, "the losing value was dropped");
        assert_eq!(table.get(&third).map(|v| v.payload), Some(3));
    });
}
