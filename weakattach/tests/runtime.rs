//! The runtime's own tests: small enough to run under Miri, which checks the
//! unsafe code (the anchor's node, the release queue, the shard lock and the
//! lazily made tables) for undefined behaviour while they run. (The loom
//! models are in `loom.rs`; a loom build has no `static` tables.)
#![cfg(not(all(loom, feature = "loom")))]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;

use weakattach::{Anchor, Keyed, WeakMap, WeakSet};

/// A value that counts its drops in a shared counter.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

/// Runs `body` on its own thread and fails if it does not finish in time.
fn within_deadline(body: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        body();
        done.send(()).unwrap();
    });
    let deadline = Duration::from_secs(if cfg!(any(miri, weakattach_sanitized)) {
        600
    } else {
        30
    });
    match finished.recv_timeout(deadline) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {deadline:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
    }
}

#[test]
fn attach_read_replace_remove() {
    let drops = counter();
    let map = WeakMap::new();
    let key = Anchor::new();
    assert!(map.insert(&key, Counted(drops.clone())).is_none());
    assert!(map.contains_key(&key));
    let replaced = map.insert(&key, Counted(drops.clone()));
    assert!(replaced.is_some());
    drop(replaced);
    assert_eq!(drops.load(SeqCst), 1);
    assert!(map.remove(&key).is_some());
    assert_eq!(drops.load(SeqCst), 2);
    assert!(!map.contains_key(&key));
}

#[test]
fn dropping_a_key_drops_its_values_in_every_table() {
    let drops = counter();
    let a = WeakMap::new();
    let b = WeakMap::new();
    let set = WeakSet::new();
    let key = Keyed::new("k");
    a.insert(&key, Counted(drops.clone()));
    b.insert(&key, Counted(drops.clone()));
    set.insert(&key);
    drop(key);
    assert_eq!(drops.load(SeqCst), 2);
    let fresh = Keyed::new("k");
    assert!(!set.contains(&fresh));
}

#[test]
fn tables_drop_their_values_and_keys_outlive_them() {
    let drops = counter();
    let key = Anchor::new();
    for _ in 0..3 {
        let map = WeakMap::new();
        map.insert(&key, Counted(drops.clone()));
        map.clear();
        map.insert(&key, Counted(drops.clone()));
    }
    assert_eq!(drops.load(SeqCst), 6);
    drop(key);
    assert_eq!(drops.load(SeqCst), 6);
}

/// Each value owns the next key: the release runs as a loop, not a
/// recursion, so a thread with a small stack reclaims a long chain.
#[test]
fn a_chain_of_keys_is_released_without_recursion() {
    let links = if cfg!(any(miri, weakattach_sanitized)) {
        200
    } else {
        100_000
    };
    let drops = counter();
    let map: Arc<WeakMap<Anchor, (Counted, Anchor)>> = Arc::new(WeakMap::new());
    let mut head = Anchor::new();
    for _ in 0..links {
        let key = Anchor::new();
        map.insert(&key, (Counted(drops.clone()), head));
        head = key;
    }
    thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || drop(head))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(drops.load(SeqCst), links);
}

/// A key dropped while its table runs a closure does not wait for it: its
/// value is dropped when the closure's call returns.
#[test]
fn a_key_drop_does_not_wait_for_a_busy_table() {
    within_deadline(|| {
        let drops = counter();
        let map = Arc::new(WeakMap::new());
        let held = Anchor::new();
        map.insert(&held, Counted(counter()));
        let doomed: Vec<Anchor> = (0..32).map(|_| Anchor::new()).collect();
        for key in &doomed {
            map.insert(key, Counted(drops.clone()));
        }
        let entered = Arc::new(Barrier::new(2));
        let returned = Arc::new(Barrier::new(2));
        let dropper = {
            let (entered, returned) = (entered.clone(), returned.clone());
            thread::spawn(move || {
                entered.wait();
                drop(doomed);
                returned.wait();
            })
        };
        map.with(&held, |_| {
            entered.wait();
            // The other thread's drops all return while this closure runs.
            returned.wait();
        });
        assert_eq!(drops.load(SeqCst), 32);
        dropper.join().unwrap();
    });
}

