//! SPEC §4, guarantee 2: **prompt reclamation.** When a key is dropped, every
//! value attached to it in every live table is dropped before that drop
//! returns; (a) keys dropped by a running release (values that own keys) join
//! it, and everything is dropped before the outermost drop returns; (b) if the
//! affected table is inside a `with`/`with_mut` closure (on any thread), the
//! key's drop does not wait. The contract allows the values there to be left
//! to that closure's call; this implementation does better, and the tests
//! below hold it to that: a closure holds only its own entry, so the values
//! of every other key are dropped before that key's drop returns, on the
//! dropping thread, while the closure still runs.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, ThreadId};

use common::{Counted, Counter, Dog, HANDSHAKE, Owner, within_deadline};
use weakattach::{Anchor, Keyed, Side, WeakMap, WeakSet};

#[test]
fn a_keys_values_in_every_table_are_dropped_before_its_drop_returns() {
    static GLOBAL: WeakMap<Dog, Counted> = WeakMap::new();
    let drops = Counter::new();
    let bystanders = Counter::new();
    let first: WeakMap<Dog, Counted> = WeakMap::new();
    let second: WeakMap<Dog, (Counted, String)> = WeakMap::new();
    let sides: WeakMap<Dog, Counted> = WeakMap::new();
    let members: WeakSet<Dog> = WeakSet::new();

    let rex = Dog::new("Rex");
    let fido = Dog::new("Fido");
    for dog in [&rex, &fido] {
        let counter = if dog.name == "Rex" {
            &drops
        } else {
            &bystanders
        };
        first.insert(dog, counter.value());
        second.insert(dog, (counter.value(), "notes".to_owned()));
        GLOBAL.insert(dog, counter.value());
        sides.side(dog).set(counter.value());
        members.insert(dog);
    }
    Side::new(&sides, &rex).with_mut(|v| v.payload = 7);
    assert_eq!(drops.dropped(), 0);

    drop(rex);
    assert_eq!(
        drops.dropped(),
        4,
        "all four values of the key must be gone when its drop returns"
    );
    assert_eq!(
        bystanders.dropped(),
        0,
        "another key's values are untouched"
    );
    assert!(first.contains_key(&fido) && GLOBAL.contains_key(&fido));
    assert!(sides.side(&fido).is_set() && members.contains(&fido));

    drop(fido);
    assert_eq!(bystanders.dropped(), 4);
}

#[test]
fn insert_and_set_return_the_replaced_value_and_remove_returns_the_value() {
    let drops = Counter::new();
    let table: WeakMap<Keyed<u8>, Counted> = WeakMap::new();
    let key = Keyed::new(1);

    assert!(table.insert(&key, drops.value_of(1)).is_none());
    let replaced = table.insert(&key, drops.value_of(2)).expect("replaced");
    assert_eq!(replaced.payload, 1);
    assert_eq!(
        drops.dropped(),
        0,
        "the replaced value is handed back, alive"
    );
    drop(replaced);
    assert_eq!(drops.dropped(), 1);

    let side = table.side(&key);
    let replaced = side
        .set(drops.value_of(3))
        .expect("replaced through the side");
    assert_eq!(replaced.payload, 2);
    drop(replaced);
    assert_eq!(drops.dropped(), 2);

    let removed = table.remove(&key).expect("removed");
    assert_eq!((removed.payload, drops.dropped()), (3, 2));
    drop(removed);
    assert_eq!(drops.dropped(), 3);

    table.insert(&key, drops.value_of(4));
    drop(key);
    assert_eq!(drops.dropped(), 4);
}

/// A tree of keys: each key's value (in table `a` or `b`, by level) owns the
/// keys of the level below. Returns the root key.
fn tree(
    depth: u32,
    a: &WeakMap<Dog, Owner<Dog>>,
    b: &WeakMap<Dog, Owner<Dog>>,
    extra: &WeakMap<Dog, Counted>,
    drops: &Counter,
) -> Dog {
    const FAN_OUT: usize = 4;
    let key = Dog::new("node");
    let children = if depth == 0 {
        Vec::new()
    } else {
        (0..FAN_OUT)
            .map(|_| tree(depth - 1, a, b, extra, drops))
            .collect()
    };
    let table = if depth % 2 == 0 { a } else { b };
    table.insert(&key, Owner::new(drops, children));
    extra.insert(&key, drops.value());
    key
}

