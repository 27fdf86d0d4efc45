//! The drop machinery: what an anchor owns once attached (its [`Node`]) and
//! how a dropped anchor's values are released.
//!
//! A release evicts the key from every table that may hold it. Evicting drops
//! the value, and a value may own further keys, whose drops start releases of
//! their own. Those nested releases are not run on the spot: they are queued
//! on the thread's release queue and run by the outermost release, one after
//! the other, so a chain of a million keys costs no stack. The queue is an
//! intrusive list through the nodes themselves: it never allocates, and it
//! needs no thread-local destructor, so it also works while a thread's
//! thread-locals are being torn down.

use core::cell::Cell;
use core::ptr;

use crate::sync::{AtomicPtr, Mutex, Ordering::Relaxed, Weak, lock};

/// Ids are handed out once; 2^64 of them do not run out. (Always std's
/// atomic: ids only name identities, and loom need not model them.)
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A table, seen from a key that is being released.
pub(crate) trait Evict: Send + Sync {
    /// Removes the entry of `key`, if any, and drops its value, or, if the
    /// table is busy running user code, hands the removal to the code that
    /// holds it. Never waits for user code.
    fn evict(&self, key: usize);
}

/// The heap part of an attached [`Anchor`](crate::Anchor).
///
/// Tables find a key's entries by the node's *address* (its [`key`]), which
/// an anchor holds without touching the node. An address is reused only
/// after the node is freed, and a node is freed only at the end of its
/// release, which has by then removed the key's entry from every live table
/// or handed the removal to the holder of the entry's shard, who performs it
/// before anyone else can look into that shard (see `table.rs`). So no
/// lookup ever finds the entry of a dead key. The `id` names the identity for
/// `Debug`; it is never reused.
///
/// [`key`]: Node::key
pub(crate) struct Node {
    id: u64,
    /// Every table that may hold an entry for this key: each table that
    /// gained an entry for it registered here (once). Tables that are gone are
    /// pruned at each registration.
    tables: Mutex<Tables>,
    /// The link of the release queue; only the releasing thread touches it.
    next: AtomicPtr<Node>,
}

impl Node {
    pub(crate) fn new() -> Node {
        Node {
            id: NEXT_ID.fetch_add(1, Relaxed),
            tables: Mutex::new(Tables {
                first: None,
                more: Vec::new(),
            }),
            next: AtomicPtr::new(ptr::null_mut()),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The key of this node's identity in tables: its address.
    #[inline]
    pub(crate) fn key(&self) -> usize {
        ptr::from_ref(self).addr()
    }

    /// Records that the table at `table` (the address its `Arc` points to) may
    /// hold an entry for this key; `weak` is only called if it is not yet
    /// recorded.
    pub(crate) fn register(&self, table: *const (), weak: impl FnOnce() -> Weak<dyn Evict>) {
        let mut tables = lock(&self.tables);
        let Tables { first, more } = &mut *tables;
        // Tables that are gone are forgotten here, so that a long-lived key
        // does not keep the remains of every table it ever joined.
        more.retain(|t| t.strong_count() > 0);
        if first.as_ref().is_some_and(|t| t.strong_count() == 0) {
            *first = more.pop();
        }
        let known = |t: &Weak<dyn Evict>| t.as_ptr().cast::<()>() == table;
        if first.as_ref().is_some_and(known) || more.iter().any(known) {
            return;
        }
        match first {
            None => *first = Some(weak()),
            Some(_) => more.push(weak()),
        }
    }

    /// The next table to evict from, taken out of the list.
    fn pop_table(&mut self) -> Option<Weak<dyn Evict>> {
        let tables = self
            .tables
            .get_mut()
            .unwrap_or_else(crate::sync::PoisonError::into_inner);
        tables.more.pop().or_else(|| tables.first.take())
    }
}

/// The tables of a node: most keys join one table, which needs no
/// allocation of its own.
struct Tables {
    first: Option<Weak<dyn Evict>>,
    more: Vec<Weak<dyn Evict>>,
}

/// The release queue of one thread: the nodes whose releases are waiting for
/// the outermost release to run them. `Cell`s only, so the thread-local has
/// no destructor and stays usable during thread-local teardown.
struct Queue {
    running: Cell<bool>,
    /// A list of nodes owned by the queue (made by `Box::into_raw`), linked
    /// through `Node::next`; the head is released first.
    head: Cell<*mut Node>,
}

thread_local_const! {
    static QUEUE: Queue = Queue {
        running: Cell::new(false),
        head: Cell::new(ptr::null_mut()),
    };
}

/// Releases a dropped anchor's node: evicts its id from every table that may
/// hold it, dropping the values, then frees the node.
pub(crate) fn release(node: Box<Node>) {
    let node = Box::into_raw(node);
    let queued = QUEUE.try_with(|queue| {
        queue.push(node);
        if queue.running.replace(true) {
            // An outer release on this thread will get to it.
            return;
        }
        let _finish = Finish(queue);
        queue.run();
    });
    if queued.is_err() {
        // The thread-local is gone (only possible on platforms that tear
        // down even destructor-less thread-locals): release on the spot.
        // SAFETY: `node` came from `Box::into_raw` above and was not queued.
        release_here(node.addr(), *unsafe { Box::from_raw(node) });
    }
}

impl Queue {
    fn push(&self, node: *mut Node) {
        // SAFETY: `node` is a live node that the caller hands to the queue.
        unsafe { (*node).next.store(self.head.get(), Relaxed) };
        self.head.set(node);
    }

    /// Runs queued releases until none is left. A value's drop may queue more
    /// nodes; they go in front and are run first.
    fn run(&self) {
        loop {
            let head = self.head.get();
            if head.is_null() {
                return;
            }
            // SAFETY: nodes in the queue are owned by it and only this thread
            // touches them; the `&mut` ends before any user code runs.
            let table = unsafe { (*head).pop_table() };
            match table {
                Some(table) => {
                    if let Some(table) = table.upgrade() {
                        table.evict(head.addr());
                    }
                }
                None => {
                    // This node is done, and still the head: nothing was
                    // queued since it was read.
                    // SAFETY: as above; the node leaves the queue here and is
                    // freed exactly once.
                    unsafe {
                        self.head.set((*head).next.load(Relaxed));
                        drop(Box::from_raw(head));
                    }
                }
            }
        }
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

/// Releases `node`, whose key was `key`, without the queue.
fn release_here(key: usize, mut node: Node) {
    while let Some(table) = node.pop_table() {
        if let Some(table) = table.upgrade() {
            table.evict(key);
        }
    }
}
