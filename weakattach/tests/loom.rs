//! loom models of the atomic and lock-free steps of the runtime: every
//! interleaving of the threads below (up to loom's preemption bound) is run,
//! and each must drop every value exactly once and never block a key's drop.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p weakattach --features loom --test loom --release
//! ```
//!
//! Under `cfg(all(loom, feature = "loom"))` every value sits in a loom `UnsafeCell`, so a reader and
//! a writer in one record at once fail the model, and so do accesses to a
//! table's registry or a key's spare records that no lock orders.
//!
//! Each model that guards one step of the protocol also runs against a
//! broken copy of that step (`--cfg weakattach_mutant="NAME"`, see the
//! runtime's sources), which it must fail: `.ci/run` checks that it does.
#![cfg(all(loom, feature = "loom"))]

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

/// Runs `body` in every interleaving loom explores with at most two
/// preemptions (the waits of the runtime spin, which loom explores round by
/// round, hence the branch budget).
fn model(body: impl Fn() + Sync + Send + 'static) {
    let mut model = loom::model::Builder::new();
    model.max_branches = 1_000_000;
    model.preemption_bound.get_or_insert(2);
    model.check(body);
}

fn counter() -> std::sync::Arc<AtomicUsize> {
    std::sync::Arc::new(AtomicUsize::new(0))
}

