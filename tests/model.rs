//! SPEC §8: a **model-based property test**. Random programs of operations run
//! against the real tables and, step by step, against a plain model (hash maps
//! from (table, key) to the serial number of the value attached there). Every
//! value carries a serial number and records its drop in a ledger; after every
//! step the test checks that
//!
//! - every answer (`insert`/`remove`'s returned value, `get`'s clone, what
//!   `with`/`with_mut` see, `contains_key`, `get_or_insert(_with)`, the set's
//!   booleans) is the model's;
//! - the values dropped during the step are exactly those the model released
//!   in it (SPEC §4.2: a dropped key's values in every live table, and
//!   everything owned by them, before the key's drop returns; §4.3: a dropped
//!   or cleared table's values before that returns; a replaced or removed
//!   value only when the test drops it), plus every clone the tables made for
//!   the step's getters; and that no value is ever dropped twice.
//!
//! At the end everything is dropped (keys, tables, held values, sets, in an
//! order chosen by the program) and every value ever made must have been
//! dropped exactly once.
//!
//! Keys are a derived struct with a side field, bare `Anchor`s and
//! `Keyed<u32>`s; they are cloned (new identity), moved (into and out of a
//! `Box`, around a `Vec`), dropped, dropped on another thread, and moved into
//! values (so that dropping a value releases keys: cascades). Tables are
//! `WeakMap<dyn Ident, _>`, `WeakMap<Anchor, _>` (reached through a key's
//! `anchor()`), `WeakMap<Key, _>`, `WeakMap<Keyed<u32>, _>`, the derived side
//! field, and `WeakSet<dyn Ident>`s; the program makes and drops them too.
//! Threads other than the program's own run one step at a time and are
//! joined before the check, so every step's outcome is determined. One kind
//! of step drops a key inside a `with_mut` closure of the same thread: there
//! (SPEC §4.2 b) the key's values in the busy table may wait for the closure's
//! call to return, so inside the closure the test checks only that the values
//! elsewhere are gone, and after the call that all are.
//!
//! After the run, the test checks that every kind of step, and the events
//! that matter (a call finding a value, a cascade, a key dropped inside a
//! closure with values in the busy table), happened in some program: a run
//! that tested nothing fails.
//!
//! Running it:
//! - `cargo test --test model` runs 2,000 programs of up to 64 steps, in about
//!   10 to 20 s on two cores in a debug build (8 programs of up to 24 steps
//!   under Miri, in about a minute).
//! - `WEAKATTACH_MODEL_CASES=100000 cargo test --test model` runs that many
//!   instead (about 9 minutes in a debug build on two cores; `--release` is
//!   faster). `PROPTEST_CASES` is ignored.
//! - The seed is printed with a failure; `PROPTEST_RNG_SEED=<seed>` replays
//!   it. A failure is shrunk to a minimal program, printed one step a line,
//!   with a trace of what each step did and saw.
//! - Each program runs on a thread of its own under a watchdog: one that
//!   hangs (or panics) fails the test, with the trace of the steps before.

mod common;

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::hash::BuildHasher;
use std::mem;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use weakattach::{Anchor, Keyed, Side, WeakKey, WeakMap, WeakSet};

/// Programs per run unless `WEAKATTACH_MODEL_CASES` says otherwise.
const DEFAULT_CASES: u32 = if cfg!(any(miri, weakattach_sanitized)) {
    8
} else {
    2_000
};
/// The longest program.
const MAX_STEPS: usize = if cfg!(any(miri, weakattach_sanitized)) {
    24
} else {
    64
};
/// How long one program may run before it counts as hung.
const CASE_LIMIT: Duration = Duration::from_secs(if cfg!(any(miri, weakattach_sanitized)) {
    600
} else {
    20
});

// ---------------------------------------------------------------------------
// Keys and values
// ---------------------------------------------------------------------------

/// The user's struct: an identity and a side field.
#[derive(WeakKey, Clone, Debug, Default)]
#[weak_key(side(score: Tracked))]
struct Key {
    anchor: Anchor,
}

/// Any key, as a trait object: the key type of the `dyn` tables and sets.
trait Ident: WeakKey + Send + Sync {}
impl<T: WeakKey + Send + Sync> Ident for T {}

/// One key of any of the three kinds.
#[derive(Clone, Debug)]
enum AnyKey {
    Derived(Key),
    Bare(Anchor),
    Keyed(Keyed<u32>),
}

impl AnyKey {
    fn ident(&self) -> &(dyn Ident + 'static) {
        match self {
            AnyKey::Derived(key) => key,
            AnyKey::Bare(anchor) => anchor,
            AnyKey::Keyed(keyed) => keyed,
        }
    }
}

/// Where the test keeps a key: in the `Vec` itself, or in a `Box`.
enum Place {
    Inline(AnyKey),
    Boxed(Box<AnyKey>),
}

impl Place {
    fn key(&self) -> &AnyKey {
        match self {
            Place::Inline(key) => key,
            Place::Boxed(key) => key,
        }
    }

    fn into_key(self) -> AnyKey {
        match self {
            Place::Inline(key) => key,
            Place::Boxed(key) => *key,
        }
    }
}

type KeyId = u32;
type TableId = u32;
type SetId = u32;
type Serial = u64;

/// The model's name of the side field's (static) table.
const SIDE: TableId = 0;

/// A key the test holds, with its name in the model.
struct Held {
    id: KeyId,
    place: Place,
}

/// Records which values were made and dropped. One per program.
#[derive(Default)]
struct Ledger {
    next: AtomicU64,
    events: Mutex<Events>,
}

#[derive(Default)]
struct Events {
    dropped: Vec<Serial>,
    clones: Vec<Serial>,
}

impl Ledger {
    fn serial(&self) -> Serial {
        self.next.fetch_add(1, SeqCst) + 1
    }

    fn made(&self) -> u64 {
        self.next.load(SeqCst)
    }

    fn events(&self) -> std::sync::MutexGuard<'_, Events> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh value; the caller tells the model about it.
    fn value(self: &Arc<Self>) -> Tracked {
        let serial = self.serial();
        Tracked {
            serial,
            origin: serial,
            bumps: 0,
            owned: Vec::new(),
            ledger: Arc::clone(self),
        }
    }

    /// Drops and clones recorded since the last call.
    fn take(&self) -> (Vec<Serial>, Vec<Serial>) {
        let mut events = self.events();
        (
            mem::take(&mut events.dropped),
            mem::take(&mut events.clones),
        )
    }

    fn take_drops(&self) -> Vec<Serial> {
        mem::take(&mut self.events().dropped)
    }
}

/// A value: a ledger token with a serial number, a counter that `with_mut`
/// bumps, and keys it owns.
struct Tracked {
    serial: Serial,
    /// For a clone, the serial of the value it was cloned from.
    origin: Serial,
    bumps: u32,
    owned: Vec<AnyKey>,
    ledger: Arc<Ledger>,
}