#[test]
fn keys_owned_by_values_are_all_released_before_the_outermost_drop_returns() {
    const DEPTH: u32 = if cfg!(any(miri, weakattach_sanitized)) {
        2
    } else {
        5
    };
    let nodes = (0..=DEPTH).map(|d| 4_usize.pow(d)).sum::<usize>();
    let drops = Counter::new();
    let a = WeakMap::new();
    let b = WeakMap::new();
    let extra = WeakMap::new();

    let root = tree(DEPTH, &a, &b, &extra, &drops);
    let bystander = Dog::new("bystander");
    a.insert(&bystander, Owner::new(&drops, vec![Dog::new("kept")]));
    assert_eq!(drops.dropped(), 0);

    drop(root);
    assert_eq!(
        drops.dropped(),
        2 * nodes,
        "every value of every nested key is dropped before the root's drop returns"
    );
    assert_eq!(a.with(&bystander, |o| o.keys.len()), Some(1));
}

/// A value that logs the thread it is dropped on.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<ThreadId>>>);

struct Tagged(Log);

impl Drop for Tagged {
    fn drop(&mut self) {
        self.0.0.lock().unwrap().push(thread::current().id());
    }
}

impl Log {
    fn value(&self) -> Tagged {
        Tagged(self.clone())
    }
    fn dropped(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn dropped_on(&self, thread: ThreadId) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|&&t| t == thread)
            .count()
    }
}

/// Many keys, so that some of them would share whatever part of the table
/// the closure's call holds, if it held more than its own entry.
const VICTIMS: usize = if cfg!(any(miri, weakattach_sanitized)) {
    48
} else {
    256
};

/// Runs `f` inside `with` or `with_mut` on `table`'s entry for `key`.
fn inside<R>(
    table: &WeakMap<Dog, Tagged>,
    key: &Dog,
    mutable: bool,
    f: impl FnOnce() -> R,
) -> Option<R> {
    if mutable {
        table.with_mut(key, |_| f())
    } else {
        table.with(key, |_| f())
    }
}

fn key_dropped_inside_a_closure_on_the_same_thread(mutable: bool) {
    let log = Log::default();
    let elsewhere_drops = Counter::new();
    let table: WeakMap<Dog, Tagged> = WeakMap::new();
    let elsewhere: WeakMap<Dog, Counted> = WeakMap::new();
    let holder = Dog::new("holder");
    table.insert(&holder, log.value());
    let victims: Vec<Dog> = (0..VICTIMS).map(|_| Dog::new("victim")).collect();
    for victim in &victims {
        table.insert(victim, log.value());
        elsewhere.insert(victim, elsewhere_drops.value());
    }

    let alive_inside = inside(&table, &holder, mutable, || {
        drop(victims); // returns at once, though `table` is busy
        assert_eq!(
            elsewhere_drops.dropped(),
            VICTIMS,
            "values in tables that are not busy are dropped before the key's drop returns"
        );
        VICTIMS - log.dropped()
    })
    .expect("holder is attached");
    assert_eq!(
        alive_inside, 0,
        "the values in the busy table are dropped before the keys' drops return, inside the \
         closure"
    );
    assert_eq!(log.dropped_on(thread::current().id()), VICTIMS);

    // The table still works, for the holder and for new keys.
    assert!(table.contains_key(&holder));
    let newcomer = Dog::new("newcomer");
    table.insert(&newcomer, log.value());
    drop(newcomer);
    assert_eq!(log.dropped(), VICTIMS + 1);
}

#[test]
fn a_key_dropped_inside_with_on_the_same_thread_is_reclaimed_before_its_drop_returns() {
    within_deadline("drop inside `with`", || {
        key_dropped_inside_a_closure_on_the_same_thread(false);
    });
}

#[test]
fn a_key_dropped_inside_with_mut_on_the_same_thread_is_reclaimed_before_its_drop_returns() {
    within_deadline("drop inside `with_mut`", || {
        key_dropped_inside_a_closure_on_the_same_thread(true);
    });
}

