//! SPEC §4, guarantee 6: **threads.** Every table works from many threads at
//! once; keys may be created, attached and dropped on different threads;
//! `static` tables work. Sizes are bounded and every test runs under the
//! deadline watchdog, so a deadlock fails instead of hanging.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;

use common::{Counted, Counter, Dog, within_deadline};
use weakattach::{Anchor, Keyed, WeakMap, WeakSet};

const THREADS: usize = 4;
const ROUNDS: usize = if cfg!(any(miri, weakattach_sanitized)) {
    20
} else {
    2_000
};

#[test]
fn keys_attached_on_one_thread_can_be_dropped_on_another() {
    const KEYS: usize = if cfg!(any(miri, weakattach_sanitized)) {
        10
    } else {
        500
    };
    within_deadline("cross-thread key drops", || {
        let drops = Counter::new();
        let table: Arc<WeakMap<Dog, Counted>> = Arc::new(WeakMap::new());
        let set: Arc<WeakSet<Dog>> = Arc::new(WeakSet::new());

        // Made and attached here, dropped there.
        let keys: Vec<Dog> = (0..KEYS).map(|_| Dog::new("traveller")).collect();
        for (i, key) in keys.iter().enumerate() {
            table.insert(key, drops.value_of(i));
            set.insert(key);
        }
        let d = drops.clone();
        let t = Arc::clone(&table);
        let dropped_there = thread::spawn(move || {
            for (i, key) in keys.iter().enumerate() {
                assert_eq!(
                    t.with(key, |v| v.payload),
                    Some(i),
                    "visible on the other thread"
                );
            }
            drop(keys);
            d.dropped()
        })
        .join()
        .unwrap();
        assert_eq!(
            dropped_there, KEYS,
            "released on the thread that dropped the keys"
        );

        // Made on one thread, attached on a second, dropped on a third.
        let (to_attacher, at_attacher) = mpsc::channel::<Dog>();
        let (to_dropper, at_dropper) = mpsc::channel::<Dog>();
        let maker = thread::spawn(move || {
            for _ in 0..KEYS {
                to_attacher.send(Dog::new("made")).unwrap();
            }
        });
        let (t, s, d) = (Arc::clone(&table), Arc::clone(&set), drops.clone());
        let attacher = thread::spawn(move || {
            for key in at_attacher {
                t.insert(&key, d.value());
                s.insert(&key);
                to_dropper.send(key).unwrap();
            }
        });
        let (t, d) = (Arc::clone(&table), drops.clone());
        let dropper = thread::spawn(move || {
            for key in at_dropper {
                assert!(t.contains_key(&key));
                let before = d.dropped();
                drop(key);
                assert!(
                    d.dropped() > before,
                    "the value went before the drop returned"
                );
            }
        });
        maker.join().unwrap();
        attacher.join().unwrap();
        dropper.join().unwrap();
        assert_eq!(drops.dropped(), 2 * KEYS);
    });
}

static VISITS: WeakMap<Dog, usize> = WeakMap::new();
static SEEN: WeakSet<Dog> = WeakSet::new();
static SHARED: WeakMap<Anchor, usize> = WeakMap::new();
static SHARED_KEY: Anchor = Anchor::new();