#[test]
fn a_key_dropped_inside_a_closure_of_its_own_table() {
    within_deadline(|| {
        let drops = counter();
        let map = WeakMap::new();
        let held = Anchor::new();
        map.insert(&held, Counted(counter()));
        let keys: Vec<Anchor> = (0..32).map(|_| Anchor::new()).collect();
        for key in &keys {
            map.insert(key, Counted(drops.clone()));
        }
        map.with(&held, |_| drop(keys));
        assert_eq!(drops.load(SeqCst), 32);
    });
}

#[test]
fn using_the_same_entry_inside_its_closure_panics() {
    within_deadline(|| {
        let map = WeakMap::new();
        let key = Anchor::new();
        map.insert(&key, 1);
        let outcome = catch_unwind(AssertUnwindSafe(|| map.with(&key, |_| map.insert(&key, 2))));
        let message = outcome.unwrap_err();
        let message = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains("same table"), "{message}");
        // The table is still usable, and the value unchanged.
        assert_eq!(map.get(&key), Some(1));
    });
}

/// A misuse panic names the user's line, not a line of the runtime.
#[test]
fn a_misuse_panic_points_at_the_callers_line() {
    use std::sync::Mutex;
    static WHERE: Mutex<Option<(String, u32)>> = Mutex::new(None);
    let map = WeakMap::new();
    let key = Anchor::new();
    map.insert(&key, 1);
    // The hook is the process's: it records this thread's panics and passes
    // on those of tests running beside this one.
    let previous: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync> =
        Arc::from(std::panic::take_hook());
    let (me, others) = (std::thread::current().id(), Arc::clone(&previous));
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == me {
            let location = info.location().unwrap();
            *WHERE.lock().unwrap() = Some((location.file().to_owned(), location.line()));
        } else {
            others(info);
        }
    }));
    let reported = || WHERE.lock().unwrap().take().unwrap();
    let line_of_insert = line!() + 1;
    let inserted = catch_unwind(AssertUnwindSafe(|| map.with(&key, |_| map.insert(&key, 2))));
    let at_insert = reported();
    let line_of_clear = line!() + 1;
    let cleared = catch_unwind(AssertUnwindSafe(|| map.with(&key, |_| map.clear())));
    let at_clear = reported();
    std::panic::set_hook(Box::new(move |info| previous(info)));
    assert!(inserted.is_err() && cleared.is_err());
    for ((file, line), expected) in [(at_insert, line_of_insert), (at_clear, line_of_clear)] {
        assert!(file.ends_with("runtime.rs"), "reported at {file}:{line}");
        assert_eq!(line, expected);
    }
}

#[test]
fn a_closure_may_read_its_table_and_write_other_entries_of_it_from_with_mut() {
    within_deadline(|| {
        let map = WeakMap::new();
        let (key, other, fresh) = (Anchor::new(), Anchor::new(), Anchor::new());
        map.insert(&key, 1);
        map.insert(&other, 10);
        let seen = map.with(&key, |&v| {
            (
                v,
                map.get(&key),
                map.with(&key, |&w| w + 1),
                map.get(&other),
                map.insert(&fresh, 5),
            )
        });
        assert_eq!(seen, Some((1, Some(1), Some(2), Some(10), None)));
        let changed = map.with_mut(&key, |v| {
            *v += 1;
            map.insert(&other, 20);
            map.remove(&fresh);
            map.get(&other)
        });
        assert_eq!(changed, Some(Some(20)));
        assert_eq!((map.get(&key), map.get(&fresh)), (Some(2), None));
    });
}

