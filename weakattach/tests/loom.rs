//! loom models of the atomic and lock-free steps of the runtime: every
//! interleaving of the threads below (up to loom's preemption bound) is run,
//! and each must drop every value exactly once and never block a key's drop.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p weakattach --test loom --release
//! ```
//!
//! Under `cfg(loom)` a table has a single shard and a single reader slot, so
//! that every key of a model meets the shard another thread reads or holds,
//! and its map is a loom `UnsafeCell`, so that a reader and a writer in it at
//! once fail the model.
#![cfg(loom)]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use loom::sync::Arc;
use loom::thread;
use weakattach::{Anchor, WeakMap};

/// A value that counts its drops.
struct Counted(std::sync::Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counter() -> std::sync::Arc<AtomicUsize> {
    std::sync::Arc::new(AtomicUsize::new(0))
}

/// Two threads attach the same key for the first time at once: one node
/// wins, the other is freed, and both entries belong to the one identity.
#[test]
fn first_attach_races_on_two_threads() {
    loom::model(|| {
        let drops = counter();
        let key = Arc::new(Anchor::new());
        let first = Arc::new(WeakMap::new());
        let second = Arc::new(WeakMap::new());
        let racer = {
            let (key, first, drops) = (key.clone(), first.clone(), drops.clone());
            thread::spawn(move || {
                first.insert(&*key, Counted(drops));
            })
        };
        second.insert(&*key, Counted(drops.clone()));
        racer.join().unwrap();
        assert!(first.contains_key(&*key) && second.contains_key(&*key));
        drop(Arc::try_unwrap(key).ok().unwrap());
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// A key dies on one thread while its table is dropped on another: the
/// value is dropped once, by whichever gets to it.
#[test]
fn a_key_dropped_while_its_table_is_dropped() {
    loom::model(|| {
        let drops = counter();
        let key = Anchor::new();
        let table = WeakMap::new();
        table.insert(&key, Counted(drops.clone()));
        let key_dropper = thread::spawn(move || drop(key));
        drop(table);
        key_dropper.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A key dies on one thread while another thread runs a closure on its
/// table: the drop does not wait (loom reports a deadlock if it does), and
/// the value is gone once the closure's call has returned.
#[test]
fn a_key_dropped_while_the_table_runs_a_closure() {
    loom::model(|| {
        let drops = counter();
        let table = Arc::new(WeakMap::new());
        let held = Anchor::new();
        let doomed = Anchor::new();
        table.insert(&held, Counted(counter()));
        table.insert(&doomed, Counted(drops.clone()));
        let closure = {
            let table = table.clone();
            thread::spawn(move || {
                table.with_mut(&held, |_| thread::yield_now());
                held
            })
        };
        drop(doomed);
        let held = closure.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        assert!(table.contains_key(&held));
    });
}

/// A key dies on one thread while another thread reads the table in a
/// `with` closure: the drop does not wait, and the reader that leaves last
/// drops the value before its call returns.
#[test]
fn a_key_dropped_while_a_reader_runs_a_closure() {
    loom::model(|| {
        let drops = counter();
        let table = Arc::new(WeakMap::new());
        let held = Anchor::new();
        let doomed = Anchor::new();
        table.insert(&held, Counted(counter()));
        table.insert(&doomed, Counted(drops.clone()));
        let reader = {
            let table = table.clone();
            thread::spawn(move || {
                assert!(table.with(&held, |_| thread::yield_now()).is_some());
                held
            })
        };
        drop(doomed);
        let held = reader.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        assert!(table.contains_key(&held));
    });
}

/// A reader, a writer and a dying key meet in one shard: the writer waits
/// for the reader, the key's drop waits for neither of them, each value is
/// dropped once, and the reader sees the value it looked up. The map is a
/// loom `UnsafeCell` here, so loom also fails the model if a writer and a
/// reader are ever in it at once (a bound of three preemptions is what it
/// takes to meet a writer that does not wait for readers).
#[test]
fn a_reader_a_writer_and_a_dying_key() {
    let mut model = loom::model::Builder::new();
    model.max_branches = 100_000;
    model.preemption_bound.get_or_insert(3);
    model.check(|| {
        let drops = counter();
        let table = Arc::new(WeakMap::new());
        let read = Anchor::new();
        let doomed = Anchor::new();
        table.insert(&read, Counted(counter()));
        table.insert(&doomed, Counted(drops.clone()));
        let reader = {
            let table = table.clone();
            thread::spawn(move || {
                assert!(table.with(&read, |value: &Counted| value.0.load(SeqCst)) == Some(0));
                read
            })
        };
        let writer = {
            let (table, drops) = (table.clone(), drops.clone());
            thread::spawn(move || {
                let written = Anchor::new();
                assert!(table.insert(&written, Counted(drops)).is_none());
                written
            })
        };
        drop(doomed);
        let read = reader.join().unwrap();
        let written = writer.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        assert!(table.contains_key(&read) && table.contains_key(&written));
        drop(written);
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// Two keys die at once on two threads while a third thread reads. A key
/// whose eviction finds the shard locked by a short call (not user code)
/// spins until it is free, so this model needs more branches than loom's
/// default allows.
#[test]
fn two_keys_die_while_a_reader_holds_the_shard() {
    let mut model = loom::model::Builder::new();
    model.max_branches = 100_000;
    model.preemption_bound.get_or_insert(2);
    model.check(|| {
        let drops = counter();
        let table = Arc::new(WeakMap::new());
        let reader_key = Anchor::new();
        table.insert(&reader_key, Counted(counter()));
        let keys: Vec<Anchor> = (0..2).map(|_| Anchor::new()).collect();
        for key in &keys {
            table.insert(key, Counted(drops.clone()));
        }
        let reader = {
            let table = table.clone();
            thread::spawn(move || {
                assert!(table.with(&reader_key, |_| ()).is_some());
                reader_key
            })
        };
        let mut keys = keys.into_iter();
        let first = keys.next().unwrap();
        let dropper = thread::spawn(move || drop(first));
        drop(keys);
        dropper.join().unwrap();
        drop(reader.join().unwrap());
        assert_eq!(drops.load(SeqCst), 2);
    });
}