impl Clone for Tracked {
    /// A new value (new serial) that remembers its origin; it owns no keys.
    fn clone(&self) -> Self {
        let serial = self.ledger.serial();
        self.ledger.events().clones.push(serial);
        Tracked {
            serial,
            origin: self.serial,
            bumps: self.bumps,
            owned: Vec::new(),
            ledger: Arc::clone(&self.ledger),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        // The owned keys are dropped after this, as fields.
        self.ledger.events().dropped.push(self.serial);
    }
}

// ---------------------------------------------------------------------------
// Tables, behind one interface
// ---------------------------------------------------------------------------

enum AnyMap {
    Dyn(WeakMap<dyn Ident, Tracked>),
    ByAnchor(WeakMap<Anchor, Tracked>),
    Derived(WeakMap<Key, Tracked>),
    Keyed(WeakMap<Keyed<u32>, Tracked>),
}

struct Table {
    id: TableId,
    map: AnyMap,
}

/// One key's slot in one table.
trait Slot: Sync {
    fn insert(&self, value: Tracked) -> Option<Tracked>;
    fn get(&self) -> Option<Tracked>;
    fn contains(&self) -> bool;
    fn remove(&self) -> Option<Tracked>;
    fn with(&self, f: &mut dyn FnMut(&Tracked)) -> bool;
    fn with_mut(&self, f: &mut dyn FnMut(&mut Tracked)) -> bool;
    fn get_or_insert(&self, value: Tracked) -> Tracked;
    fn get_or_insert_with(&self, f: &mut dyn FnMut() -> Tracked) -> Tracked;
}

struct MapSlot<'a, K: ?Sized + WeakKey> {
    map: &'a WeakMap<K, Tracked>,
    key: &'a K,
}

impl<K: ?Sized + WeakKey + Sync> Slot for MapSlot<'_, K> {
    fn insert(&self, value: Tracked) -> Option<Tracked> {
        self.map.insert(self.key, value)
    }
    fn get(&self) -> Option<Tracked> {
        self.map.get(self.key)
    }
    fn contains(&self) -> bool {
        self.map.contains_key(self.key)
    }
    fn remove(&self) -> Option<Tracked> {
        self.map.remove(self.key)
    }
    fn with(&self, f: &mut dyn FnMut(&Tracked)) -> bool {
        self.map.with(self.key, f).is_some()
    }
    fn with_mut(&self, f: &mut dyn FnMut(&mut Tracked)) -> bool {
        self.map.with_mut(self.key, f).is_some()
    }
    fn get_or_insert(&self, value: Tracked) -> Tracked {
        self.map.get_or_insert(self.key, value)
    }
    fn get_or_insert_with(&self, f: &mut dyn FnMut() -> Tracked) -> Tracked {
        self.map.get_or_insert_with(self.key, f)
    }
}

/// The declared side field, used through `Side`'s own methods.
struct SideSlot<'a> {
    side: Side<'a, Key, Tracked>,
    key: &'a Key,
}

impl Slot for SideSlot<'_> {
    fn insert(&self, value: Tracked) -> Option<Tracked> {
        self.side.set(value)
    }
    fn get(&self) -> Option<Tracked> {
        self.side.get()
    }
    fn contains(&self) -> bool {
        self.side.is_set()
    }
    fn remove(&self) -> Option<Tracked> {
        self.side.remove()
    }
    fn with(&self, f: &mut dyn FnMut(&Tracked)) -> bool {
        self.side.with(f).is_some()
    }
    fn with_mut(&self, f: &mut dyn FnMut(&mut Tracked)) -> bool {
        self.side.with_mut(f).is_some()
    }
    fn get_or_insert(&self, value: Tracked) -> Tracked {
        self.side.table().get_or_insert(self.key, value)
    }
    fn get_or_insert_with(&self, f: &mut dyn FnMut() -> Tracked) -> Tracked {
        self.side.get_or_insert_with(f)
    }
}

/// Clears the side field's static table (reached through a throwaway key).
fn clear_side_table() {
    let probe = Key::default();
    probe.score().table().clear();
}

// ---------------------------------------------------------------------------
// Programs
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum KeyKind {
    Derived,
    Bare,
    Keyed,
}

#[derive(Clone, Copy, Debug)]
enum TableKind {
    Dyn,
    ByAnchor,
    Derived,
    Keyed,
}

/// A table operand: a live map (its index, modulo how many there are), or
/// the side field (only for derived keys).
#[derive(Clone, Copy, Debug)]
enum At {
    Map(u8),
    Side,
}

#[derive(Clone, Copy, Debug)]
enum Mutation {
    /// Bumps the value's counter.
    Bump,
    /// Swaps in a fresh value; the old one is handed back to the test.
    Replace,
    /// Swaps in a fresh value and drops the old one inside the closure.
    ReplaceDroppingOld,
}

#[derive(Clone, Copy, Debug)]
enum Factory {
    Plain,
    /// Asks the same table whether the key has a value (no lock is held).
    PeeksAtTheTable,
    /// Stores a value for the key itself first: that one must win.
    InsertsFirst,
}

#[derive(Clone, Copy, Debug)]
enum Call {
    Insert,
    Get,
    ContainsKey,
    Remove,
    With,
    WithMut(Mutation),
    GetOrInsert,
    GetOrInsertWith(Factory),
}

#[derive(Clone, Copy, Debug)]
enum SetCall {
    Insert,
    Contains,
    Remove,
}

/// The order of the teardown: what is dropped first.
#[derive(Clone, Copy, Debug)]
enum DropFirst {
    Keys,
    Tables,
    HeldValues,
}

/// One step. Key, table, set and held-value operands are indices, taken
/// modulo how many there are at that step; a step with no fitting operand
/// (no keys yet, a `Keyed` key on a table of derived keys) does nothing.
#[derive(Clone, Copy, Debug)]
enum Op {
    MakeKey(KeyKind),
    /// Pushes a clone: a new identity.
    CloneKey(usize),
    /// Moves the key into a `Box`, or out of it.
    Rebox(usize),
    /// `swap_remove` then `push`: two keys move.
    MoveToEnd(usize),
    /// `mem::swap` of two keys.
    SwapKeys(usize, usize),
    /// `Vec::remove`: the key is dropped, the keys after it move.
    DropKey(usize),
    /// Sends the key to a new thread that drops it; joined before the check.
    DropKeyOnThread(usize),
    Call {
        at: At,
        key: usize,
        call: Call,
    },
    /// `get` and `contains_key` from another thread.
    ReadOnThread {
        at: At,
        key: usize,
    },
    /// Inserts a fresh value for key `owner` that owns key `child` (moved
    /// into it).
    InsertOwning {
        at: At,
        owner: usize,
        child: usize,
    },
    /// Moves key `child` into the value of key `owner`, through `with_mut`.
    Adopt {
        at: At,
        owner: usize,
        child: usize,
    },
    /// Drops key `victim` inside a `with_mut` closure on `holder`'s value.
    DropKeyInside {
        at: At,
        holder: usize,
        victim: usize,
    },
    Clear(At),
    /// Drops a value the test holds (one that `insert`, `remove` or
    /// `with_mut` handed back).
    DropHeld(usize),
    /// Inserts a held value back, into any table.
    Reinsert {
        at: At,
        key: usize,
        held: usize,
    },
    Set {
        set: u8,
        key: usize,
        call: SetCall,
    },
    ClearSet(u8),
    NewSet,
    DropSet(u8),
    NewTable(TableKind),
    DropTable(u8),
}