#[test]
fn a_panicking_value_drop_still_releases_the_rest() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb");
        }
    }
    let drops = counter();
    let first = WeakMap::new();
    let bombs = WeakMap::new();
    let last = WeakMap::new();
    let key = Anchor::new();
    first.insert(&key, Counted(drops.clone()));
    bombs.insert(&key, Bomb);
    last.insert(&key, Counted(drops.clone()));
    assert!(catch_unwind(AssertUnwindSafe(|| drop(key))).is_err());
    assert_eq!(drops.load(SeqCst), 2);
    let other = Anchor::new();
    bombs.insert(&other, Bomb);
    assert!(catch_unwind(AssertUnwindSafe(|| bombs.clear())).is_err());
    assert!(!bombs.contains_key(&other));
}

#[test]
fn racing_get_or_insert_with_agrees_on_one_value() {
    within_deadline(|| {
        let threads = if cfg!(any(miri, weakattach_sanitized)) {
            2
        } else {
            8
        };
        let map = Arc::new(WeakMap::new());
        let key = Arc::new(Anchor::new());
        let start = Arc::new(Barrier::new(threads));
        let seen: Vec<usize> = (0..threads)
            .map(|i| {
                let (map, key, start) = (map.clone(), key.clone(), start.clone());
                thread::spawn(move || {
                    start.wait();
                    map.get_or_insert_with(&*key, || i)
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(seen.iter().all(|&v| v == seen[0]), "{seen:?}");
        assert_eq!(map.get(&*key), Some(seen[0]));
    });
}

#[test]
fn keys_and_tables_die_on_other_threads() {
    static SHARED: WeakMap<Anchor, Counted> = WeakMap::new();
    within_deadline(|| {
        let rounds = if cfg!(any(miri, weakattach_sanitized)) {
            4
        } else {
            200
        };
        let drops = counter();
        for _ in 0..rounds {
            let local = Arc::new(WeakMap::new());
            let key = Anchor::new();
            SHARED.insert(&key, Counted(drops.clone()));
            local.insert(&key, Counted(drops.clone()));
            let table_dropper = {
                let local = local.clone();
                thread::spawn(move || drop(local))
            };
            drop(local);
            let key_dropper = thread::spawn(move || drop(key));
            table_dropper.join().unwrap();
            key_dropper.join().unwrap();
        }
        assert_eq!(drops.load(SeqCst), 2 * rounds);
    });
}

#[test]
fn a_key_held_by_a_thread_local_is_released_at_thread_exit() {
    static MAP: WeakMap<Anchor, Counted> = WeakMap::new();
    thread_local! {
        static KEY: Anchor = const { Anchor::new() };
    }
    let drops = counter();
    let in_thread = drops.clone();
    thread::spawn(move || {
        KEY.with(|key| MAP.insert(key, Counted(in_thread)));
    })
    .join()
    .unwrap();
    assert_eq!(drops.load(SeqCst), 1);
}

/// A value whose `clone` panics; it counts its drop.
struct CloneBomb(#[allow(dead_code)] Counted);

impl Clone for CloneBomb {
    fn clone(&self) -> Self {
        panic!("clone bomb");
    }
}

/// The value is stored before `clone` runs; if `clone` panics, the key must
/// still release it when it dies.
#[test]
fn a_value_stored_by_get_or_insert_is_released_even_if_its_clone_panics() {
    let drops = counter();
    let map = WeakMap::new();
    let key = Anchor::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        map.get_or_insert(&key, CloneBomb(Counted(drops.clone())))
    }));
    assert!(outcome.is_err());
    assert!(map.contains_key(&key));
    drop(key);
    assert_eq!(drops.load(SeqCst), 1);
}

/// The value `get_or_insert` did not store is dropped with no lock held, even
/// when the clone of the stored value panics: its `Drop` may use the table,
/// and may release keys that have values in it.
#[test]
fn an_unused_value_is_dropped_outside_the_lock_even_if_clone_panics() {
    static TABLE: WeakMap<Anchor, Visitor> = WeakMap::new();
    /// Uses `TABLE` and releases `owned` when dropped.
    struct Visitor {
        owned: Option<Anchor>,
        drops: Arc<AtomicUsize>,
    }
    impl Clone for Visitor {
        fn clone(&self) -> Self {
            panic!("clone bomb");
        }
    }
    impl Drop for Visitor {
        fn drop(&mut self) {
            if let Some(owned) = self.owned.take() {
                assert!(TABLE.contains_key(&owned));
                drop(owned);
            }
            self.drops.fetch_add(1, SeqCst);
        }
    }
    within_deadline(|| {
        let drops = counter();
        let visitor = |owned| Visitor {
            owned,
            drops: drops.clone(),
        };
        let key = Anchor::new();
        TABLE.insert(&key, visitor(None));
        // Keys in every shard, so one shares the shard of `key`.
        let owned: Vec<Anchor> = (0..64).map(|_| Anchor::new()).collect();
        for key in &owned {
            TABLE.insert(key, visitor(None));
        }
        for owned in owned {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                TABLE.get_or_insert(&key, visitor(Some(owned)))
            }));
            assert!(outcome.is_err());
        }
        // Each unused visitor and each owned key's value were dropped.
        assert_eq!(drops.load(SeqCst), 2 * 64);
        drop(key);
        assert_eq!(drops.load(SeqCst), 2 * 64 + 1);
    });
}

