//! A key's release: what happens to a dropped anchor's node.
//!
//! Each record that belongs to a table is taken out of that table's registry
//! and its value dropped; then the node is freed. Nothing else can reach the
//! records of a dropped key but a `clear` (or drop) of one of its tables on
//! another thread, and a release waits for nothing. A record still in its
//! registry is taken out under the registry's lock alone, without its own
//! (`Core::unregister_dying`): a `clear` takes records out under that same
//! lock, so one of the two gets the record, and once the release has it
//! nothing else does. One that such a `clear` took out first and holds is
//! left to it (it drops that value before it returns), and the node
//! is pinned on its behalf; one it has only taken out of its registry (a
//! writer held it then) is released here and left for it to look at, and the
//! `clear` pinned the node itself. Whichever of them is last frees it.
//!
//! Dropping a value may drop further keys (a value that owns keys). Their
//! releases are not run on the spot: they are queued on the thread's release
//! queue and run by the outermost release, one after the other, so a chain
//! of a million keys costs no stack. The queue needs no thread-local
//! destructor (its thread-local holds `Cell`s only), so it also works while a
//! thread's thread-locals are being torn down.

use core::cell::Cell;
use core::ptr;

use crate::node::Node;
use crate::record::Record;
use crate::table::Core;
use crate::value::{DropWord, Word};

/// A node waiting in a release queue.
struct Queued {
    node: *mut Node,
    next: *mut Queued,
}

/// The release queue of one thread. `Cell`s only, so the thread-local has no
/// destructor and stays usable during thread-local teardown.
struct Queue {
    running: Cell<bool>,
    /// A list made by `Box::into_raw`, owned by the queue; the head is
    /// released first.
    head: Cell<*mut Queued>,
}

thread_local_const! {
    static QUEUE: Queue = Queue {
        running: Cell::new(false),
        head: Cell::new(ptr::null_mut()),
    };
}

/// Releases the node of a dropped anchor: drops its values, then frees it.
///
/// # Safety
/// `node` came from `Box::into_raw` and its anchor is gone: the caller hands
/// it over.
pub(crate) unsafe fn release(node: *mut Node) {
    let queued = QUEUE.try_with(|queue| {
        if queue.running.replace(true) {
            // An outer release on this thread will get to it.
            let queued = Box::into_raw(Box::new(Queued {
                node,
                next: queue.head.get(),
            }));
            queue.head.set(queued);
            return;
        }
        let _finish = Finish(queue);
        // SAFETY: handed over by our caller.
        unsafe { release_now(node) };
        // Here, not only in `Finish`: a drop that panics in this run still
        // has `Finish` to release the rest.
        queue.run();
    });
    if queued.is_err() {
        // The thread-local is gone (only possible on platforms that tear
        // down even destructor-less thread-locals): release on the spot.
        // SAFETY: handed over by our caller, and not queued.
        unsafe { release_now(node) };
    }
}

/// Ends a run of the queue, normally or while a value's drop panics: like the
/// elements of a `Vec`, the rest is still released before the panic goes on
/// (a second panic meanwhile aborts, as in std).
struct Finish<'a>(&'a Queue);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.run();
        self.0.running.set(false);
    }
}

impl Queue {
    /// Releases the queued nodes until none is left; releasing one may queue
    /// more, which go in front.
    fn run(&self) {
        loop {
            let head = self.head.get();
            if head.is_null() {
                return;
            }
            // SAFETY: the queue owns its entries; this one leaves it here.
            let queued = unsafe { Box::from_raw(head) };
            self.head.set(queued.next);
            // SAFETY: a queued node was handed over to the queue.
            unsafe { release_now(queued.node) };
        }
    }
}

/// Releases `node` here: each value is dropped in turn, and if one's drop
/// panics the others still are, and the node is still freed.
///
/// # Safety
/// As for [`release`].
unsafe fn release_now(node: *mut Node) {
    // SAFETY: the node stays alive until `Free` frees it, or the last
    // `clear` that pinned it does.
    let node_ref = unsafe { &*node };
    if node_ref.has_spares() {
        // SAFETY: as for `release`.
        unsafe { release_with_spares(node) };
        return;
    }
    // The common case, a key whose entries were never in two tables at once:
    // one record, and no spares can be made any more (that needs the key).
    let detached = detach(node_ref, &node_ref.first);
    let _free = Free {
        node,
        alone: detached.alone,
    };
    if let Some((drop_word, word)) = detached.value {
        // SAFETY: `drop_word` is the word's own (see `detach`).
        unsafe { drop_word(word) };
    }
}