#[derive(Clone)]
struct Program {
    ops: Vec<Op>,
    teardown: DropFirst,
}

impl fmt::Debug for Program {
    /// One step a line, numbered as in the trace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Program [")?;
        for (i, op) in self.ops.iter().enumerate() {
            writeln!(f, "  {i:>2}: {op:?}")?;
        }
        write!(f, "] then drop everything, {:?} first", self.teardown)
    }
}

/// An operand index: mostly one of the first few, so that steps meet the
/// same keys and tables again.
fn index() -> impl Strategy<Value = usize> + Clone {
    prop_oneof![4 => 0..3_usize, 1 => 0..16_usize]
}

fn at() -> impl Strategy<Value = At> + Clone {
    prop_oneof![
        6 => (0..2_u8).prop_map(At::Map),
        2 => (0..4_u8).prop_map(At::Map),
        2 => Just(At::Side)
    ]
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        5 => Just(Call::Insert),
        3 => Just(Call::Get),
        2 => Just(Call::ContainsKey),
        2 => Just(Call::Remove),
        1 => Just(Call::With),
        2 => Just(Call::WithMut(Mutation::Bump)),
        1 => Just(Call::WithMut(Mutation::Replace)),
        1 => Just(Call::WithMut(Mutation::ReplaceDroppingOld)),
        2 => Just(Call::GetOrInsert),
        2 => prop_oneof![
            Just(Factory::Plain),
            Just(Factory::PeeksAtTheTable),
            Just(Factory::InsertsFirst)
        ]
        .prop_map(Call::GetOrInsertWith),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        3 => Just(KeyKind::Derived),
        1 => Just(KeyKind::Bare),
        1 => Just(KeyKind::Keyed)
    ];
    let table_kind = prop_oneof![
        Just(TableKind::Dyn),
        Just(TableKind::ByAnchor),
        Just(TableKind::Derived),
        Just(TableKind::Keyed)
    ];
    let set_call = prop_oneof![
        Just(SetCall::Insert),
        Just(SetCall::Contains),
        Just(SetCall::Remove)
    ];
    Union::new_weighted(vec![
        (8, kind.prop_map(Op::MakeKey).boxed()),
        (1, index().prop_map(Op::CloneKey).boxed()),
        (2, index().prop_map(Op::Rebox).boxed()),
        (1, index().prop_map(Op::MoveToEnd).boxed()),
        (
            1,
            (index(), index())
                .prop_map(|(a, b)| Op::SwapKeys(a, b))
                .boxed(),
        ),
        (3, index().prop_map(Op::DropKey).boxed()),
        (1, index().prop_map(Op::DropKeyOnThread).boxed()),
        (
            20,
            (at(), index(), call())
                .prop_map(|(at, key, call)| Op::Call { at, key, call })
                .boxed(),
        ),
        (
            1,
            (at(), index())
                .prop_map(|(at, key)| Op::ReadOnThread { at, key })
                .boxed(),
        ),
        (
            3,
            (at(), index(), index())
                .prop_map(|(at, owner, child)| Op::InsertOwning { at, owner, child })
                .boxed(),
        ),
        (
            2,
            (at(), index(), index())
                .prop_map(|(at, owner, child)| Op::Adopt { at, owner, child })
                .boxed(),
        ),
        (
            2,
            (at(), index(), index())
                .prop_map(|(at, holder, victim)| Op::DropKeyInside { at, holder, victim })
                .boxed(),
        ),
        (1, at().prop_map(Op::Clear).boxed()),
        (2, index().prop_map(Op::DropHeld).boxed()),
        (
            1,
            (at(), index(), index())
                .prop_map(|(at, key, held)| Op::Reinsert { at, key, held })
                .boxed(),
        ),
        (
            3,
            (0..2_u8, index(), set_call)
                .prop_map(|(set, key, call)| Op::Set { set, key, call })
                .boxed(),
        ),
        (1, (0..2_u8).prop_map(Op::ClearSet).boxed()),
        (1, Just(Op::NewSet).boxed()),
        (1, (0..2_u8).prop_map(Op::DropSet).boxed()),
        (1, table_kind.prop_map(Op::NewTable).boxed()),
        (1, (0..4_u8).prop_map(Op::DropTable).boxed()),
    ])
}