/// Two threads attach the same key for the first time at once: one node
/// wins, the other is freed, and both entries belong to the one identity.
/// Mutant `publish_unchecked` publishes the node by a look and a store, so
/// both threads can find the key without a node and one node is lost.
#[test]
fn first_attach_races_on_two_threads() {
    model(|| {
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
    model(|| {
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
    model(|| {
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
    model(|| {
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

/// A reader, a writer of a new entry and a dying key on one table: none of
/// them waits for another, each value is dropped once, and the reader sees
/// the value it looked up whole.
#[test]
fn a_reader_a_writer_and_a_dying_key() {
    model(|| {
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

/// Two keys die at once on two threads while a third thread reads the
/// table: the releases meet in the table's registry, and the reader's count
/// holds up neither.
#[test]
fn two_keys_die_while_a_reader_holds_the_shard() {
    model(|| {
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

/// Two threads attach one key to the same table at once, through the path
/// that gives an attached key a new record (the key is in another table
/// already): the claim lock, then the lock of the key's index of spares,
/// make one of them store and the other replace. Mutant `attach_unchecked`
/// (no second look under the index's lock) gives the key two records.
#[test]
fn two_threads_attach_one_key_to_one_table() {
    model(|| {
        let drops = counter();
        let key = Arc::new(Anchor::new());
        let elsewhere = WeakMap::new();
        elsewhere.insert(&*key, Counted(drops.clone()));
        let table = insert_on_two_threads(&key, &drops);
        assert_eq!(drops.load(SeqCst), 1, "the replaced value is dropped");
        drop(Arc::try_unwrap(key).ok().unwrap());
        assert_eq!(drops.load(SeqCst), 3);
        drop(table);
    });
}

/// Inserts `key` into a new table on this thread and another at once:
/// exactly one of them finds the other's value.
fn insert_on_two_threads(
    key: &Arc<Anchor>,
    drops: &std::sync::Arc<AtomicUsize>,
) -> Arc<WeakMap<Anchor, Counted>> {
    let table = Arc::new(WeakMap::new());
    let racer = {
        let (key, table, drops) = (key.clone(), table.clone(), drops.clone());
        thread::spawn(move || table.insert(&*key, Counted(drops)).is_some())
    };
    let here = table.insert(&**key, Counted(drops.clone())).is_some();
    let there = racer.join().unwrap();
    assert!(here != there, "exactly one insert finds the other's value");
    table
}

/// Two threads attach one key at once to the same table, the key's first
/// record vacant (its table was cleared) and the key without spares: the
/// claim lock makes one of them take the record and the other replace its
/// value. Mutant `claim_unlocked` (no claim lock) lets both fill it.
#[test]
fn two_threads_attach_a_key_whose_table_was_cleared() {
    model(|| {
        let drops = counter();
        let key = Arc::new(Anchor::new());
        let cleared = WeakMap::new();
        cleared.insert(&*key, Counted(drops.clone()));
        cleared.clear();
        let _table = insert_on_two_threads(&key, &drops);
        assert_eq!(
            drops.load(SeqCst),
            2,
            "the cleared value and the replaced one"
        );
        drop(Arc::try_unwrap(key).ok().unwrap());
        assert_eq!(drops.load(SeqCst), 3);
    });
}

/// A reader and a writer of the same entry: the reader sees one value from
/// start to end, and loom fails the model if the writer's store overlaps the
/// reader's borrow. Mutant `read_ignores_writer` lets a reader in beside a
/// writer; mutant `leave_relaxed` counts the reader out of its own slot
/// without ordering its read before the writer's look at the slot.
#[test]
fn a_reader_and_a_writer_of_one_entry() {
    model(|| {
        let table = Arc::new(WeakMap::new());
        let key = Arc::new(Anchor::new());
        table.insert(&*key, 1_u32);
        let reader = {
            let (table, key) = (table.clone(), key.clone());
            thread::spawn(move || table.with(&*key, |v| *v))
        };
        table.insert(&*key, 2);
        let seen = reader.join().unwrap().unwrap();
        assert!(seen == 1 || seen == 2);
        assert_eq!(table.get(&*key), Some(2));
    });
}

/// Two readers of the same entry, and a writer that comes once the first
/// has returned, while the second may still read. Whichever reads first
/// takes the owned reader slot (loom's build has one owned and one shared),
/// the other counts itself in the shared one; loom fails the model if the
/// writer's store overlaps a reader's borrow. Mutant `slot_taken_twice` gives both readers the one
/// slot as their own: the first reader's count out, a load and a store, can
/// then wipe out the second's count in, and the writer finds no reader.
#[test]
fn a_writer_after_one_reader_beside_another() {
    model(|| {
        let table = Arc::new(WeakMap::new());
        let key = Arc::new(Anchor::new());
        table.insert(&*key, 1_u32);
        let mut readers = (0..2).map(|_| {
            let (table, key) = (table.clone(), key.clone());
            thread::spawn(move || table.with(&*key, |v| *v))
        });
        let (first, second) = (readers.next().unwrap(), readers.next().unwrap());
        assert_eq!(first.join().unwrap(), Some(1));
        table.insert(&*key, 2);
        let seen = second.join().unwrap().unwrap();
        assert!(seen == 1 || seen == 2);
    });
}

/// A table with one entry, and a thread that clears it.
fn one_entry_being_cleared(
    drops: &std::sync::Arc<AtomicUsize>,
) -> (
    Arc<WeakMap<Anchor, Counted>>,
    Anchor,
    thread::JoinHandle<()>,
) {
    let table = Arc::new(WeakMap::new());
    let key = Anchor::new();
    table.insert(&key, Counted(drops.clone()));
    let clearer = {
        let table = table.clone();
        thread::spawn(move || table.clear())
    };
    (table, key, clearer)
}

/// A `clear` on one thread and a `remove` of one of its keys on another,
/// then the key dies: the value is dropped once, by whichever took it.
/// Mutant `clear_skips_recheck` lets the `clear` take the value of a record
/// that the `remove` vacated after the `clear` took it out of the registry.
#[test]
fn a_clear_and_a_remove_of_one_entry() {
    model(|| {
        let drops = counter();
        let (table, key, clearer) = one_entry_being_cleared(&drops);
        let removed = table.remove(&key);
        let removed_here = removed.is_some();
        drop(removed);
        clearer.join().unwrap();
        assert_eq!(
            drops.load(SeqCst),
            1,
            "dropped once (removed: {removed_here})"
        );
        drop(key);
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A key's entry is removed and the key dies while another thread clears
/// its table: the `clear` may take the record out of the registry while the
/// `remove` holds it, and then pins the node instead of holding the record,
/// so the key's release must leave the node to the `clear` even though the
/// record is vacant by then. Mutant `release_ignores_pins` frees the node of
/// a key in one table without asking whether a `clear` has it pinned, and
/// mutant `release_keeps_vacant_locked` keeps the vacant record locked, so
/// the `clear` that pinned the node waits for it forever.
#[test]
fn a_key_removed_and_dropped_while_its_table_is_cleared() {
    model(|| {
        let drops = counter();
        let (table, key, clearer) = one_entry_being_cleared(&drops);
        drop(table.remove(&key));
        drop(key);
        clearer.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A key's entry is written over while another thread clears its table
/// (the `clear` may take the record out of the registry while the `insert`
/// holds it, and pin the node to look at the record later), then the key
/// dies before the `clear` looks: its release finds the record taken out,
/// takes the value under the record's lock and must let go of the record
/// for the `clear`. Mutant `release_keeps_claimed_locked` keeps it locked,
/// and the `clear` waits forever.
#[test]
fn a_key_written_and_dropped_while_its_table_is_cleared() {
    model(|| {
        let drops = counter();
        let (table, key, clearer) = one_entry_being_cleared(&drops);
        drop(table.insert(&key, Counted(drops.clone())));
        drop(key);
        clearer.join().unwrap();
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// A key's entry is removed while another thread clears its table (the
/// `clear` may take the record out of the registry while the `remove` holds
/// it, and pin the node to look at the record later), then the key joins a
/// second table and dies. Its release takes the record out of the second
/// table's registry without locking the record, and must leave the node to
/// the `clear` if the `clear` still has it pinned. Mutant
/// `dying_ignores_pins` frees the node at once.
#[test]
fn a_key_removed_while_its_table_is_cleared_joins_another_and_dies() {
    model(|| {
        let drops = counter();
        let (table, key, clearer) = one_entry_being_cleared(&drops);
        drop(table.remove(&key));
        let other = WeakMap::new();
        other.insert(&key, Counted(drops.clone()));
        drop(key);
        assert_eq!(drops.load(SeqCst), 2, "both values dropped with the key");
        clearer.join().unwrap();
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// A key dies while another thread clears one of its tables: whichever gets
/// to the record first drops the value, once, and the node is freed by
/// whichever is last (loom fails a model whose free of a node is not
/// ordered after a `clear`'s use of it, or that never frees it). Mutant
/// `dying_takes_claimed` lets the key's release take a record that the
/// `clear` took out of the registry first; mutant `hand_off_unpinned` lets
/// a key whose record the `clear` holds go without pinning its node for the
/// `clear`, and mutant `clear_ignores_hand_off` lets the `clear` go without
/// unpinning a node handed over to it.
#[test]
fn a_key_dropped_while_its_table_is_cleared() {
    model(|| {
        let drops = counter();
        let (_table, key, clearer) = one_entry_being_cleared(&drops);
        drop(key);
        clearer.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A key in two tables: one is cleared on another thread (vacating the
/// key's spare record) while the key joins a third table (which may take
/// that record, under the lock of the key's index of spares), then the key
/// dies: every value is dropped once and the records never mix up their
/// tables. Mutant `latest_unchecked` trusts the key's latest spare record
/// without asking it which table it belongs to; mutant
/// `fill_vacant_ignores_writer` fills a vacated record under the `clear`
/// that still holds it.
#[test]
fn a_spare_record_is_vacated_and_taken_again() {
    model(|| {
        let drops = counter();
        let third = WeakMap::new();
        let vacating = Vacating::start(&drops);
        third.insert(&vacating.key, Counted(drops.clone()));
        assert!(third.contains_key(&vacating.key));
        vacating.finish(&drops, &third);
    });
}

/// A key in two tables, the second of which another thread is clearing.
struct Vacating {
    key: Anchor,
    first: WeakMap<Anchor, Counted>,
    second: Arc<WeakMap<Anchor, Counted>>,
    clearer: thread::JoinHandle<()>,
}

impl Vacating {
    fn start(drops: &std::sync::Arc<AtomicUsize>) -> Self {
        let first = WeakMap::new();
        let second = Arc::new(WeakMap::new());
        let key = Anchor::new();
        first.insert(&key, Counted(drops.clone()));
        second.insert(&key, Counted(drops.clone()));
        let clearer = {
            let second = second.clone();
            thread::spawn(move || second.clear())
        };
        Vacating {
            key,
            first,
            second,
            clearer,
        }
    }

    /// Once the key has joined `third`: every value is dropped once, and no
    /// record lost or mixed up its table.
    fn finish<V: Send + 'static>(
        self,
        drops: &std::sync::Arc<AtomicUsize>,
        third: &WeakMap<Anchor, V>,
    ) {
        self.clearer.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1, "the cleared value");
        assert!(self.first.contains_key(&self.key) && third.contains_key(&self.key));
        assert!(!self.second.contains_key(&self.key));
        drop(self.key);
        assert_eq!(drops.load(SeqCst), 3);
    }
}

/// `with_or_insert_with` stores its value and reads it back while another
/// thread removes it: the closure sees the stored value whole, and each
/// value is dropped once.
#[test]
fn a_value_stored_and_read_back_while_it_is_removed() {
    model(|| {
        let drops = counter();
        let table = Arc::new(WeakMap::new());
        let key = Arc::new(Anchor::new());
        let elsewhere = WeakMap::new();
        elsewhere.insert(&*key, Counted(drops.clone()));
        let storer = {
            let (table, key, drops) = (table.clone(), key.clone(), drops.clone());
            thread::spawn(move || {
                table.with_or_insert_with(&*key, || (7_u32, Counted(drops)), |(n, _)| *n)
            })
        };
        drop(table.remove(&*key));
        assert_eq!(storer.join().unwrap(), 7);
        drop(Arc::try_unwrap(key).ok().unwrap());
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// A key in one table joins two more at once, on two threads: each finds
/// its own record afterwards, on either thread, whichever was claimed last
/// (lookups of a key's spare records take no lock when its latest one
/// answers, or when none belongs to a table). Mutant `indexed_unpublished`
/// leaves the count of spare records that belong to a table unchanged, so
/// a lookup of the earlier one finds nothing.
#[test]
fn a_key_joins_two_more_tables_at_once() {
    model(|| {
        let drops = counter();
        let key = Arc::new(Anchor::new());
        let first = WeakMap::new();
        first.insert(&*key, Counted(drops.clone()));
        let second = Arc::new(WeakMap::new());
        let third = Arc::new(WeakMap::new());
        let joiner = {
            let (key, second, third, drops) =
                (key.clone(), second.clone(), third.clone(), drops.clone());
            thread::spawn(move || {
                second.insert(&*key, Counted(drops));
                assert!(second.contains_key(&*key));
                third.contains_key(&*key)
            })
        };
        third.insert(&*key, Counted(drops.clone()));
        assert!(third.contains_key(&*key));
        // The joiner's lookup of `third` ran beside this thread's claim of
        // it: found or not depending on the order, so only its accesses are
        // checked (by loom), not its answer.
        let _lookup_beside_the_claim = joiner.join().unwrap();
        assert!(first.contains_key(&*key) && second.contains_key(&*key));
        assert!(third.contains_key(&*key));
        drop(Arc::try_unwrap(key).ok().unwrap());
        assert_eq!(drops.load(SeqCst), 3);
    });
}

/// A key's first attach while another thread removes it from the table,
/// then clears the table: the value is dropped once, by whichever found it,
/// and the table never keeps a record its key has left. Mutant
/// `attach_registers_late` publishes the key's node before registering its
/// record, so the `remove` can vacate a record that is then registered.
#[test]
fn a_first_attach_while_its_entry_is_removed() {
    model(|| {
        let drops = counter();
        let table = Arc::new(WeakMap::new());
        let key = Arc::new(Anchor::new());
        let remover = {
            let (table, key) = (table.clone(), key.clone());
            thread::spawn(move || {
                let removed = table.remove(&*key).is_some();
                table.clear();
                removed
            })
        };
        assert!(table.insert(&*key, Counted(drops.clone())).is_none());
        let taken = remover.join().unwrap();
        let left = table.contains_key(&*key);
        assert!(!(taken && left), "a removed entry came back");
        assert_eq!(
            drops.load(SeqCst),
            usize::from(!left),
            "dropped once if gone"
        );
        drop(Arc::try_unwrap(key).ok().unwrap());
        assert_eq!(drops.load(SeqCst), 1);
        drop(table);
    });
}

/// As `a_spare_record_is_vacated_and_taken_again`, with the third table's
/// value made and read back by `get_or_insert_with`, whose record is taken
/// write-locked (the closure then reads it with no writer in between).
/// Mutant `take_vacant_ignores_writer` takes the lock of a vacated record
/// from under the `clear` that still holds it.
#[test]
fn a_spare_record_is_vacated_and_read_into() {
    model(|| {
        let drops = counter();
        let third = WeakMap::new();
        let vacating = Vacating::start(&drops);
        let made =
            third.with_or_insert_with(&vacating.key, || (3_u32, Counted(drops.clone())), |v| v.0);
        assert_eq!(made, 3);
        vacating.finish(&drops, &third);
    });
}

/// A `clear` on one thread while another removes an entry and puts its key
/// back: the `clear` takes the new value or leaves it to the table, every
/// value is dropped once, and the table's registry never keeps a record
/// that left it (the models check each record a `clear` takes out).
#[test]
fn a_clear_while_an_entry_is_removed_and_put_back() {
    model(|| {
        let drops = counter();
        let (table, key, clearer) = one_entry_being_cleared(&drops);
        drop(table.remove(&key));
        table.insert(&key, Counted(drops.clone()));
        clearer.join().unwrap();
        let left = table.contains_key(&key);
        assert_eq!(drops.load(SeqCst), if left { 1 } else { 2 });
        drop(Arc::try_unwrap(table).ok().unwrap());
        assert_eq!(drops.load(SeqCst), 2);
        drop(key);
    });
}

/// A table is dropped on one thread while its key joins another table,
/// which may take the key's first record once the drop has vacated it. Each
/// value is dropped once, the new entry is whole.
#[test]
fn a_table_dropped_while_its_key_joins_another() {
    model(|| {
        let drops = counter();
        let key = Anchor::new();
        let first = WeakMap::new();
        first.insert(&key, Counted(drops.clone()));
        // Made before the drop (see `primed`).
        let other = primed();
        let dropper = thread::spawn(move || drop(first));
        other.insert(&key, Counted(drops.clone()));
        dropper.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1, "the dropped table's value");
        assert!(other.contains_key(&key));
        drop(key);
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// A table that holds a key's spare record is dropped on one thread while
/// the key joins a third table on another, whose attach (under the key's
/// index lock) sweeps the dropped table's entry out of the key's index and
/// takes the record, if the drop has made it vacant by then.
#[test]
fn a_table_with_a_spare_record_dropped_while_its_key_joins_another() {
    model(|| {
        let drops = counter();
        let (key, first, spare) = in_two_tables(&drops);
        let key = Arc::new(key);
        let third = Arc::new(primed());
        let joiner = {
            let (key, third, drops) = (Arc::clone(&key), Arc::clone(&third), drops.clone());
            thread::spawn(move || {
                third.insert(&*key, Counted(drops));
            })
        };
        drop(spare);
        joiner.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1, "the dropped table's value");
        assert!(first.contains_key(&*key) && third.contains_key(&*key));
        drop(key);
        assert_eq!(drops.load(SeqCst), 3);
    });
}

/// A key in two tables dies on one thread while the table of its spare
/// record is dropped on another: the value is dropped once, by the one
/// that takes it, and the node outlives the drop's use of it.
#[test]
fn a_key_in_two_tables_dies_while_one_is_dropped() {
    model(|| {
        let drops = counter();
        let (key, first, spare) = in_two_tables(&drops);
        let key_dropper = thread::spawn(move || drop(key));
        drop(spare);
        key_dropper.join().unwrap();
        assert_eq!(drops.load(SeqCst), 2);
        drop(first);
    });
}

/// A table whose body is made: a table made after another's drop could be
/// made where that one was, and loom does not see the allocator order the
/// free before the allocation that reuses its address, as allocators do (a
/// record of the dropped table would then seem to belong to the new one).
fn primed() -> WeakMap<Anchor, Counted> {
    let table = WeakMap::new();
    table.insert(&Anchor::new(), Counted(counter()));
    table
}

/// A key in two tables (the second through a spare record), each holding a
/// value that counts its drops in `drops`.
fn in_two_tables(
    drops: &std::sync::Arc<AtomicUsize>,
) -> (Anchor, WeakMap<Anchor, Counted>, WeakMap<Anchor, Counted>) {
    let key = Anchor::new();
    let first = WeakMap::new();
    let spare = WeakMap::new();
    first.insert(&key, Counted(drops.clone()));
    spare.insert(&key, Counted(drops.clone()));
    (key, first, spare)
}