/// Keys of a table dropped inside a closure of that same table are
/// reclaimed before their drop returns, and their values' `Drop` may use the
/// table.
#[test]
fn keys_dropped_inside_a_closure_of_their_table_are_reclaimed_at_once() {
    static TABLE: WeakMap<Anchor, Probe> = WeakMap::new();
    static PROBED: Anchor = Anchor::new();
    static DROPPED: AtomicUsize = AtomicUsize::new(0);
    static TABLE_WORKED: AtomicUsize = AtomicUsize::new(0);
    struct Probe;
    impl Drop for Probe {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, SeqCst);
            if TABLE.contains_key(&PROBED) {
                TABLE_WORKED.fetch_add(1, SeqCst);
            }
        }
    }
    let victims = if cfg!(any(miri, weakattach_sanitized)) {
        64
    } else {
        256
    };
    TABLE.insert(&PROBED, Probe);
    let reader = Anchor::new();
    TABLE.insert(&reader, Probe);
    let doomed: Vec<Anchor> = (0..victims).map(|_| Anchor::new()).collect();
    for key in &doomed {
        TABLE.insert(key, Probe);
    }
    let read = TABLE.with(&reader, |_| {
        drop(doomed);
        DROPPED.load(SeqCst)
    });
    assert_eq!(
        read,
        Some(victims),
        "every value was dropped inside the closure"
    );
    assert_eq!(TABLE_WORKED.load(SeqCst), victims);
}

/// A key in many tables at once finds each of its entries while tables come
/// and go (its index of spare records grows into a hash map, and back).
#[test]
fn a_key_keeps_its_entries_while_its_tables_come_and_go() {
    let drops = counter();
    let key = Anchor::new();
    let tables: Vec<WeakMap<Anchor, (usize, Counted)>> = (0..40).map(|_| WeakMap::new()).collect();
    for round in 0..3 {
        for (i, table) in tables.iter().enumerate() {
            assert!(table.insert(&key, (i, Counted(drops.clone()))).is_none());
        }
        // Leave one table in three, by `remove` or `clear`, then check the rest.
        for (i, table) in tables.iter().enumerate().filter(|(i, _)| i % 3 != round) {
            if i % 2 == 0 {
                assert_eq!(table.remove(&key).map(|(n, _)| n), Some(i));
            } else {
                table.clear();
            }
        }
        for (i, table) in tables.iter().enumerate() {
            let expected = (i % 3 == round).then_some(i);
            assert_eq!(
                table.with(&key, |(n, _)| *n),
                expected,
                "table {i}, round {round}"
            );
        }
        for table in &tables {
            table.clear();
        }
    }
    assert_eq!(drops.load(SeqCst), 3 * 40);
    drop(key);
    assert_eq!(drops.load(SeqCst), 3 * 40);
}