fn program() -> impl Strategy<Value = Program> {
    let teardown = prop_oneof![
        Just(DropFirst::Keys),
        Just(DropFirst::Tables),
        Just(DropFirst::HeldValues)
    ];
    (prop::collection::vec(op(), 1..=MAX_STEPS), teardown)
        .prop_map(|(ops, teardown)| Program { ops, teardown })
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

#[derive(Default)]
struct ValueModel {
    bumps: u32,
    owned: Vec<KeyId>,
}

#[derive(Default)]
struct Model {
    /// The value attached to each (table, key).
    entries: HashMap<(TableId, KeyId), Serial>,
    /// Every live value: in a table, held by the test, or about to be handed
    /// to a table.
    values: HashMap<Serial, ValueModel>,
    members: HashSet<(SetId, KeyId)>,
    /// Values released during the current step.
    released: Vec<Serial>,
    /// How many keys owned by a value took values of their own with them.
    cascades: u64,
}

impl Model {
    fn add(&mut self, serial: Serial) {
        self.values.insert(serial, ValueModel::default());
    }

    /// The serial and counter of the value at (table, key).
    fn lookup(&self, table: TableId, key: KeyId) -> Option<(Serial, u32)> {
        let serial = *self.entries.get(&(table, key))?;
        Some((serial, self.values[&serial].bumps))
    }

    fn store(&mut self, table: TableId, key: KeyId, serial: Serial) -> Option<Serial> {
        self.entries.insert((table, key), serial)
    }

    fn take(&mut self, table: TableId, key: KeyId) -> Option<Serial> {
        self.entries.remove(&(table, key))
    }

    fn release_value(&mut self, serial: Serial) {
        let value = self
            .values
            .remove(&serial)
            .expect("the model releases live values only");
        self.released.push(serial);
        for key in value.owned {
            let before = self.released.len();
            self.release_key(key);
            if self.released.len() > before {
                self.cascades += 1;
            }
        }
    }

    fn release_key(&mut self, key: KeyId) {
        self.members.retain(|&(_, member)| member != key);
        let mut doomed: Vec<_> = self
            .entries
            .keys()
            .filter(|&&(_, k)| k == key)
            .copied()
            .collect();
        doomed.sort_unstable();
        for entry in doomed {
            // A value released before may have released this entry's key.
            if let Some(serial) = self.entries.remove(&entry) {
                self.release_value(serial);
            }
        }
    }

    fn release_table(&mut self, table: TableId) {
        let mut doomed: Vec<_> = self
            .entries
            .keys()
            .filter(|&&(t, _)| t == table)
            .copied()
            .collect();
        doomed.sort_unstable();
        for entry in doomed {
            // A value released before may have released this entry's key.
            if let Some(serial) = self.entries.remove(&entry) {
                self.release_value(serial);
            }
        }
    }

    /// The values that dropping `key` releases, without following entries of
    /// table `skip`.
    fn reach(&self, key: KeyId, skip: Option<TableId>) -> HashSet<Serial> {
        let mut found = HashSet::new();
        let mut keys = vec![key];
        while let Some(key) = keys.pop() {
            for (&(table, k), &serial) in &self.entries {
                if k == key && Some(table) != skip && found.insert(serial) {
                    keys.extend(&self.values[&serial].owned);
                }
            }
        }
        found
    }
}

// ---------------------------------------------------------------------------
// The world: the real objects next to the model
// ---------------------------------------------------------------------------

/// How often each kind of step did something, over the whole run: to show
/// that the programs exercise what they claim to.
type Coverage = Arc<Mutex<BTreeMap<&'static str, u64>>>;

struct World {
    ledger: Arc<Ledger>,
    keys: Vec<Held>,
    tables: Vec<Table>,
    sets: Vec<(SetId, WeakSet<dyn Ident>)>,
    /// Values handed back to the test, alive until it drops them.
    held: Vec<Tracked>,
    next_id: u32,
    model: Model,
    dropped_ever: HashSet<Serial>,
    /// Drops seen (and checked) inside a closure, to add to the step's.
    early: Vec<Serial>,
    /// What each step did and saw, shared with `run_case` so that it can
    /// show it when a program panics or hangs.
    trace: Trace,
    hits: Vec<&'static str>,
}

type Trace = Arc<Mutex<Vec<String>>>;

fn trace_lines(trace: &Trace) -> String {
    trace
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .join("\n")
}

type Outcome = Result<String, String>;

/// Coverage names of events other than the kinds of steps.
const FOUND: &str = "a call found a value";
const CASCADE: &str = "a value's drop released a key that had values";
const WAITS_FOR_CLOSURE: &str = "a key dropped in a closure had values in the busy table";

fn pick(len: usize, i: usize) -> Option<usize> {
    (len > 0).then(|| i % len)
}

/// The slot of `key` in the table `at` designates, and that table's model
/// name; `None` if there is no such table or the key does not fit it.
fn resolve<'a>(
    tables: &'a [Table],
    at: At,
    key: &'a AnyKey,
) -> Option<(TableId, Box<dyn Slot + 'a>)> {
    match at {
        At::Side => match key {
            AnyKey::Derived(key) => Some((
                SIDE,
                Box::new(SideSlot {
                    side: key.score(),
                    key,
                }),
            )),
            _ => None,
        },
        At::Map(i) => {
            let table = &tables[pick(tables.len(), usize::from(i))?];
            let slot: Box<dyn Slot + 'a> = match (&table.map, key) {
                (AnyMap::Dyn(map), key) => Box::new(MapSlot {
                    map,
                    key: key.ident(),
                }),
                (AnyMap::ByAnchor(map), key) => Box::new(MapSlot {
                    map,
                    key: key.ident().anchor(),
                }),
                (AnyMap::Derived(map), AnyKey::Derived(key)) => Box::new(MapSlot { map, key }),
                (AnyMap::Keyed(map), AnyKey::Keyed(key)) => Box::new(MapSlot { map, key }),
                _ => return None,
            };
            Some((table.id, slot))
        }
    }
}

#[allow(clippy::needless_pass_by_value)] // small answers read best by value
fn expect_eq<T: PartialEq + fmt::Debug>(what: &str, real: T, model: T) -> Result<(), String> {
    if real == model {
        Ok(())
    } else {
        Err(format!(
            "{what}: the tables say {real:?}, the model {model:?}"
        ))
    }
}

fn fresh(ledger: &Arc<Ledger>, model: &mut Model) -> Tracked {
    let value = ledger.value();
    model.add(value.serial);
    value
}

/// What a clone handed out says: its origin and counter.
fn seen(value: Option<&Tracked>) -> Option<(Serial, u32)> {
    value.map(|v| (v.origin, v.bumps))
}

fn skipped() -> String {
    "(nothing to do)".to_owned()
}

impl World {
    fn new(trace: Trace) -> World {
        let mut world = World {
            ledger: Arc::default(),
            keys: Vec::new(),
            tables: Vec::new(),
            sets: Vec::new(),
            held: Vec::new(),
            next_id: 0,
            model: Model::default(),
            dropped_ever: HashSet::new(),
            early: Vec::new(),
            trace,
            hits: Vec::new(),
        };
        for kind in [TableKind::Dyn, TableKind::ByAnchor, TableKind::Derived] {
            world.new_table(kind);
        }
        world.new_set();
        world
    }

    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn new_table(&mut self, kind: TableKind) -> TableId {
        let id = self.id();
        let map = match kind {
            TableKind::Dyn => AnyMap::Dyn(WeakMap::new()),
            TableKind::ByAnchor => AnyMap::ByAnchor(WeakMap::new()),
            TableKind::Derived => AnyMap::Derived(WeakMap::new()),
            TableKind::Keyed => AnyMap::Keyed(WeakMap::new()),
        };
        self.tables.push(Table { id, map });
        id
    }

    fn new_set(&mut self) -> SetId {
        let id = self.id();
        self.sets.push((id, WeakSet::new()));
        id
    }

    /// Runs the program; the error says which step went wrong and how.
    fn run(&mut self, program: &Program) -> Result<(), String> {
        for (i, op) in program.ops.iter().enumerate() {
            let outcome = self.step(op).and_then(|what| {
                self.settle()?;
                Ok(what)
            });
            match outcome {
                Ok(what) => self
                    .trace
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(format!("{i:>4}: {op:?}: {what}")),
                Err(error) => return Err(self.failure(&format!("step {i}: {op:?}"), &error)),
            }
        }
        self.teardown(program.teardown)
            .map_err(|error| self.failure("teardown", &error))
    }

    fn failure(&self, step: &str, error: &str) -> String {
        format!(
            "{step}: {error}\ntrace of the steps before it:\n{}",
            trace_lines(&self.trace)
        )
    }

    /// Checks the step's drops against the model's releases.
    fn settle(&mut self) -> Result<(), String> {
        let (mut dropped, clones) = self.ledger.take();
        dropped.append(&mut self.early);
        for &serial in &dropped {
            if !self.dropped_ever.insert(serial) {
                return Err(format!("value #{serial} was dropped twice"));
            }
        }
        let mut expected = mem::take(&mut self.model.released);
        // A table may clone a value for a getter; the clone must be gone by
        // the end of the step (the test drops what it is handed at once).
        expected.extend(clones);
        dropped.sort_unstable();
        expected.sort_unstable();
        if dropped == expected {
            return Ok(());
        }
        let unexpected: Vec<_> = dropped.iter().filter(|s| !expected.contains(s)).collect();
        let missing: Vec<_> = expected.iter().filter(|s| !dropped.contains(s)).collect();
        Err(format!(
            "values dropped during the step: {dropped:?}; the model released {expected:?} \
             (dropped but not released: {unexpected:?}; released but not dropped: {missing:?})"
        ))
    }

