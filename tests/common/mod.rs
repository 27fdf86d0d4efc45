//! Helpers shared by the `guarantee_*` tests: a deadline watchdog, drop
//! counters, and key types with hand-written `WeakKey` impls (so that these
//! tests do not depend on the derive).
//!
//! Every item is used by some of the test files but not by all of them.
#![allow(dead_code)]

use std::any::Any;
use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use weakattach::{Anchor, WeakKey};

/// How long a test body may run before the watchdog calls it a hang.
pub const DEADLINE: Duration = Duration::from_secs(if cfg!(miri) { 900 } else { 30 });

/// How long one side of a hand-shake between threads waits for the other
/// before the test reports that a call waited when it must not have.
pub const HANDSHAKE: Duration = Duration::from_secs(if cfg!(miri) { 300 } else { 10 });

/// Runs `body` on a thread of its own and returns its result; fails the test
/// with a message naming `what` if `body` does not finish within
/// [`DEADLINE`], instead of hanging the test run. A panic in `body` is
/// re-raised here with its original payload.
pub fn within_deadline<R: Send + 'static>(
    what: &str,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    within_deadline_on(thread::Builder::new(), what, body)
}

/// As [`within_deadline`], on a thread made by `builder` (to set its stack
/// size).
pub fn within_deadline_on<R: Send + 'static>(
    builder: thread::Builder,
    what: &str,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (done, finished) = mpsc::channel();
    let worker = builder
        .spawn(move || {
            // The result goes through the channel; a panic leaves `done`
            // unsent and is picked up by `join` below.
            let result = body();
            let _ = done.send(());
            result
        })
        .expect("spawn the test's worker thread");
    match finished.recv_timeout(DEADLINE) {
        Ok(()) => match worker.join() {
            Ok(result) => result,
            Err(payload) => panic::resume_unwind(payload),
        },
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(payload) => panic::resume_unwind(payload),
            Ok(_) => unreachable!("the worker returned without reporting"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("HANG: {what} did not finish within {DEADLINE:?}")
        }
    }
}

/// Runs `f`, expecting it to panic, and returns the panic's message.
#[track_caller]
pub fn expect_panic<R>(f: impl FnOnce() -> R) -> String {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic, but the call returned normally"),
        Err(payload) => panic_message(payload.as_ref()),
    }
}

/// The text of a panic payload (`panic!` makes a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// A per-test drop counter: values made by [`Counter::value`] add one to it
/// when they are dropped. Each test makes its own, so tests running in
/// parallel do not disturb each other.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn new() -> Counter {
        Counter::default()
    }

    /// How many values of this counter were dropped so far.
    pub fn dropped(&self) -> usize {
        self.0.load(SeqCst)
    }

    /// A fresh value that counts its drop here.
    pub fn value(&self) -> Counted {
        Counted {
            counter: self.clone(),
            payload: 0,
        }
    }

    /// A fresh value carrying `payload`, that counts its drop here.
    pub fn value_of(&self, payload: usize) -> Counted {
        Counted {
            counter: self.clone(),
            payload,
        }
    }

    fn bump(&self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A value that adds one to its [`Counter`] when dropped. Not `Clone`: a
/// clone would be another value to count.
pub struct Counted {
    counter: Counter,
    pub payload: usize,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.counter.bump();
    }
}

/// A user's key struct: data plus an identity, with the derives a user would
/// write. `Clone` gives the copy a new identity (the anchor's clone).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dog {
    pub name: String,
    anchor: Anchor,
}

impl Dog {
    pub fn new(name: &str) -> Dog {
        Dog {
            name: name.to_owned(),
            anchor: Anchor::new(),
        }
    }
}

impl WeakKey for Dog {
    fn anchor(&self) -> &Anchor {
        &self.anchor
    }
}

/// A value that owns keys: dropping it drops them (and so releases whatever
/// is attached to them), and counts its own drop.
pub struct Owner<K> {
    pub keys: Vec<K>,
    _counted: Counted,
}

impl<K> Owner<K> {
    pub fn new(counter: &Counter, keys: Vec<K>) -> Owner<K> {
        Owner {
            keys,
            _counted: counter.value(),
        }
    }
}

/// The `std` hash of `value`, to show that equal data hashes alike whatever
/// the identity.
pub fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}