#[test]
fn static_tables_work_from_several_threads() {
    within_deadline("static tables from several threads", || {
        SHARED.insert(&SHARED_KEY, 0);
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                thread::spawn(move || {
                    for i in 0..ROUNDS {
                        let dog = Dog::new("visitor");
                        assert!(SEEN.insert(&dog));
                        VISITS.insert(&dog, t * ROUNDS + i);
                        VISITS.with_mut(&dog, |v| *v += 1);
                        assert_eq!(VISITS.get(&dog), Some(t * ROUNDS + i + 1));
                        assert!(SEEN.contains(&dog));
                        if i % 2 == 0 {
                            assert!(SEEN.remove(&dog));
                            assert_eq!(VISITS.remove(&dog), Some(t * ROUNDS + i + 1));
                        }
                        SHARED.with_mut(&SHARED_KEY, |n| *n += 1);
                        drop(dog);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(
            SHARED.get(&SHARED_KEY),
            Some(THREADS * ROUNDS),
            "every increment of the shared entry was kept"
        );
    });
}

#[test]
fn many_threads_insert_read_and_remove_on_one_table_while_keys_die() {
    within_deadline("mixed operations from many threads", || {
        let made = Arc::new(AtomicUsize::new(0));
        let drops = Counter::new();
        let table: WeakMap<Keyed<usize>, Counted> = WeakMap::new();
        let set: WeakSet<Keyed<usize>> = WeakSet::new();
        // Long-lived keys that every thread reads while others die.
        let shared: Vec<Keyed<usize>> = (0..16).map(Keyed::new).collect();
        for key in &shared {
            table.insert(key, drops.value_of(**key));
            made.fetch_add(1, SeqCst);
        }
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..THREADS)
            .map(|_| mpsc::channel::<Keyed<usize>>())
            .unzip();

        thread::scope(|s| {
            for (t, inbox) in receivers.into_iter().enumerate() {
                let neighbour = senders[(t + 1) % THREADS].clone();
                let (table, set, shared, made, drops) = (&table, &set, &shared, &made, &drops);
                s.spawn(move || {
                    for i in 0..ROUNDS {
                        let key = Keyed::new(t * ROUNDS + i);
                        assert!(table.insert(&key, drops.value_of(*key)).is_none());
                        made.fetch_add(1, SeqCst);
                        set.insert(&key);
                        assert_eq!(table.with(&key, |v| v.payload), Some(*key));
                        let probe = &shared[i % shared.len()];
                        assert_eq!(table.with(probe, |v| v.payload), Some(**probe));
                        match i % 4 {
                            0 => drop(table.remove(&key).expect("present")),
                            1 => {
                                let old = table.insert(&key, drops.value_of(*key));
                                made.fetch_add(1, SeqCst);
                                drop(old.expect("replaced"));
                            }
                            // Dropped on the neighbour thread (or here,
                            // inside the error, if it has finished).
                            2 => drop(neighbour.send(key)),
                            _ => drop(key),
                        }
                        // Keys sent by the other neighbour die here.
                        while let Ok(key) = inbox.try_recv() {
                            assert!(set.contains(&key));
                            drop(key);
                        }
                    }
                    // Keys still in flight die with the channel.
                    drop((neighbour, inbox));
                });
            }
            drop(senders);
        });
        for key in &shared {
            assert_eq!(table.with(key, |v| v.payload), Some(**key));
        }
        drop(shared);
        assert_eq!(
            drops.dropped(),
            made.load(SeqCst),
            "every value dropped exactly once"
        );
    });
}

/// A value produced by one racing factory.
struct Candidate {
    id: usize,
    _counted: Counted,
}

#[test]
fn racing_get_or_insert_with_callers_all_get_the_first_stored_value() {
    const RACES: usize = if cfg!(any(miri, weakattach_sanitized)) {
        3
    } else {
        200
    };
    within_deadline("racing `get_or_insert_with`", || {
        let table: WeakMap<Dog, Arc<Candidate>> = WeakMap::new();
        for race in 0..RACES {
            let drops = Counter::new();
            let factories_ran = AtomicUsize::new(0);
            let start = Barrier::new(THREADS);
            let in_factories = Barrier::new(THREADS);
            let key = Dog::new("contested");

            let seen: Vec<usize> = thread::scope(|s| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|t| {
                        let (table, key, drops) = (&table, &key, &drops);
                        let (start, in_factories, factories_ran) =
                            (&start, &in_factories, &factories_ran);
                        s.spawn(move || {
                            start.wait();
                            let got = table.get_or_insert_with(key, || {
                                factories_ran.fetch_add(1, SeqCst);
                                // No caller can store before every caller is
                                // in its factory: they all really race.
                                in_factories.wait();
                                Arc::new(Candidate {
                                    id: t,
                                    _counted: drops.value(),
                                })
                            });
                            got.id
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });

            assert_eq!(factories_ran.load(SeqCst), THREADS, "race {race}");
            let winner = seen[0];
            assert!(
                seen.iter().all(|&id| id == winner),
                "race {race}: callers saw different values {seen:?}"
            );
            assert_eq!(table.get(&key).map(|c| c.id), Some(winner), "race {race}");
            assert_eq!(
                drops.dropped(),
                THREADS - 1,
                "race {race}: the losing values were dropped"
            );
            drop(key);
            assert_eq!(drops.dropped(), THREADS, "race {race}");
        }
    });
}

/// More threads read one table than it has reader slots of their own (each
/// thread owns one of 15 while it lives, the rest share one), in waves, so
/// that a thread's slot passes to a thread of the next wave, while another
/// thread keeps replacing the values they read: every read sees a whole
/// value, and every value is dropped once.
#[test]
fn more_readers_than_slots_come_and_go_while_their_values_are_replaced() {
    const WAVES: usize = 3;
    const READERS: usize = 20;
    const READS: usize = if cfg!(any(miri, weakattach_sanitized)) {
        4
    } else {
        500
    };
    within_deadline("readers in waves beside a writer", || {
        let drops = Counter::new();
        let made = AtomicUsize::new(0);
        let table: WeakMap<Keyed<usize>, (Box<[usize; 4]>, Counted)> = WeakMap::new();
        let keys: Vec<Keyed<usize>> = (0..8).map(Keyed::new).collect();
        let value = |n: usize| {
            made.fetch_add(1, SeqCst);
            (Box::new([n; 4]), drops.value_of(n))
        };
        for key in &keys {
            table.insert(key, value(0));
        }
        let stop = std::sync::atomic::AtomicBool::new(false);
        thread::scope(|s| {
            s.spawn(|| {
                let mut n = 1;
                while !stop.load(SeqCst) {
                    let old = table.insert(&keys[n % keys.len()], value(n));
                    drop(old.expect("replaced"));
                    n += 1;
                    // Under valgrind, which runs one thread at a time, a
                    // writer that never yields starves the readers it waits
                    // for.
                    if cfg!(weakattach_sanitized) {
                        thread::yield_now();
                    }
                }
            });
            for _ in 0..WAVES {
                thread::scope(|wave| {
                    for t in 0..READERS {
                        let (table, keys) = (&table, &keys);
                        wave.spawn(move || {
                            for i in 0..READS {
                                let key = &keys[(t + i) % keys.len()];
                                let whole = table.with(key, |(numbers, _)| {
                                    numbers.iter().all(|&n| n == numbers[0])
                                });
                                assert_eq!(whole, Some(true), "a read saw a whole value");
                            }
                        });
                    }
                });
            }
            stop.store(true, SeqCst);
        });
        drop(keys);
        assert_eq!(
            drops.dropped(),
            made.load(SeqCst),
            "every value dropped once"
        );
    });
}

static READ_AT_EXIT: WeakMap<Anchor, usize> = WeakMap::new();
static READ_AT_EXIT_KEY: Anchor = Anchor::new();

/// Looks `READ_AT_EXIT_KEY` up as it is dropped, and says what it saw.
struct LooksUpAtExit(mpsc::Sender<Option<usize>>);

impl Drop for LooksUpAtExit {
    fn drop(&mut self) {
        for _ in 0..3 {
            let _ = self.0.send(READ_AT_EXIT.get(&READ_AT_EXIT_KEY));
        }
    }
}

thread_local! {
    static LOOKER: std::cell::RefCell<Option<LooksUpAtExit>> = const { std::cell::RefCell::new(None) };
}

/// Lookups made while a thread's thread-locals are dropped (before or after
/// the thread gives back its reader slot, whichever order std picks) see the
/// value, and leave no count behind: a write of the entry afterwards, which
/// waits for the table's lookups, returns.
#[test]
fn lookups_during_thread_local_teardown_see_the_value_and_let_writers_through() {
    within_deadline("lookups at thread exit", || {
        READ_AT_EXIT.insert(&READ_AT_EXIT_KEY, 1);
        for looked_up_before in [true, false] {
            let (sender, seen) = mpsc::channel();
            thread::spawn(move || {
                if looked_up_before {
                    // Takes this thread's reader slot.
                    assert_eq!(READ_AT_EXIT.get(&READ_AT_EXIT_KEY), Some(1));
                }
                LOOKER.with(|looker| *looker.borrow_mut() = Some(LooksUpAtExit(sender)));
            })
            .join()
            .unwrap();
            assert_eq!(seen.iter().collect::<Vec<_>>(), [Some(1); 3]);
            assert_eq!(READ_AT_EXIT.insert(&READ_AT_EXIT_KEY, 1), Some(1));
        }
    });
}