    fn step(&mut self, op: &Op) -> Outcome {
        let outcome = match *op {
            Op::MakeKey(kind) => Ok(self.make_key(kind)),
            Op::CloneKey(i) => Ok(self.clone_key(i)),
            Op::Rebox(i) => Ok(self.rebox(i)),
            Op::MoveToEnd(i) => Ok(self.move_to_end(i)),
            Op::SwapKeys(i, j) => Ok(self.swap_keys(i, j)),
            Op::DropKey(i) => self.drop_key(i, false),
            Op::DropKeyOnThread(i) => self.drop_key(i, true),
            Op::Call { at, key, call } => self.call(at, key, call),
            Op::ReadOnThread { at, key } => self.read_on_thread(at, key),
            Op::InsertOwning { at, owner, child } => self.insert_owning(at, owner, child),
            Op::Adopt { at, owner, child } => self.adopt(at, owner, child),
            Op::DropKeyInside { at, holder, victim } => self.drop_key_inside(at, holder, victim),
            Op::Clear(at) => Ok(self.clear(at)),
            Op::DropHeld(i) => Ok(self.drop_held(i)),
            Op::Reinsert { at, key, held } => self.reinsert(at, key, held),
            Op::Set { set, key, call } => self.set_call(set, key, call),
            Op::ClearSet(i) => Ok(self.clear_set(i)),
            Op::NewSet => Ok(format!("set s{}", self.new_set())),
            Op::DropSet(i) => Ok(self.drop_set(i)),
            Op::NewTable(kind) => Ok(format!("table t{}", self.new_table(kind))),
            Op::DropTable(i) => Ok(self.drop_table(i)),
        }?;
        if outcome != "(nothing to do)" {
            self.hits.push(op_name(op));
        }
        Ok(outcome)
    }

    fn make_key(&mut self, kind: KeyKind) -> String {
        let id = self.id();
        let key = match kind {
            KeyKind::Derived => AnyKey::Derived(Key::default()),
            KeyKind::Bare => AnyKey::Bare(Anchor::new()),
            KeyKind::Keyed => AnyKey::Keyed(Keyed::new(id)),
        };
        self.keys.push(Held {
            id,
            place: Place::Inline(key),
        });
        format!("k{id}")
    }

    fn clone_key(&mut self, i: usize) -> String {
        let Some(i) = pick(self.keys.len(), i) else {
            return skipped();
        };
        let key = self.keys[i].place.key().clone();
        let (from, id) = (self.keys[i].id, self.id());
        self.keys.push(Held {
            id,
            place: Place::Inline(key),
        });
        format!("k{id} = clone of k{from}")
    }

    fn rebox(&mut self, i: usize) -> String {
        let Some(i) = pick(self.keys.len(), i) else {
            return skipped();
        };
        let held = &mut self.keys[i];
        let placeholder = Place::Inline(AnyKey::Bare(Anchor::new()));
        held.place = match mem::replace(&mut held.place, placeholder) {
            Place::Inline(key) => Place::Boxed(Box::new(key)),
            Place::Boxed(key) => Place::Inline(*key),
        };
        let now = match held.place {
            Place::Inline(_) => "out of its box",
            Place::Boxed(_) => "into a box",
        };
        format!("k{} moved {now}", held.id)
    }

    fn move_to_end(&mut self, i: usize) -> String {
        let Some(i) = pick(self.keys.len(), i) else {
            return skipped();
        };
        let held = self.keys.swap_remove(i);
        let id = held.id;
        self.keys.push(held);
        format!("k{id} moved to the end")
    }

    fn swap_keys(&mut self, i: usize, j: usize) -> String {
        let (Some(i), Some(j)) = (pick(self.keys.len(), i), pick(self.keys.len(), j)) else {
            return skipped();
        };
        if i == j {
            return skipped();
        }
        let (low, high) = (i.min(j), i.max(j));
        let (left, right) = self.keys.split_at_mut(high);
        mem::swap(&mut left[low], &mut right[0]);
        format!("k{} and k{} swapped", self.keys[i].id, self.keys[j].id)
    }

    fn drop_key(&mut self, i: usize, on_thread: bool) -> Outcome {
        let Some(i) = pick(self.keys.len(), i) else {
            return Ok(skipped());
        };
        let held = self.keys.remove(i);
        let id = held.id;
        self.model.release_key(id);
        if on_thread {
            thread::spawn(move || drop(held))
                .join()
                .map_err(|_| "the key's drop panicked on its thread".to_owned())?;
        } else {
            drop(held);
        }
        Ok(format!("k{id} dropped"))
    }