/// [`release_now`] for a key with spare records: a `clear` of any of their
/// tables may have the node pinned, so it is never ours alone.
///
/// # Safety
/// As for [`release`].
unsafe fn release_with_spares(node: *mut Node) {
    struct Rest {
        node: *mut Node,
        /// The next record to look at: 0 for the first, `n + 1` for the
        /// spare record `n`.
        next: usize,
    }
    impl Rest {
        fn next_value(&mut self) -> Option<(DropWord, Word)> {
            // SAFETY: the node stays alive until `drop` below frees it.
            let node = unsafe { &*self.node };
            loop {
                let record = match self.next {
                    0 => &node.first,
                    n => node.spare(n - 1)?,
                };
                let detached = detach(node, record);
                self.next += 1;
                if detached.value.is_some() {
                    return detached.value;
                }
            }
        }
    }
    impl Drop for Rest {
        fn drop(&mut self) {
            while let Some((drop_word, word)) = self.next_value() {
                // SAFETY: `drop_word` is the word's own (see `detach`).
                unsafe { drop_word(word) };
            }
            drop(Free {
                node: self.node,
                alone: false,
            });
        }
    }
    let mut rest = Rest { node, next: 0 };
    while let Some((drop_word, word)) = rest.next_value() {
        // SAFETY: as above.
        unsafe { drop_word(word) };
    }
}

/// Frees a released node once every record is detached and its values
/// dropped (or their drops have panicked), unless a `clear` still has it
/// pinned: the last of those frees it.
struct Free {
    node: *mut Node,
    /// No `clear` can reach the node (see `Detached::alone`): it is ours
    /// alone, and no `clear` needs to be told that we are done.
    alone: bool,
}

impl Drop for Free {
    fn drop(&mut self) {
        // SAFETY: alive until freed here or by the last `clear` that pinned
        // it.
        if self.alone || unsafe { (*self.node).first.orphan() } {
            // SAFETY: every record is out of every registry, and no `clear`
            // has the node pinned.
            unsafe { Node::free(self.node) };
        }
    }
}

/// What [`detach`] found in a record of a dying key.
struct Detached {
    /// The value and the function that drops it, if the record held one.
    value: Option<(DropWord, Word)>,
    /// The record is in no registry and, for a first record, no `clear` had
    /// the node pinned when we took the record: no `clear` can pin it any
    /// more, since one pins only a node whose record it takes out of a
    /// registry.
    alone: bool,
}

/// Takes the value of a dying key's record out of its table, with the
/// function that drops it. Only a table's `clear` (or drop) can be in the
/// record: if it holds the record, the value is the `clear`'s to drop, and
/// the node is handed over to it (pinned on its behalf, so the node
/// outlives its work); if it only took the record out of its registry
/// (and pinned the node), the value is still ours, and the `clear` will
/// find the record vacant.
fn detach(node: &Node, record: &Record) -> Detached {
    // SAFETY: the key is gone.
    if let Some(drop_word) = unsafe { Core::unregister_dying(record) } {
        // Out of its registry: no `clear` can take the record any more, and
        // none holds it for its value.
        // SAFETY: as above.
        let word = unsafe { record.take_dying() };
        // A `clear` that took the record out of a registry before the key
        // was attached here (while a writer held it) may still have the
        // node pinned: every such pin is seen (the attach came after the
        // record was vacated, which came after the pin), and no `clear` can
        // pin the node any more.
        let pinned = node.first.is_pinned() && !cfg!(weakattach_mutant = "dying_ignores_pins");
        return Detached {
            value: Some((drop_word, word)),
            alone: !pinned,
        };
    }
    let pending = loop {
        if let Some(pending) = record.try_write() {
            break pending;
        }
        if record.hand_off(&node.first) {
            return Detached {
                value: None,
                alone: false,
            };
        }
        // The `clear` let go meanwhile: the record is ours now.
    };
    let pinned = pending.was_pinned();
    let table = record.table();
    if table.is_null() {
        // A vacant record is in no registry. A `clear` that has the node
        // pinned may still look at it (one that took it out of its registry
        // while a `remove` held it): let go for that `clear`, or it would
        // wait for us forever.
        if (pinned || node.first.is_pinned())
            && !cfg!(weakattach_mutant = "release_keeps_vacant_locked")
        {
            pending.release();
        } else {
            pending.keep_locked();
        }
        return Detached {
            value: None,
            alone: !pinned,
        };
    }
    // A record that belongs to a table and that `unregister_dying` did not
    // take is one the table's `clear` took out of the registry (`CLAIMED`),
    // and nothing puts it back now that the key is gone: there is no
    // registry to leave, and the `clear` will look at the record.
    // SAFETY: the table is alive: we hold `WRITER`, and a table is freed only
    // after its `clear` has vacated every record it took, which needs it.
    let drop_word = unsafe { Core::drop_word_of(table) };
    // Nobody looks a dying key up, so there are no lookups to wait for.
    let mut guard = pending.unreachable();
    // SAFETY: the record belongs to a table, so it holds a value.
    let word = unsafe { guard.take() };
    guard.set_table(ptr::null());
    if cfg!(weakattach_mutant = "release_keeps_claimed_locked") {
        guard.keep_locked();
    }
    // Let go (the guard drops) for the `clear`, which finds it vacant.
    Detached {
        value: Some((drop_word, word)),
        alone: false,
    }
}
