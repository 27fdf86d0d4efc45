//! A model of three places a table's registry could live, measured side by
//! side with weak-table's insert in one process, one thread, in alternation
//! (as `benches/paired.rs` does). It answers one question of the README's
//! "Where the time goes": what would it cost elsewhere to take one
//! read-modify-write off a first attach?
//!
//! - **A**, the crate's layout: one registry per table (a `Vec` of records,
//!   each record knowing its position), guarded by a lock picked by the
//!   table's address; a first attach registers the record under that lock
//!   and publishes the node by a compare-and-swap on the anchor. Two
//!   read-modify-writes.
//! - **B**: registries split by key: a table has 64 intrusive lists, one per
//!   lock, and the lock is picked by the key (its anchor's address at the
//!   first attach, kept in the node). All first attaches of one key take the
//!   same lock, so the node is published by a plain store under it. One
//!   read-modify-write; each record carries two links (a 48-byte node).
//! - **C**: split by key as in B, but each of the 64 sub-registries is a
//!   `Vec` with its first entry inline, in one block the table makes at its
//!   first registration; the node stays 32 bytes.
//!
//! The model keeps only what the layouts change: the node, its lock, its
//! registration, its publication and its removal. Lookups, record locks and
//! the rest of the crate are the same under all three, and left out. So the
//! absolute times are below the crate's; compare A with the crate's own
//! figure for the same workload, and the others with A.
//!
//! Run with `cargo run --release` in this directory. It makes three runs of
//! 41 rounds each and prints, for each figure, the median of the three runs'
//! medians and their range.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::hint::black_box;
use std::ptr;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicPtr, AtomicU32, Ordering::*};
use std::time::Instant;

use weak_table::{PtrWeakHashSet, PtrWeakKeyHashMap};