    #[allow(clippy::too_many_lines)] // one arm per call, each with its checks
    fn call(&mut self, at: At, key: usize, call: Call) -> Outcome {
        let Some(ki) = pick(self.keys.len(), key) else {
            return Ok(skipped());
        };
        let World {
            ledger,
            keys,
            tables,
            held,
            model,
            hits,
            ..
        } = self;
        let k = keys[ki].id;
        let Some((t, slot)) = resolve(tables, at, keys[ki].place.key()) else {
            return Ok(skipped());
        };
        let before = model.lookup(t, k);
        if before.is_some() {
            hits.push(FOUND);
        }
        let what = format!("t{t}[k{k}]: {call:?}");
        match call {
            Call::Insert => {
                let value = fresh(ledger, model);
                let serial = value.serial;
                let replaced = slot.insert(value);
                let expected = model.store(t, k, serial);
                expect_eq(
                    "replaced value",
                    replaced.as_ref().map(|v| v.serial),
                    expected,
                )?;
                held.extend(replaced);
                Ok(format!("{what} #{serial}, replaced {expected:?}"))
            }
            Call::Get => {
                let got = slot.get();
                expect_eq("get", seen(got.as_ref()), before)?;
                Ok(format!("{what} = {before:?}"))
            }
            Call::ContainsKey => {
                expect_eq("contains_key", slot.contains(), before.is_some())?;
                Ok(format!("{what} = {}", before.is_some()))
            }
            Call::Remove => {
                let removed = slot.remove();
                let expected = model.take(t, k);
                expect_eq(
                    "removed value",
                    removed.as_ref().map(|v| v.serial),
                    expected,
                )?;
                held.extend(removed);
                Ok(format!("{what} = {expected:?}"))
            }
            Call::With => {
                let mut inside = None;
                slot.with(&mut |v| inside = Some((v.serial, v.bumps)));
                expect_eq("what `with` sees", inside, before)?;
                Ok(format!("{what} saw {before:?}"))
            }
            Call::WithMut(Mutation::Bump) => {
                let mut inside = None;
                slot.with_mut(&mut |v| {
                    inside = Some((v.serial, v.bumps));
                    v.bumps += 1;
                });
                expect_eq("what `with_mut` sees", inside, before)?;
                if let Some((serial, _)) = before {
                    model.values.get_mut(&serial).expect("live").bumps += 1;
                }
                Ok(format!("{what} saw {before:?}"))
            }
            Call::WithMut(mutation) => {
                let new = fresh(ledger, model);
                let serial = new.serial;
                let drop_inside = matches!(mutation, Mutation::ReplaceDroppingOld);
                let mut new = Some(new);
                let mut old = None;
                let mut inside = None;
                let ran = slot.with_mut(&mut |v| {
                    let replaced = mem::replace(v, new.take().expect("runs once"));
                    inside = Some((replaced.serial, replaced.bumps));
                    if !drop_inside {
                        old = Some(replaced);
                    }
                });
                expect_eq("what `with_mut` sees", inside, before)?;
                expect_eq("closure ran", ran, before.is_some())?;
                drop(new); // not used if the key has no value here
                match before {
                    Some((old_serial, _)) => {
                        model.store(t, k, serial);
                        if drop_inside {
                            model.release_value(old_serial);
                        }
                    }
                    None => model.release_value(serial),
                }
                held.extend(old);
                Ok(format!("{what} #{serial} replaced {before:?}"))
            }
            Call::GetOrInsert => {
                let value = fresh(ledger, model);
                let serial = value.serial;
                let got = slot.get_or_insert(value);
                let expected = if let Some(existing) = before {
                    model.release_value(serial);
                    existing
                } else {
                    model.store(t, k, serial);
                    (serial, 0)
                };
                expect_eq("get_or_insert", seen(Some(&got)), Some(expected))?;
                Ok(format!("{what} #{serial} = {expected:?}"))
            }
            Call::GetOrInsertWith(factory) => {
                let mut made = Vec::new();
                let mut ran = false;
                let mut peeked = None;
                let mut first = None;
                let slot = &*slot;
                let got = slot.get_or_insert_with(&mut || {
                    ran = true;
                    match factory {
                        Factory::Plain => {}
                        Factory::PeeksAtTheTable => peeked = Some(slot.contains()),
                        Factory::InsertsFirst => {
                            let value = ledger.value();
                            made.push(value.serial);
                            first = Some(slot.insert(value).map(|v| v.serial));
                        }
                    }
                    let value = ledger.value();
                    made.push(value.serial);
                    value
                });
                for &serial in &made {
                    model.add(serial);
                }
                expect_eq("the factory ran", ran, before.is_none())?;
                let expected = match (before, factory, &made[..]) {
                    (Some(existing), _, _) => existing,
                    (None, Factory::InsertsFirst, &[stored, lost]) => {
                        expect_eq("insert from the factory", first, Some(None))?;
                        model.store(t, k, stored);
                        model.release_value(lost);
                        (stored, 0)
                    }
                    (None, _, &[stored]) => {
                        if let Factory::PeeksAtTheTable = factory {
                            expect_eq("contains_key from the factory", peeked, Some(false))?;
                        }
                        model.store(t, k, stored);
                        (stored, 0)
                    }
                    _ => unreachable!("the factory makes one value, or two if it inserts"),
                };
                expect_eq("get_or_insert_with", seen(Some(&got)), Some(expected))?;
                Ok(format!("{what} made {made:?} = {expected:?}"))
            }
        }
    }

    fn read_on_thread(&mut self, at: At, key: usize) -> Outcome {
        let Some(ki) = pick(self.keys.len(), key) else {
            return Ok(skipped());
        };
        let k = self.keys[ki].id;
        let Some((t, slot)) = resolve(&self.tables, at, self.keys[ki].place.key()) else {
            return Ok(skipped());
        };
        let slot = &*slot;
        let (got, contains) = thread::scope(|scope| {
            scope
                .spawn(|| (seen(slot.get().as_ref()), slot.contains()))
                .join()
        })
        .map_err(|_| "a read on another thread panicked".to_owned())?;
        let before = self.model.lookup(t, k);
        expect_eq("get on another thread", got, before)?;
        expect_eq("contains_key on another thread", contains, before.is_some())?;
        Ok(format!("t{t}[k{k}] = {before:?}"))
    }

    /// Two distinct keys: the second taken out of the `Vec`, and the index
    /// of the first after that.
    fn two_keys(&mut self, first: usize, second: usize) -> Option<(usize, Held)> {
        let len = self.keys.len();
        let (first, second) = (pick(len, first)?, pick(len, second)?);
        if first == second {
            return None;
        }
        let taken = self.keys.remove(second);
        Some((if second < first { first - 1 } else { first }, taken))
    }

    fn insert_owning(&mut self, at: At, owner: usize, child: usize) -> Outcome {
        let Some((oi, child)) = self.two_keys(owner, child) else {
            return Ok(skipped());
        };
        let World {
            ledger,
            keys,
            tables,
            held,
            model,
            ..
        } = self;
        let o = keys[oi].id;
        let Some((t, slot)) = resolve(tables, at, keys[oi].place.key()) else {
            keys.push(child);
            return Ok(skipped());
        };
        let c = child.id;
        let mut value = fresh(ledger, model);
        value.owned.push(child.place.into_key());
        let serial = value.serial;
        model.values.get_mut(&serial).expect("live").owned.push(c);
        let replaced = slot.insert(value);
        let expected = model.store(t, o, serial);
        expect_eq(
            "replaced value",
            replaced.as_ref().map(|v| v.serial),
            expected,
        )?;
        held.extend(replaced);
        Ok(format!(
            "t{t}[k{o}] = #{serial} owning k{c}, replaced {expected:?}"
        ))
    }

    fn adopt(&mut self, at: At, owner: usize, child: usize) -> Outcome {
        let Some((oi, child)) = self.two_keys(owner, child) else {
            return Ok(skipped());
        };
        let o = self.keys[oi].id;
        let Some((t, slot)) = resolve(&self.tables, at, self.keys[oi].place.key()) else {
            self.keys.push(child);
            return Ok(skipped());
        };
        let c = child.id;
        let mut child = Some(child.place.into_key());
        let ran = slot.with_mut(&mut |v| v.owned.push(child.take().expect("runs once")));
        drop(slot);
        let before = self.model.lookup(t, o);
        expect_eq("closure ran", ran, before.is_some())?;
        if let Some((serial, _)) = before {
            self.model
                .values
                .get_mut(&serial)
                .expect("live")
                .owned
                .push(c);
            Ok(format!("k{c} now owned by t{t}[k{o}] = #{serial}"))
        } else {
            let key = child.take().expect("not taken");
            self.keys.push(Held {
                id: c,
                place: Place::Inline(key),
            });
            Ok(format!("t{t}[k{o}] has no value; k{c} moved to the end"))
        }
    }

