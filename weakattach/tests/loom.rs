//! loom models of the atomic and lock-free steps of the runtime: every
//! interleaving of the threads below (up to loom's preemption bound) is run,
//! and each must drop every value exactly once and never block a key's drop.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p weakattach --test loom --release
//! ```
//!
//! Under `cfg(loom)` a table has a single shard, so that every key of a model
//! meets the shard a closure holds.
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