fn key_dropped_on_another_thread_while_a_closure_runs(mutable: bool) {
    let log = Log::default();
    let elsewhere_drops = Counter::new();
    let table: WeakMap<Dog, Tagged> = WeakMap::new();
    let elsewhere: WeakMap<Dog, Counted> = WeakMap::new();
    let holder = Dog::new("holder");
    table.insert(&holder, log.value());
    let victims: Vec<Dog> = (0..VICTIMS).map(|_| Dog::new("victim")).collect();
    for victim in &victims {
        table.insert(victim, log.value());
        elsewhere.insert(victim, elsewhere_drops.value());
    }
    let (inside_tx, inside_rx) = mpsc::channel::<()>();
    let (dropped_tx, dropped_rx) = mpsc::channel::<usize>();

    thread::scope(|scope| {
        let (log, elsewhere_drops) = (&log, &elsewhere_drops);
        let dropper = scope.spawn(move || {
            inside_rx
                .recv_timeout(HANDSHAKE)
                .expect("the closure did not start");
            drop(victims);
            // The drop returned while the closure still runs (it waits for
            // the message below).
            let dropped_by_now = log.dropped();
            assert_eq!(elsewhere_drops.dropped(), VICTIMS);
            dropped_tx.send(dropped_by_now).unwrap();
            thread::current().id()
        });

        let (heard, alive_inside) = inside(&table, &holder, mutable, || {
            inside_tx.send(()).unwrap();
            let heard = dropped_rx.recv_timeout(HANDSHAKE);
            (heard, VICTIMS - log.dropped())
        })
        .expect("holder is attached");
        let after_call = log.dropped();
        let dropped_by_other = heard.expect(
            "the other thread's key drop did not return while this closure ran: a key's drop \
             must not wait for a closure",
        );
        assert_eq!(after_call, VICTIMS);
        assert_eq!(
            (dropped_by_other, alive_inside),
            (VICTIMS, 0),
            "the values in the busy table are dropped before the keys' drops return, while the \
             closure still runs"
        );
        let other = dropper.join().unwrap();
        assert_eq!(log.dropped_on(thread::current().id()), 0);
        assert_eq!(log.dropped_on(other), VICTIMS, "on the dropping thread");
    });
    assert!(table.contains_key(&holder));
}

#[test]
fn a_key_dropped_on_another_thread_during_with_does_not_wait_and_is_reclaimed_before_its_drop_returns()
 {
    within_deadline("drop on another thread during `with`", || {
        key_dropped_on_another_thread_while_a_closure_runs(false);
    });
}

#[test]
fn a_key_dropped_on_another_thread_during_with_mut_does_not_wait_and_is_reclaimed_before_its_drop_returns()
 {
    within_deadline("drop on another thread during `with_mut`", || {
        key_dropped_on_another_thread_while_a_closure_runs(true);
    });
}

/// Sets its flag when dropped.
struct Stop<'a>(&'a AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Relaxed);
    }
}

/// Lookups on another thread do not put a key's reclamation off: a key
/// dropped while the other thread reads the table still has its value
/// dropped before its drop returns.
#[test]
fn a_key_dropped_while_another_thread_looks_up_is_reclaimed_before_its_drop_returns() {
    within_deadline("key drops during lookups on another thread", || {
        const ROUNDS: usize = if cfg!(any(miri, weakattach_sanitized)) {
            40
        } else {
            100_000
        };
        let drops = Counter::new();
        let table: WeakMap<Dog, Counted> = WeakMap::new();
        // Residents, so that the lookups run all the time the keys die.
        let resident_drops = Counter::new();
        let residents: Vec<Dog> = (0..64).map(|_| Dog::new("resident")).collect();
        for resident in &residents {
            table.insert(resident, resident_drops.value());
        }
        let stop = AtomicBool::new(false);
        let (started_tx, started_rx) = mpsc::channel();
        thread::scope(|scope| {
            // Lookups of every resident, pass after pass until told to stop;
            // the start is told after the first pass, so that they are
            // under way when the keys start dying.
            let looker = scope.spawn(|| {
                let (mut found, mut passes) = (0usize, 0usize);
                let mut started = Some(started_tx);
                loop {
                    for resident in &residents {
                        found += usize::from(table.contains_key(resident));
                    }
                    passes += 1;
                    if let Some(started) = started.take() {
                        started.send(()).unwrap();
                    }
                    if stop.load(Relaxed) {
                        return (found, passes);
                    }
                    // A key's drop waits for the lookups that may have
                    // missed it to leave. valgrind runs one thread at a time
                    // and takes this one off the processor wherever its
                    // slice ends, most often inside a lookup: a yield
                    // between passes lets the drop run while none is.
                    if cfg!(weakattach_sanitized) {
                        thread::yield_now();
                    }
                }
            });
            started_rx
                .recv_timeout(HANDSHAKE)
                .expect("the lookups did not start");
            // Stops the lookups also when an assertion below fails, so that
            // its message is what the test reports.
            let stop = Stop(&stop);
            for round in 1..=ROUNDS {
                let key = Dog::new("transient");
                table.insert(&key, drops.value());
                drop(key);
                assert_eq!(
                    drops.dropped(),
                    round,
                    "the value was not dropped before the key's drop returned"
                );
            }
            drop(stop);
            let (found, passes) = looker.join().unwrap();
            assert_eq!(
                found,
                passes * residents.len(),
                "a resident went missing while other keys died"
            );
        });
    });
}

#[test]
fn an_anchor_key_releases_its_values_too() {
    let drops = Counter::new();
    let table: WeakMap<Anchor, Counted> = WeakMap::new();
    let set: WeakSet<Anchor> = WeakSet::new();
    let anchor = Anchor::new();
    table.insert(&anchor, drops.value());
    set.insert(&anchor);
    drop(anchor);
    assert_eq!(drops.dropped(), 1);
}