    fn drop_key_inside(&mut self, at: At, holder: usize, victim: usize) -> Outcome {
        let Some((hi, victim)) = self.two_keys(holder, victim) else {
            return Ok(skipped());
        };
        let World {
            ledger,
            keys,
            tables,
            model,
            early,
            hits,
            ..
        } = self;
        let h = keys[hi].id;
        let Some((t, slot)) = resolve(tables, at, keys[hi].place.key()) else {
            keys.push(victim);
            return Ok(skipped());
        };
        let v = victim.id;
        // Dropped before the key's drop returns: its values in the other
        // tables, and what they own. Those in the busy table may wait for
        // the closure's call to return, and what they own with them.
        let must = model.reach(v, Some(t));
        let may = model.reach(v, None);
        let mut victim = Some(victim);
        let mut inside = None;
        if may.len() > must.len() && model.lookup(t, h).is_some() {
            hits.push(WAITS_FOR_CLOSURE);
        }
        let ran = slot.with_mut(&mut |_| {
            drop(victim.take());
            inside = Some(ledger.take_drops());
        });
        drop(slot);
        drop(victim); // if the closure did not run
        let before = model.lookup(t, h);
        expect_eq("closure ran", ran, before.is_some())?;
        if let Some(inside) = inside {
            let inside_set: HashSet<_> = inside.iter().copied().collect();
            let missing: Vec<_> = must.difference(&inside_set).collect();
            let extra: Vec<_> = inside_set.difference(&may).collect();
            if !missing.is_empty() || !extra.is_empty() {
                return Err(format!(
                    "inside the closure, after k{v}'s drop returned: values dropped {inside:?}; \
                     not yet dropped but in tables that are not busy: {missing:?}; dropped \
                     but not the key's: {extra:?}"
                ));
            }
            early.extend(inside);
        }
        model.release_key(v);
        Ok(format!(
            "k{v} dropped inside t{t}[k{h}]'s closure (ran: {ran}; {} released at once, {} \
             in all)",
            must.len(),
            may.len()
        ))
    }

    fn clear(&mut self, at: At) -> String {
        let t = match at {
            At::Side => {
                clear_side_table();
                SIDE
            }
            At::Map(i) => {
                let Some(i) = pick(self.tables.len(), usize::from(i)) else {
                    return skipped();
                };
                let table = &self.tables[i];
                match &table.map {
                    AnyMap::Dyn(map) => map.clear(),
                    AnyMap::ByAnchor(map) => map.clear(),
                    AnyMap::Derived(map) => map.clear(),
                    AnyMap::Keyed(map) => map.clear(),
                }
                table.id
            }
        };
        self.model.release_table(t);
        format!("t{t} cleared")
    }

    fn drop_held(&mut self, i: usize) -> String {
        let Some(i) = pick(self.held.len(), i) else {
            return skipped();
        };
        let value = self.held.swap_remove(i);
        let serial = value.serial;
        drop(value);
        self.model.release_value(serial);
        format!("#{serial} dropped")
    }

    fn reinsert(&mut self, at: At, key: usize, held: usize) -> Outcome {
        let (Some(ki), Some(hi)) = (pick(self.keys.len(), key), pick(self.held.len(), held)) else {
            return Ok(skipped());
        };
        let k = self.keys[ki].id;
        let Some((t, slot)) = resolve(&self.tables, at, self.keys[ki].place.key()) else {
            return Ok(skipped());
        };
        let value = self.held.swap_remove(hi);
        let serial = value.serial;
        let replaced = slot.insert(value);
        drop(slot);
        let expected = self.model.store(t, k, serial);
        expect_eq(
            "replaced value",
            replaced.as_ref().map(|v| v.serial),
            expected,
        )?;
        self.held.extend(replaced);
        Ok(format!("#{serial} into t{t}[k{k}], replaced {expected:?}"))
    }

    fn set_call(&mut self, set: u8, key: usize, call: SetCall) -> Outcome {
        let (Some(si), Some(ki)) = (
            pick(self.sets.len(), usize::from(set)),
            pick(self.keys.len(), key),
        ) else {
            return Ok(skipped());
        };
        let (s, ref real) = self.sets[si];
        let (k, key) = (self.keys[ki].id, self.keys[ki].place.key().ident());
        let member = self.model.members.contains(&(s, k));
        let answer = match call {
            SetCall::Insert => {
                self.model.members.insert((s, k));
                expect_eq("set insert", real.insert(key), !member)?;
                !member
            }
            SetCall::Contains => {
                expect_eq("set contains", real.contains(key), member)?;
                member
            }
            SetCall::Remove => {
                self.model.members.remove(&(s, k));
                expect_eq("set remove", real.remove(key), member)?;
                member
            }
        };
        Ok(format!("s{s}.{call:?}(k{k}) = {answer}"))
    }

    fn clear_set(&mut self, i: u8) -> String {
        let Some(i) = pick(self.sets.len(), usize::from(i)) else {
            return skipped();
        };
        let (s, ref set) = self.sets[i];
        set.clear();
        self.model.members.retain(|&(set, _)| set != s);
        format!("s{s} cleared")
    }

    fn drop_set(&mut self, i: u8) -> String {
        let Some(i) = pick(self.sets.len(), usize::from(i)) else {
            return skipped();
        };
        let (s, set) = self.sets.remove(i);
        drop(set);
        self.model.members.retain(|&(set, _)| set != s);
        format!("s{s} dropped")
    }

    fn drop_table(&mut self, i: u8) -> String {
        let Some(i) = pick(self.tables.len(), usize::from(i)) else {
            return skipped();
        };
        let table = self.tables.remove(i);
        let t = table.id;
        drop(table);
        self.model.release_table(t);
        format!("t{t} dropped")
    }

    /// Drops everything, one thing a step, and checks that every value ever
    /// made was dropped exactly once.
    fn teardown(&mut self, order: DropFirst) -> Result<(), String> {
        type Part = fn(&mut World) -> Result<(), String>;
        let parts: [Part; 3] = match order {
            DropFirst::Keys => [
                World::drop_keys,
                World::drop_held_values,
                World::drop_tables,
            ],
            DropFirst::Tables => [
                World::drop_tables,
                World::drop_held_values,
                World::drop_keys,
            ],
            DropFirst::HeldValues => [
                World::drop_held_values,
                World::drop_keys,
                World::drop_tables,
            ],
        };
        for part in parts {
            part(self)?;
        }
        self.sets.clear();
        if !self.model.values.is_empty() {
            let mut alive: Vec<_> = self.model.values.keys().collect();
            alive.sort_unstable();
            return Err(format!("the model still has live values {alive:?}"));
        }
        let made = self.ledger.made();
        let never: Vec<_> = (1..=made)
            .filter(|s| !self.dropped_ever.contains(s))
            .collect();
        if !never.is_empty() || self.dropped_ever.len() as u64 != made {
            return Err(format!(
                "{made} values made, {} dropped; never dropped: {never:?}",
                self.dropped_ever.len()
            ));
        }
        Ok(())
    }

    fn drop_keys(&mut self) -> Result<(), String> {
        while let Some(held) = self.keys.pop() {
            let id = held.id;
            self.model.release_key(id);
            drop(held);
            self.settle().map_err(|e| format!("dropping k{id}: {e}"))?;
        }
        Ok(())
    }

    fn drop_held_values(&mut self) -> Result<(), String> {
        while let Some(value) = self.held.pop() {
            let serial = value.serial;
            drop(value);
            self.model.release_value(serial);
            self.settle()
                .map_err(|e| format!("dropping held #{serial}: {e}"))?;
        }
        Ok(())
    }

    fn drop_tables(&mut self) -> Result<(), String> {
        while let Some(table) = self.tables.pop() {
            let t = table.id;
            drop(table);
            self.model.release_table(t);
            self.settle().map_err(|e| format!("dropping t{t}: {e}"))?;
        }
        Ok(())
    }
}