/// Counts the bytes live on the heap. The program has one thread, so a load
/// and a store stand in for a read-modify-write (which would cost the timed
/// code an atomic per allocation).
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to `System` unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.store(LIVE.load(Relaxed) + layout.size() as isize, Relaxed);
        // SAFETY: the caller's promises, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        LIVE.store(LIVE.load(Relaxed) - layout.size() as isize, Relaxed);
        // SAFETY: the caller's promises, passed on.
        unsafe { System.dealloc(block, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------- locks

/// A lock alone in its cache line, as in the crate's `registry.rs`.
#[repr(align(64))]
struct Stripe(AtomicBool);

const STRIPES: usize = 64;
static LOCKS: [Stripe; STRIPES] = [const { Stripe(AtomicBool::new(false)) }; STRIPES];

/// The lock of an address: Fibonacci hashing, as in the crate.
fn stripe_of<T>(address: *const T) -> usize {
    ((address.addr() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize
}

fn lock(stripe: usize) {
    while LOCKS[stripe].0.swap(true, Acquire) {
        std::hint::spin_loop();
    }
}

fn unlock(stripe: usize) {
    LOCKS[stripe].0.store(false, Release);
}

/// The position bits of a slot in C; the lock's index is above them.
const POSITION: u32 = (1 << 26) - 1;

// ---------------------------------------------------------------- nodes

/// The crate's node, as A and C keep it: 32 bytes.
#[repr(C)]
struct Node {
    table: AtomicPtr<()>,
    state: AtomicU32,
    /// A: the position in the registry. C: the lock's index above
    /// `POSITION`, the position in its sub-registry below.
    slot: AtomicU32,
    value: UnsafeCell<u64>,
    spares: AtomicPtr<()>,
}

/// B's node: the crate's, with two links in place of the slot: 48 bytes.
#[repr(C)]
struct Linked {
    table: AtomicPtr<()>,
    state: AtomicU32,
    stripe: u32,
    prev: UnsafeCell<*mut Linked>,
    next: UnsafeCell<*mut Linked>,
    value: UnsafeCell<u64>,
    spares: AtomicPtr<()>,
}

impl Node {
    fn new(table: *const (), value: u64) -> Self {
        Node {
            table: AtomicPtr::new(table.cast_mut()),
            state: AtomicU32::new(0),
            slot: AtomicU32::new(u32::MAX),
            value: UnsafeCell::new(value),
            spares: AtomicPtr::new(ptr::null_mut()),
        }
    }
}

impl Linked {
    fn new(table: *const (), stripe: usize, value: u64) -> Self {
        Linked {
            table: AtomicPtr::new(table.cast_mut()),
            state: AtomicU32::new(0),
            stripe: stripe as u32,
            prev: UnsafeCell::new(ptr::null_mut()),
            next: UnsafeCell::new(ptr::null_mut()),
            value: UnsafeCell::new(value),
            spares: AtomicPtr::new(ptr::null_mut()),
        }
    }
}

/// A key: its id and its anchor, null until first attached, then its node
/// (made by `Box::into_raw`, freed by the layout's `release`).
struct Key<N> {
    id: u64,
    anchor: AtomicPtr<N>,
}

fn keys<N>(n: usize) -> Vec<Key<N>> {
    (0..n as u64)
        .map(|id| Key {
            id,
            anchor: AtomicPtr::new(ptr::null_mut()),
        })
        .collect()
}

/// What the three layouts do. Every method runs on the one thread of the
/// program, and a record passed to one is alive and registered (or, for
/// `adopt`, in no registry) as the method says.
trait Registries {
    type Node;
    fn new() -> Self;
    /// A key that has no node yet: makes one, registers it, publishes it.
    fn first_attach(&self, key: &Key<Self::Node>, value: u64);
    /// The key's drop: takes its record out and frees its node.
    fn release(&self, key: &mut Key<Self::Node>);
    /// Registers a record of a key attached elsewhere, whose lock is
    /// `stripe` (B and C; A uses the table's).
    fn adopt(&self, record: *mut Self::Node, stripe: usize);
    /// The table's drop: takes every record out.
    fn drop_all(&self);
}

// ---------------------------------------------------------------- A

struct A {
    registry: UnsafeCell<Vec<*mut Node>>,
}

impl A {
    fn stripe(&self) -> usize {
        stripe_of(ptr::from_ref(self))
    }

    /// # Safety
    /// Under the table's lock, and no other borrow of the registry lives.
    #[allow(clippy::mut_from_ref)] // the caller's promise makes it unique
    unsafe fn registry(&self) -> &mut Vec<*mut Node> {
        // SAFETY: the caller's promise.
        unsafe { &mut *self.registry.get() }
    }

    /// # Safety
    /// Under the table's lock; `record` is alive and in no registry.
    unsafe fn add(&self, record: *mut Node) {
        // SAFETY: the caller's promise.
        let registry = unsafe { self.registry() };
        if registry.len() == registry.capacity() {
            // The crate's growth: 4, then fourfold up to 16, then doubling.
            let capacity = registry.capacity();
            registry.reserve_exact(if capacity < 16 {
                (capacity * 3).max(4)
            } else {
                capacity
            });
        }
        // SAFETY: alive (the caller's promise).
        unsafe { (*record).slot.store(registry.len() as u32, Relaxed) };
        registry.push(record);
    }
}

impl Registries for A {
    type Node = Node;

    fn new() -> Self {
        A {
            registry: UnsafeCell::new(Vec::new()),
        }
    }

    #[inline(never)]
    fn first_attach(&self, key: &Key<Node>, value: u64) {
        if !key.anchor.load(Acquire).is_null() {
            return;
        }
        let fresh = Box::into_raw(Box::new(Node::new(ptr::from_ref(self).cast(), value)));
        lock(self.stripe());
        // SAFETY: under the lock; made above.
        unsafe { self.add(fresh) };
        if key
            .anchor
            .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
            .is_err()
        {
            // SAFETY: under the lock.
            unsafe { self.registry() }.pop();
            unlock(self.stripe());
            // SAFETY: made above and never shared.
            drop(unsafe { Box::from_raw(fresh) });
            return;
        }
        unlock(self.stripe());
    }

    fn release(&self, key: &mut Key<Node>) {
        let node = std::mem::replace(key.anchor.get_mut(), ptr::null_mut());
        if node.is_null() {
            return;
        }
        lock(self.stripe());
        // SAFETY: the key's node, registered here.
        let slot = unsafe { (*node).slot.load(Relaxed) } as usize;
        // SAFETY: under the lock.
        let registry = unsafe { self.registry() };
        registry.swap_remove(slot);
        if let Some(&moved) = registry.get(slot) {
            // SAFETY: registered, so alive.
            unsafe { (*moved).slot.store(slot as u32, Relaxed) };
        }
        unlock(self.stripe());
        // SAFETY: made by `Box::into_raw`, and out of the registry.
        drop(unsafe { Box::from_raw(node) });
    }

    fn adopt(&self, record: *mut Node, _: usize) {
        lock(self.stripe());
        // SAFETY: under the lock; alive and in no registry.
        unsafe { self.add(record) };
        unlock(self.stripe());
    }

    fn drop_all(&self) {
        lock(self.stripe());
        // SAFETY: under the lock.
        let registry = unsafe { self.registry() };
        for record in registry.drain(..) {
            // SAFETY: it was registered, so it is alive.
            unsafe { (*record).slot.store(u32::MAX, Relaxed) };
        }
        *registry = Vec::new();
        unlock(self.stripe());
    }
}

// ---------------------------------------------------------------- B

struct B {
    heads: [UnsafeCell<*mut Linked>; STRIPES],
}

impl B {
    /// # Safety
    /// Under lock `stripe`; `node` is alive and in no list.
    unsafe fn link(&self, stripe: usize, node: *mut Linked) {
        // SAFETY: the caller's promise; list members are alive.
        unsafe {
            let head = &mut *self.heads[stripe].get();
            *(*node).prev.get() = ptr::null_mut();
            *(*node).next.get() = *head;
            if !head.is_null() {
                *(**head).prev.get() = node;
            }
            *head = node;
        }
    }
}

impl Registries for B {
    type Node = Linked;

    fn new() -> Self {
        B {
            heads: [const { UnsafeCell::new(ptr::null_mut()) }; STRIPES],
        }
    }

    #[inline(never)]
    fn first_attach(&self, key: &Key<Linked>, value: u64) {
        if !key.anchor.load(Acquire).is_null() {
            return;
        }
        let stripe = stripe_of(ptr::from_ref(&key.anchor));
        lock(stripe);
        // Again under the lock: every first attach of this key takes it.
        if !key.anchor.load(Relaxed).is_null() {
            unlock(stripe);
            return;
        }
        let fresh = Box::into_raw(Box::new(Linked::new(
            ptr::from_ref(self).cast(),
            stripe,
            value,
        )));
        // SAFETY: under the lock; made above.
        unsafe { self.link(stripe, fresh) };
        key.anchor.store(fresh, Release);
        unlock(stripe);
    }

    fn release(&self, key: &mut Key<Linked>) {
        let node = std::mem::replace(key.anchor.get_mut(), ptr::null_mut());
        if node.is_null() {
            return;
        }
        // SAFETY: the key's node, alive until freed below.
        let stripe = unsafe { (*node).stripe } as usize;
        lock(stripe);
        // SAFETY: under the node's lock; it and its neighbours are alive.
        unsafe {
            let prev = *(*node).prev.get();
            let next = *(*node).next.get();
            if prev.is_null() {
                *self.heads[stripe].get() = next;
            } else {
                *(*prev).next.get() = next;
            }
            if !next.is_null() {
                *(*next).prev.get() = prev;
            }
        }
        unlock(stripe);
        // SAFETY: made by `Box::into_raw`, and out of the list.
        drop(unsafe { Box::from_raw(node) });
    }

    fn adopt(&self, record: *mut Linked, stripe: usize) {
        lock(stripe);
        // SAFETY: under the lock; alive and in no list (the caller's promise).
        unsafe { self.link(stripe, record) };
        unlock(stripe);
    }

    fn drop_all(&self) {
        for stripe in 0..STRIPES {
            // SAFETY: one thread. A look without the lock, which a table's
            // drop could take with atomic heads: no attach to the table runs
            // during its drop, and a key's drop only empties a list.
            if unsafe { *self.heads[stripe].get() }.is_null() {
                continue;
            }
            lock(stripe);
            // SAFETY: under the lock; members are alive.
            unsafe {
                let mut node = std::mem::replace(&mut *self.heads[stripe].get(), ptr::null_mut());
                while !node.is_null() {
                    let next = *(*node).next.get();
                    *(*node).prev.get() = ptr::null_mut();
                    *(*node).next.get() = ptr::null_mut();
                    node = next;
                }
            }
            unlock(stripe);
        }
    }
}

// ---------------------------------------------------------------- C

/// A sub-registry of C, its first entry inline.
enum Sub {
    Empty,
    One(*mut Node),
    Many(Vec<*mut Node>),
}

struct C {
    /// Made at the first registration; each entry under its own lock.
    subs: UnsafeCell<Option<Box<[Sub; STRIPES]>>>,
}

impl C {
    /// The sub-registry of `stripe`.
    ///
    /// # Safety
    /// Under lock `stripe`, and no other borrow of this sub-registry lives
    /// (the block is made on the program's one thread).
    #[allow(clippy::mut_from_ref)] // the caller's promise makes it unique
    unsafe fn sub(&self, stripe: usize) -> &mut Sub {
        // SAFETY: the caller's promise.
        let subs = unsafe { &mut *self.subs.get() };
        &mut subs.get_or_insert_with(|| Box::new([const { Sub::Empty }; STRIPES]))[stripe]
    }

    /// # Safety
    /// Under lock `stripe`; `record` is alive and in no registry.
    unsafe fn add(&self, stripe: usize, record: *mut Node) {
        // SAFETY: the caller's promise.
        let sub = unsafe { self.sub(stripe) };
        let position = match sub {
            Sub::Empty => {
                *sub = Sub::One(record);
                0
            }
            Sub::One(first) => {
                let mut records = Vec::with_capacity(4);
                records.extend([*first, record]);
                *sub = Sub::Many(records);
                1
            }
            Sub::Many(records) => {
                records.push(record);
                records.len() - 1
            }
        };
        // SAFETY: alive (the caller's promise).
        unsafe {
            (*record)
                .slot
                .store(position as u32 | (stripe as u32) << 26, Relaxed)
        };
    }
}

impl Registries for C {
    type Node = Node;

    fn new() -> Self {
        C {
            subs: UnsafeCell::new(None),
        }
    }

    #[inline(never)]
    fn first_attach(&self, key: &Key<Node>, value: u64) {
        if !key.anchor.load(Acquire).is_null() {
            return;
        }
        let stripe = stripe_of(ptr::from_ref(&key.anchor));
        lock(stripe);
        if !key.anchor.load(Relaxed).is_null() {
            unlock(stripe);
            return;
        }
        let fresh = Box::into_raw(Box::new(Node::new(ptr::from_ref(self).cast(), value)));
        // SAFETY: under the lock; made above.
        unsafe { self.add(stripe, fresh) };
        key.anchor.store(fresh, Release);
        unlock(stripe);
    }

    fn release(&self, key: &mut Key<Node>) {
        let node = std::mem::replace(key.anchor.get_mut(), ptr::null_mut());
        if node.is_null() {
            return;
        }
        // SAFETY: the key's node, alive until freed below.
        let slot = unsafe { (*node).slot.load(Relaxed) };
        let (stripe, position) = ((slot >> 26) as usize, (slot & POSITION) as usize);
        lock(stripe);
        // SAFETY: under the lock.
        let sub = unsafe { self.sub(stripe) };
        match sub {
            Sub::Many(records) => {
                records.swap_remove(position);
                if let Some(&moved) = records.get(position) {
                    // SAFETY: registered, so alive.
                    unsafe {
                        (*moved)
                            .slot
                            .store(position as u32 | (stripe as u32) << 26, Relaxed)
                    };
                }
            }
            _ => *sub = Sub::Empty,
        }
        unlock(stripe);
        // SAFETY: made by `Box::into_raw`, and out of the registry.
        drop(unsafe { Box::from_raw(node) });
    }

    fn adopt(&self, record: *mut Node, stripe: usize) {
        lock(stripe);
        // SAFETY: under the lock; alive and in no registry.
        unsafe { self.add(stripe, record) };
        unlock(stripe);
    }

    fn drop_all(&self) {
        // SAFETY: the block is made and read on the one thread; its entries
        // are changed under their locks only.
        let Some(mut subs) = (unsafe { &mut *self.subs.get() }).take() else {
            return;
        };
        for (stripe, sub) in subs.iter_mut().enumerate() {
            if matches!(sub, Sub::Empty) {
                continue;
            }
            lock(stripe);
            let records: &[*mut Node] = match sub {
                Sub::Empty => &[],
                Sub::One(record) => core::slice::from_ref(record),
                Sub::Many(records) => records,
            };
            for &record in records {
                // SAFETY: it was registered, so it is alive.
                unsafe { (*record).slot.store(u32::MAX, Relaxed) };
            }
            *sub = Sub::Empty;
            unlock(stripe);
        }
    }
}

// ---------------------------------------------------------------- workloads

const RESIDENT: usize = 100_000;
const BATCH: usize = 1_000;
const ROUNDS: usize = 41;
const SETS: usize = 2_000;
const MEMBERS: usize = 16;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A pass of first attaches: `BATCH` fresh keys into `table`, per insert;
/// only the inserts are timed.
fn first_attach_pass<L: Registries>(table: &L) -> f64 {
    let mut fresh = keys::<L::Node>(BATCH);
    let start = Instant::now();
    for key in &fresh {
        table.first_attach(key, key.id);
    }
    let elapsed = start.elapsed();
    for key in &mut fresh {
        table.release(key);
    }
    elapsed.as_nanos() as f64 / BATCH as f64
}

/// A pass of short-lived tables: each made, given the `MEMBERS` records
/// (attached elsewhere), and dropped; per table.
fn short_lived_pass<L: Registries>(records: &[(*mut L::Node, usize)]) -> f64 {
    let start = Instant::now();
    for _ in 0..SETS {
        let table = L::new();
        for &(record, stripe) in records {
            table.adopt(record, stripe);
        }
        table.drop_all();
        black_box(&table);
    }
    start.elapsed().as_nanos() as f64 / SETS as f64
}

struct Dog {
    id: u64,
}

/// Bytes per entry of `L` at 200,000 entries, and the keys' nodes freed.
fn bytes_per_entry<L: Registries>() -> f64 {
    const N: usize = 200_000;
    let mut keys = keys::<L::Node>(N);
    let table = L::new();
    let before = LIVE.load(Relaxed);
    for key in &keys {
        table.first_attach(key, key.id);
    }
    let per_entry = (LIVE.load(Relaxed) - before) as f64 / N as f64;
    for key in &mut keys {
        table.release(key);
    }
    table.drop_all();
    per_entry
}

/// One run: the medians over `ROUNDS` rounds of each peer, each round
/// running every peer once in a rotating order.
fn run() -> [f64; 8] {
    let (a, b, c) = (A::new(), B::new(), C::new());
    let mut resident_a = keys::<Node>(RESIDENT);
    let mut resident_b = keys::<Linked>(RESIDENT);
    let mut resident_c = keys::<Node>(RESIDENT);
    for ((ka, kb), kc) in resident_a.iter().zip(&resident_b).zip(&resident_c) {
        a.first_attach(ka, ka.id);
        b.first_attach(kb, kb.id);
        c.first_attach(kc, kc.id);
    }
    let dogs: Vec<Rc<Dog>> = (0..RESIDENT as u64).map(|id| Rc::new(Dog { id })).collect();
    let mut weak_table: PtrWeakKeyHashMap<Weak<Dog>, u64> = PtrWeakKeyHashMap::new();
    for dog in &dogs {
        weak_table.insert(dog.clone(), dog.id);
    }
    let mut attach: [Vec<f64>; 4] = Default::default();
    for round in 0..ROUNDS {
        for turn in 0..4 {
            let peer = (turn + round) % 4;
            attach[peer].push(match peer {
                0 => first_attach_pass(&a),
                1 => first_attach_pass(&b),
                2 => first_attach_pass(&c),
                _ => {
                    let fresh: Vec<Rc<Dog>> =
                        (0..BATCH as u64).map(|id| Rc::new(Dog { id })).collect();
                    let start = Instant::now();
                    for dog in &fresh {
                        weak_table.insert(dog.clone(), dog.id);
                    }
                    let elapsed = start.elapsed();
                    for dog in &fresh {
                        weak_table.remove(dog);
                    }
                    elapsed.as_nanos() as f64 / BATCH as f64
                }
            });
        }
    }

    // The members' locks, from the addresses of fresh keys: B and C use
    // the same ones.
    let members: Vec<Box<u64>> = (0..MEMBERS as u64).map(Box::new).collect();
    let stripes: Vec<usize> = members
        .iter()
        .map(|member| stripe_of(&raw const **member))
        .collect();
    let nodes: Vec<(*mut Node, usize)> = stripes
        .iter()
        .map(|&stripe| (Box::into_raw(Box::new(Node::new(ptr::null(), 0))), stripe))
        .collect();
    let linked: Vec<(*mut Linked, usize)> = stripes
        .iter()
        .map(|&stripe| {
            (
                Box::into_raw(Box::new(Linked::new(ptr::null(), stripe, 0))),
                stripe,
            )
        })
        .collect();
    let dogs16: Vec<Rc<Dog>> = dogs[..MEMBERS].to_vec();
    let mut short: [Vec<f64>; 4] = Default::default();
    for round in 0..ROUNDS {
        for turn in 0..4 {
            let peer = (turn + round) % 4;
            short[peer].push(match peer {
                0 => short_lived_pass::<A>(&nodes),
                1 => short_lived_pass::<B>(&linked),
                2 => short_lived_pass::<C>(&nodes),
                _ => {
                    let start = Instant::now();
                    for _ in 0..SETS {
                        let mut set: PtrWeakHashSet<Weak<Dog>> = PtrWeakHashSet::new();
                        for dog in &dogs16 {
                            set.insert(dog.clone());
                        }
                        black_box(&set);
                    }
                    start.elapsed().as_nanos() as f64 / SETS as f64
                }
            });
        }
    }
    for (node, _) in nodes {
        // SAFETY: made above by `Box::into_raw`; no table holds it any more.
        drop(unsafe { Box::from_raw(node) });
    }
    for (node, _) in linked {
        // SAFETY: as above.
        drop(unsafe { Box::from_raw(node) });
    }
    let mut distinct = stripes.clone();
    distinct.sort_unstable();
    distinct.dedup();
    for key in &mut resident_a {
        a.release(key);
    }
    for key in &mut resident_b {
        b.release(key);
    }
    for key in &mut resident_c {
        c.release(key);
    }
    let [attach_a, attach_b, attach_c, attach_w] = attach.map(median);
    let [short_a, short_b, short_c, short_w] = short.map(median);
    println!(
        "run: first attach A {attach_a:.1}, B {attach_b:.1}, C {attach_c:.1}, weak-table {attach_w:.1} ns; \
         short-lived A {short_a:.1}, B {short_b:.1}, C {short_c:.1}, weak-table {short_w:.1} ns \
         (the members use {} of the {STRIPES} locks)",
        distinct.len()
    );
    [
        attach_a, attach_b, attach_c, attach_w, short_a, short_b, short_c, short_w,
    ]
}

/// The median of `values` and their range.
fn spread(values: &[f64]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    format!(
        "{:.2} ({:.2}–{:.2})",
        sorted[sorted.len() / 2],
        sorted[0],
        sorted[sorted.len() - 1]
    )
}

fn main() {
    let word = AtomicU32::new(0);
    let start = Instant::now();
    for _ in 0..10_000_000 {
        black_box(word.fetch_add(1, AcqRel));
    }
    println!(
        "an uncontended read-modify-write: {:.2} ns",
        start.elapsed().as_nanos() as f64 / 1e7
    );
    println!(
        "node: A and C {} bytes, B {} bytes; a table's fixed part: A {}, B {}, C {} (+{} for its block)",
        size_of::<Node>(),
        size_of::<Linked>(),
        size_of::<A>(),
        size_of::<B>(),
        size_of::<C>(),
        size_of::<[Sub; STRIPES]>()
    );
    println!(
        "bytes per entry at 200,000 (node and registry, table's fixed part not counted): A {:.2}, B {:.2}, C {:.2}",
        bytes_per_entry::<A>(),
        bytes_per_entry::<B>(),
        bytes_per_entry::<C>()
    );
    let runs: Vec<[f64; 8]> = (0..3).map(|_| run()).collect();
    let column = |i: usize| runs.iter().map(|run| run[i]).collect::<Vec<f64>>();
    let ratio = |i: usize, j: usize| runs.iter().map(|run| run[i] / run[j]).collect::<Vec<f64>>();
    println!(
        "first attach, ns per insert: A {}, B {}, C {}, weak-table {}",
        spread(&column(0)),
        spread(&column(1)),
        spread(&column(2)),
        spread(&column(3))
    );
    println!(
        "  / weak-table: A {}, B {}, C {}",
        spread(&ratio(0, 3)),
        spread(&ratio(1, 3)),
        spread(&ratio(2, 3))
    );
    println!(
        "  / A: B {}, C {}",
        spread(&ratio(1, 0)),
        spread(&ratio(2, 0))
    );
    println!(
        "short-lived table (16 registrations and the drop), ns: A {}, B {}, C {}; weak-table's PtrWeakHashSet (16 inserts and the drop) {}",
        spread(&column(4)),
        spread(&column(5)),
        spread(&column(6)),
        spread(&column(7))
    );
    let extra = |i: usize| runs.iter().map(|run| run[i] - run[4]).collect::<Vec<f64>>();
    println!(
        "  more than A: B {}, C {}",
        spread(&extra(5)),
        spread(&extra(6))
    );
}