fn op_name(op: &Op) -> &'static str {
    match op {
        Op::MakeKey(_) => "MakeKey",
        Op::CloneKey(_) => "CloneKey",
        Op::Rebox(_) => "Rebox",
        Op::MoveToEnd(_) => "MoveToEnd",
        Op::SwapKeys(..) => "SwapKeys",
        Op::DropKey(_) => "DropKey",
        Op::DropKeyOnThread(_) => "DropKeyOnThread",
        Op::Call { at: At::Side, .. } => "Call on the side field",
        Op::Call { call, .. } => match call {
            Call::Insert => "Insert",
            Call::Get => "Get",
            Call::ContainsKey => "ContainsKey",
            Call::Remove => "Remove",
            Call::With => "With",
            Call::WithMut(Mutation::Bump) => "WithMut(Bump)",
            Call::WithMut(Mutation::Replace) => "WithMut(Replace)",
            Call::WithMut(Mutation::ReplaceDroppingOld) => "WithMut(ReplaceDroppingOld)",
            Call::GetOrInsert => "GetOrInsert",
            Call::GetOrInsertWith(Factory::Plain) => "GetOrInsertWith(Plain)",
            Call::GetOrInsertWith(Factory::PeeksAtTheTable) => "GetOrInsertWith(Peeks)",
            Call::GetOrInsertWith(Factory::InsertsFirst) => "GetOrInsertWith(InsertsFirst)",
        },
        Op::ReadOnThread { .. } => "ReadOnThread",
        Op::InsertOwning { .. } => "InsertOwning",
        Op::Adopt { .. } => "Adopt",
        Op::DropKeyInside { .. } => "DropKeyInside",
        Op::Clear(_) => "Clear",
        Op::DropHeld(_) => "DropHeld",
        Op::Reinsert { .. } => "Reinsert",
        Op::Set { .. } => "Set",
        Op::ClearSet(_) => "ClearSet",
        Op::NewSet => "NewSet",
        Op::DropSet(_) => "DropSet",
        Op::NewTable(_) => "NewTable",
        Op::DropTable(_) => "DropTable",
    }
}

/// Runs one program on a thread of its own, under a time limit.
fn run_case(program: &Program, coverage: &Coverage) -> Result<(), TestCaseError> {
    let (program, coverage) = (program.clone(), Arc::clone(coverage));
    let trace = Trace::default();
    let world_trace = Arc::clone(&trace);
    let (done, finished) = std::sync::mpsc::channel();
    let worker = thread::spawn(move || {
        let mut world = World::new(world_trace);
        let result = world.run(&program);
        world
            .hits
            .extend((0..world.model.cascades).map(|_| CASCADE));
        let mut counts = coverage.lock().unwrap_or_else(PoisonError::into_inner);
        for hit in world.hits.drain(..) {
            *counts.entry(hit).or_default() += 1;
        }
        drop(counts);
        let _ = done.send(());
        result
    });
    match finished.recv_timeout(CASE_LIMIT) {
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(result) => result.map_err(TestCaseError::fail),
            Err(payload) => Err(TestCaseError::fail(format!(
                "panicked: {}\ntrace of the steps before the panic:\n{}",
                common::panic_message(payload.as_ref()),
                trace_lines(&trace)
            ))),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!(
            "HANG: the program did not finish within {CASE_LIMIT:?}\ntrace of the steps \
             before the hang:\n{}",
            trace_lines(&trace)
        ))),
    }
}

fn cases() -> u32 {
    match std::env::var("WEAKATTACH_MODEL_CASES") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("WEAKATTACH_MODEL_CASES={text:?} is not a number")),
        Err(_) => DEFAULT_CASES,
    }
}

#[test]
fn random_programs_agree_with_the_model_and_drop_every_value_exactly_once() {
    let defaults = Config::default();
    let seed = match defaults.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => RandomState::new().hash_one("weakattach model"),
    };
    let cases = cases();
    let config = Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_time: 120_000,
        ..defaults
    };
    let coverage = Coverage::default();
    let mut runner = TestRunner::new(config);
    match runner.run(&program(), |program| run_case(&program, &coverage)) {
        Ok(()) => {}
        Err(TestError::Fail(reason, program)) => panic!(
            "the tables disagree with the model (seed {seed}; replay with \
             PROPTEST_RNG_SEED={seed}).\nminimal failing {program:?}\n{reason}"
        ),
        Err(TestError::Abort(reason)) => panic!("aborted (seed {seed}): {reason}"),
    }

    // Every kind of step did something in some program: the run tested what
    // it claims to. (Skipped with tiny case counts.)
    if cases >= 200 {
        let counts = coverage.lock().unwrap_or_else(PoisonError::into_inner);
        let idle: Vec<_> = coverage_names()
            .filter(|name| !counts.contains_key(name))
            .collect();
        assert!(
            idle.is_empty(),
            "these steps never did anything in {cases} programs: {idle:?} (seed {seed})"
        );
    }
}

/// The coverage names of every kind of step and of the events that matter.
fn coverage_names() -> impl Iterator<Item = &'static str> {
    let steps = [
        Op::MakeKey(KeyKind::Derived),
        Op::CloneKey(0),
        Op::Rebox(0),
        Op::MoveToEnd(0),
        Op::SwapKeys(0, 1),
        Op::DropKey(0),
        Op::DropKeyOnThread(0),
        Op::ReadOnThread {
            at: At::Side,
            key: 0,
        },
        Op::InsertOwning {
            at: At::Side,
            owner: 0,
            child: 0,
        },
        Op::Adopt {
            at: At::Side,
            owner: 0,
            child: 0,
        },
        Op::DropKeyInside {
            at: At::Side,
            holder: 0,
            victim: 0,
        },
        Op::Clear(At::Side),
        Op::DropHeld(0),
        Op::Reinsert {
            at: At::Side,
            key: 0,
            held: 0,
        },
        Op::Set {
            set: 0,
            key: 0,
            call: SetCall::Insert,
        },
        Op::ClearSet(0),
        Op::NewSet,
        Op::DropSet(0),
        Op::NewTable(TableKind::Dyn),
        Op::DropTable(0),
        Op::Call {
            at: At::Side,
            key: 0,
            call: Call::Insert,
        },
    ];
    let calls = [
        Call::Insert,
        Call::Get,
        Call::ContainsKey,
        Call::Remove,
        Call::With,
        Call::WithMut(Mutation::Bump),
        Call::WithMut(Mutation::Replace),
        Call::WithMut(Mutation::ReplaceDroppingOld),
        Call::GetOrInsert,
        Call::GetOrInsertWith(Factory::Plain),
        Call::GetOrInsertWith(Factory::PeeksAtTheTable),
        Call::GetOrInsertWith(Factory::InsertsFirst),
    ]
    .map(|call| Op::Call {
        at: At::Map(0),
        key: 0,
        call,
    });
    steps
        .into_iter()
        .chain(calls)
        .map(|op| op_name(&op))
        .chain([FOUND, CASCADE, WAITS_FOR_CLOSURE])
}
